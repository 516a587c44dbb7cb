"""The ASGI entry point for uvicorn (`jingban serve`, or `uvicorn jingban.asgi:app`):
each worker process builds its own services on the database named by JINGBAN_DATABASE_URL
and, unless JINGBAN_SERVE_SCHEDULER=0, runs a scheduler that stands by unless elected leader."""

from __future__ import annotations

from jingban.server import create_app
from jingban.services import Services
from jingban.settings import settings
from jingban.storage import Database

app = create_app(Services(Database()), scheduler=settings().serve_scheduler)
