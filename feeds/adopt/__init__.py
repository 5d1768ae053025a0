"""Adopting a publisher's existing feeds: their items' ids, recorded for intake to carry on."""
