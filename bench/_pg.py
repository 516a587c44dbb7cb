"""PostgreSQL helpers of the benchmarks: a psycopg DSN, and benchmark databases made afresh
and dropped on the server of a URL."""

from __future__ import annotations

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def pg_dsn(url: str) -> str:
    """A libpq URL for psycopg from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_admin(url: str) -> sqlalchemy.Engine:
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def pg_drop(url: str, name: str) -> None:
    admin = pg_admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pg_recreate(url: str, name: str) -> str:
    admin = pg_admin(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def pg_version(url: str) -> str:
    admin = pg_admin(url)
    with admin.connect() as conn:
        version = str(conn.execute(text("SHOW server_version")).scalar())
    admin.dispose()
    return version.split()[0]
