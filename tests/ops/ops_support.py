"""Helpers of the operations tests: an applicant whose identifiers must never reach a log."""

from __future__ import annotations

from support import at as at
from support import gb11643

APPLICANT_ID = gb11643("51010719750308212")  # 成都市青羊区, born 1975-03-08

OPEN = {
    "applicant_name": "王小红",
    "applicant_id": APPLICANT_ID,
    "actor": "clerk-li",
    "role": "clerk",
}


def make_client(services, *, client: tuple[str, int] = ("127.0.0.1", 50000), now=None):  # type: ignore[no-untyped-def]
    """A TestClient on the application over ``services``, seen as coming from ``client``,
    with the clock frozen at ``now`` (default: 2026-02-14 10:00 Beijing, the 调休 Saturday
    before 春节)."""
    from fastapi.testclient import TestClient

    from jingban.server import create_app

    frozen = now or at("2026-02-14 10:00")
    return TestClient(create_app(services, clock=lambda: frozen), client=client)
