"""The network: polite, bounded fetching, robots.txt, and a source's health between polls."""
