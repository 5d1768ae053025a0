"""What crosses from getting articles in to the rest: the article, the raw item, settings, state."""
