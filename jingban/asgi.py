"""The ASGI entry point for uvicorn (`jingban serve`, or `uvicorn jingban.asgi:app`):
each worker process builds its own services on the database named by JINGBAN_DATABASE_URL
and runs a scheduler that stands by unless elected leader."""

from __future__ import annotations

import os

from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database

app = create_app(
    Services(Database()), scheduler=os.environ.get("JINGBAN_SERVE_SCHEDULER", "1") == "1"
)
