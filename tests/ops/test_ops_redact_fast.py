"""`redact` skips the digit-run pass when no span could hold a run long enough to mask: the
lines it gives are those of the pass run on every line (the reference below), on lines made
of exactly what the masks look at — digits, separators, letters, case numbers, dates."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jingban import logs
from jingban.logs import redact


def _reference(text: str) -> str:
    """`redact` with every pass run on every line."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = text.replace("\x00", "\\x00")
    text = logs._CASE_NUMBER.sub(keep, text)
    text = logs._DATE_TIME.sub(keep, text)
    text = logs._DOCUMENT.sub(lambda m: "*" * (len(m.group(0)) - 4) + m.group(0)[-4:], text)
    text = logs._DIGIT_RUN.sub(logs._mask_run, text)
    text = logs._QUERY_CODE.sub(logs._mask_code, text)
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


_PIECES = st.one_of(
    st.text(alphabet="0123456789", min_size=1, max_size=20),
    st.sampled_from([" ", "-", "\u3000", ":", ".", "X", "x", "/", "=", "\x00"]),
    st.text(alphabet="ABCEHKMNPRSTWXYZabcdefgh", min_size=1, max_size=6),
    st.sampled_from(["SC-20261123-00042-8", "2026-12-02", "2026-12-02 09:30", "E12345678"]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_the_skipped_pass_changes_nothing(text: str) -> None:
    assert redact(text) == _reference(text)


def test_a_request_line_is_left_whole_and_a_number_in_it_is_masked() -> None:
    line = (
        '127.0.0.1:50312 - "POST /api/cases/SC-20261123-00042-8/actions/accept HTTP/1.1" '
        "200 3.2ms at 2026-12-03 16:45"
    )
    assert redact(line) == line
    assert redact(line + " tel 138 1234 5678") == line + " tel *******5678"


def test_a_nul_in_the_text_is_shown_escaped_and_confuses_nothing() -> None:
    line = "GET /x\x001\x00 SC-20261123-00042-8 \x000\x00"
    assert redact(line) == "GET /x\\x001\\x00 SC-20261123-00042-8 \\x000\\x00"


def test_a_drawn_request_id_is_never_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = iter(["a1234567890bcdef", "0123456789abcdef", "c84698169211c205", "9f3a0c1d2e4b5a6c"])
    monkeypatch.setattr(logs.secrets, "token_hex", lambda n: next(drawn))
    assert logs.new_request_id() == "9f3a0c1d2e4b5a6c"  # the first three hold 10+ digits
