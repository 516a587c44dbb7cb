"""The ASGI entry point for uvicorn (`jingban serve`, or `uvicorn jingban.asgi:app`):
each worker process builds its own services on the database named by JINGBAN_DATABASE_URL
and, unless JINGBAN_SERVE_SCHEDULER=0, runs a scheduler that stands by unless elected leader.
The access log never shows the query string of a public API path
(`jingban.server.MaskedQueryStrings`)."""

from __future__ import annotations

from jingban.server import create_app, mask_access_log
from jingban.services import Services
from jingban.settings import settings
from jingban.storage import Database

mask_access_log()  # uvicorn configured its loggers before importing this module
app = create_app(Services(Database()), scheduler=settings().serve_scheduler)
