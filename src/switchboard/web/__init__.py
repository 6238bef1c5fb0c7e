"""HTTP transport: the REST API, the agent web pages, and the app factory. Thin by rule."""
