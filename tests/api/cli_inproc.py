"""`jingban` commands run through the console script's entry point in this process, for API
tests that check what an administrator does beside the server."""

from __future__ import annotations

import contextlib
import io
import sys

import pytest


def run_cli(url: str, *args: str) -> tuple[int, str, str]:
    """`jingban ARGS` through the console script's entry point (its own database engine,
    as another process would have)."""
    from jingban.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JINGBAN_DATABASE_URL", url)
        patch.setattr(sys, "argv", ["jingban", *args])
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()
