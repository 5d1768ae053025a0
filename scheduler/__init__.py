"""Running it all: config, jobs, the service and its HTTP server, the `newsfeeds` CLI."""
