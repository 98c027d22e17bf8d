"""HTTP routers: thin, one module per resource, each exposing ``router``."""
