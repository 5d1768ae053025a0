"""A publisher's existing feeds, read for `adopt`: every item's identity as it was served."""
