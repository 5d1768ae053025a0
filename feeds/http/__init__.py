"""Serving: prepared documents to pollers, pages to people, the push API to the CMS."""
