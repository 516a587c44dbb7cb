"""The whole-run log scan (`tests/run_log.py`, wired in `tests/conftest.py`) can fail: it
finds a full identity number, a mobile number and an account number in a line, leaves
masked ones and case numbers alone, and the run's handler really receives jingban's lines,
masked by the operators' formatter."""

from __future__ import annotations

import json
import logging

from run_log import RUN_LOG, leaks
from support import gb11643

ID = gb11643("11010519491231002")


def test_the_scan_finds_what_must_be_masked() -> None:
    assert leaks(f'{{"msg": "opened for {ID}"}}') != []
    assert leaks('{"msg": "phone 13812345678"}') != []
    assert leaks('{"msg": "paid to 6222020200112233445"}') != []
    masked = '{"msg": "opened SC-20261123-00001-Q for **************002X, 138****5678"}'
    assert leaks(masked) == []
    # 18 digits whose check character is wrong are no identity number, but still an
    # account-long run of digits: caught too
    assert leaks('{"msg": "paid to 123456789012345671"}') != []


def test_the_runs_handler_gets_jingbans_lines_masked() -> None:
    handler = RUN_LOG["handler"]
    assert isinstance(handler, logging.Handler)
    logging.getLogger("jingban.actions").info("case opened for %s, phone %s", ID, "13812345678")
    handler.flush()
    path = RUN_LOG["path"]
    last = path.read_text(encoding="utf-8").splitlines()[-1]  # type: ignore[union-attr]
    assert "case opened for" in json.loads(last)["message"]
    assert leaks(last) == [] and ID not in last
