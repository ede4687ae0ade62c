"""Request plumbing shared by the REST API and the web pages: who is calling, one session
per request, the dependency aliases, body limits and the error responses."""
