"""``GET /api/cases/{no}`` names the number the provincial platform joins the case on."""

from __future__ import annotations

import datetime as dt

from exchange_support import CREDIT, open_case, services_on
from fastapi.testclient import TestClient

from jingban.calendar import BEIJING
from jingban.server import create_app

AT = dt.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING).astimezone(dt.UTC)
PASSWORD = "Kashgar-2026-counter"


def test_the_case_detail_carries_its_platform_case_number(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with services_on(f"sqlite:///{tmp_path / 'jingban.db'}") as services:
        no = open_case(services, AT)
        other = services.cases.open(
            now=AT,
            region="sichuan",
            item="inpatient_reimbursement",
            applicant_name="张三",
            applicant_id="11010519491231002X",
            actor="c1",
            role="clerk",
            all_materials=True,
        ).case.case_no
        services.accounts.add_user("ks_admin", role="admin", password=PASSWORD, now=AT)
        with TestClient(create_app(services, clock=lambda: AT)) as client:
            token = client.post(
                "/api/auth/token", json={"username": "ks_admin", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            shown = client.get(f"/api/cases/{no}", headers=headers).json()
            unset = client.get(f"/api/cases/{other}", headers=headers).json()
    assert (shown["case_no"], shown["platform_case_no"]) == (no, f"{CREDIT}-{no}")
    assert unset["platform_case_no"] is None  # 四川: no credit code configured
