"""Article pages: the article an HTML page describes, from JSON-LD, meta tags and selectors."""
