"""The head revision of the packaged migration scripts, read without Alembic or SQLAlchemy
(`jingban.storage.migrate` compares it with a database's ``alembic_version``; the bare
reader of `jingban.storage.case_reader` does the same on a driver connection)."""

from __future__ import annotations

import functools
import re
from importlib import resources

_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


@functools.cache
def packaged_head() -> str | None:
    """The head revision of the packaged migration scripts, read from their ``revision`` and
    ``down_revision`` lines without importing Alembic; None when the scripts do not have
    exactly one head or a line is not a plain string (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("jingban.storage").joinpath("migrations", "versions")
    for script in versions.iterdir():
        if not script.name.endswith(".py"):
            continue
        for name, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            value = value.strip()
            if value == "None":
                continue
            found = re.fullmatch(r"""(["'])([^"']+)\1""", value)
            if found is None:
                return None  # a tuple of parents, say: leave it to Alembic
            (revisions if name == "revision" else parents).add(found.group(2))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None
