"""The HTTP side: the app factory (``service.web.app:create_app``), routes, dependencies,
query parameters, error answers, the body limit, OpenAPI helpers and the server templates."""
