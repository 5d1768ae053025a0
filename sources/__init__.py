"""Getting articles in: source kinds, the network, page extraction, normalization, the model."""
