"""The docroot: every public document as files for nginx or a CDN to serve (`[publish]`)."""
