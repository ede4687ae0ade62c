"""The REST API (FastAPI) that also serves the web UI."""

from filiera.api.app import create_app

__all__ = ["create_app"]
