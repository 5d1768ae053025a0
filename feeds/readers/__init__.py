"""Who reads our feeds: consumers told from the User-Agent, counted per feed, family and hour."""
