"""The HTTP API over a real database (SQLite file, PostgreSQL) with a settable clock.

`make_api` builds `create_app(Services(Database(db_url)), clock=…)` and a `TestClient`, creates
staff accounts on first use through `AccountStore.add_user` and signs them in through
POST /api/auth/token. Passwords are hashed with a cheap argon2 setting here (the production
setting costs a quarter of a second per hash); `test_api_auth` checks the production one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from jingban.calendar import BEIJING
from jingban.engine.identity import gb11643_check
from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database
from jingban.storage import accounts as accounts_module
from jingban.storage.accounts import AccountStore

PASSWORD = "correct-horse-9"
START = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)  # a Monday, a working day

OFFICE_A = "成都市医疗保障事务中心"
OFFICE_B = "锦江区医疗保障服务中心"
OFFICE_K = "喀什地区医疗保障事业服务中心"

# name → (role, region, office)
STAFF: dict[str, tuple[str, str | None, str | None]] = {
    "clerk_a": ("clerk", "sichuan", OFFICE_A),
    "reviewer_a": ("reviewer", "sichuan", OFFICE_A),
    "payer_a": ("payer", "sichuan", OFFICE_A),
    "supervisor_a": ("supervisor", "sichuan", OFFICE_A),
    "clerk_b": ("clerk", "sichuan", OFFICE_B),
    "reviewer_b": ("reviewer", "sichuan", OFFICE_B),
    "supervisor_b": ("supervisor", "sichuan", OFFICE_B),
    "clerk_k": ("clerk", "kashgar", OFFICE_K),
    "reviewer_k": ("reviewer", "kashgar", OFFICE_K),
    "supervisor_k": ("supervisor", "kashgar", OFFICE_K),
    "supervisor_sc": ("supervisor", "sichuan", None),  # every office of the region
    "supervisor_all": ("supervisor", None, None),  # every region
    "admin": ("admin", None, None),
}

# Required materials of sichuan inpatient_reimbursement (a 拨付 item).
INPATIENT_MATERIALS = [
    "医保电子凭证或有效身份证件或社保卡",
    "医院收费票据",
    "住院费用清单",
    "出院记录",
    "参保人银行账户信息",
]
PAYMENT = {"amount": "3456.70", "account": "6217003123456789", "voucher": "PZ-20261125-01"}


def identity_number(n: int = 1, area: str = "510104") -> str:
    """A valid 居民身份证 number (GB 11643 check digit), distinct for each ``n``."""
    body = f"{area}19800101{n % 1000:03d}"
    return body + gb11643_check(body)


class Clock:
    """A clock the tests set and move; the app reads it on every request."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@dataclass
class Api:
    """One application over one database, its client and its clock."""

    db: Database
    services: Services
    client: TestClient
    clock: Clock
    accounts: AccountStore
    tokens: dict[str, str] = field(default_factory=dict)

    def user(self, name: str) -> str:
        """Create the staff account ``name`` (see STAFF) if it does not exist yet."""
        if name not in {u.username for u in self.accounts.users()}:
            role, region, office = STAFF[name]
            self.accounts.add_user(
                name, role=role, password=PASSWORD, now=self.clock(), region=region, office=office
            )
        return name

    def login(self, name: str) -> dict[str, str]:
        """Authorization headers of ``name``, signing in through the API once."""
        if name not in self.tokens:
            self.user(name)
            r = self.client.post("/api/auth/token", json={"username": name, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[name] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def travel(self, **delta: float) -> dt.datetime:
        """Move the clock; tokens older than their 10 hours are signed in again."""
        self.tokens.clear()
        return self.clock.advance(**delta)

    def get(self, who: str | None, path: str, **params: Any) -> Any:
        headers = self.login(who) if who else {}
        return self.client.get(path, params=params or None, headers=headers)

    def post(self, who: str | None, path: str, body: Any) -> Any:
        headers = self.login(who) if who else {}
        return self.client.post(path, json=body, headers=headers)

    def open_case(
        self, who: str = "clerk_a", *, n: int = 1, expect: int = 201, **fields: Any
    ) -> dict[str, Any]:
        """Register a case (by default a complete sichuan inpatient_reimbursement)."""
        body: dict[str, Any] = {
            "region": "sichuan",
            "item": "inpatient_reimbursement",
            "applicant_name": "王秀英",
            "applicant_id": identity_number(n),
            "all_materials": True,
        }
        body.update(fields)
        r = self.post(who, "/api/cases", body)
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    def act(
        self,
        who: str,
        case_no: str,
        action: str,
        expect: int = 200,
        full: bool = False,
        **body: Any,
    ) -> dict[str, Any]:
        """The action's reply; with ``full``, the whole case as GET shows it (``?full=true``)."""
        query = "?full=true" if full else ""
        r = self.post(who, f"/api/cases/{case_no}/actions/{action}{query}", body)
        assert r.status_code == expect, r.text
        return r.json()  # type: ignore[no-any-return]

    def complete_payment_case(self, n: int = 1, who: str = "clerk_a") -> dict[str, Any]:
        """Open a sichuan inpatient case and take it through 受理、审核、拨付、办结."""
        opened = self.open_case(who, n=n)
        case_no = opened["case_no"]
        self.act(who, case_no, "accept")
        self.act("reviewer_a", case_no, "approve", reason="票据齐全，符合报销范围")
        self.act("payer_a", case_no, "pay", **PAYMENT)
        self.act("payer_a", case_no, "complete")
        return opened


def use_cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its cheapest, for the accounts and the stand-in hash that unknown names
    are checked against (the production cost is checked in `test_api_auth`)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    monkeypatch.setattr(accounts_module, "_HASHER", cheap)
    dummy = cheap.hash("jingban-no-such-user")
    if hasattr(accounts_module, "_dummy_hash"):
        monkeypatch.setattr(accounts_module, "_dummy_hash", lambda: dummy)
    else:
        monkeypatch.setattr(accounts_module, "_DUMMY_HASH", dummy)


def make_api(url: str) -> Iterator[Api]:
    """One application on ``url`` with a clock at START; 500s come back as responses."""
    db = Database(url)
    services = Services(db)
    clock = Clock(START.astimezone(dt.UTC))
    app = create_app(services, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(db, services, client, clock, AccountStore(db))
    db.dispose()
