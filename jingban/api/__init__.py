"""The HTTP API and the public progress query; `jingban.server.create_app` mounts them
beside the web console."""

from jingban.api.app import install_api

__all__ = ["install_api"]
