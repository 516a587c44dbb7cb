"""The access log never holds a query code or what identifies a person: the query strings of
the public query and of every search by person are hidden, other paths are logged whole."""

from __future__ import annotations

import logging

import pytest

from jingban.server import MaskedQueryStrings


def _line(path: str) -> str:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200), None,
    )  # fmt: skip
    MaskedQueryStrings().filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    "path",
    [
        "/api/public/progress?case_no=KS-20261123-00042-8&code=23456789ABCD",
        "/search?q=%E9%98%BF%E4%B8%8D%E9%83%BD",
        "/find?no=653101198802143021",
        "/work?scope=all&q=653101198802143021",
        "/api/cases?id_number=653101198802143021&page=2",
    ],
)
def test_secret_query_strings_are_hidden(path: str) -> None:
    line = _line(path)
    assert path.partition("?")[0] + "?(hidden)" in line
    assert path.partition("?")[2] not in line


def test_other_paths_are_logged_whole() -> None:
    assert "/healthz?probe=1 " in _line("/healthz?probe=1")
    assert "/board?page=2 " in _line("/board?page=2")
