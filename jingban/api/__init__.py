"""The HTTP API, the public progress query and the web console, served by `jingban serve`."""

from jingban.api.app import create_app

__all__ = ["create_app"]
