"""The public progress query and the applicant's rating: what an applicant sees, what nobody
may learn, the limits per case number and per client address, and the page at /progress."""

from __future__ import annotations

import datetime as dt
import json
import types
from typing import Any

import pytest
from api_support import INPATIENT_MATERIALS, PAYMENT, Api, identity_number
from fastapi.testclient import TestClient

from jingban.api import public
from jingban.engine.case_number import check_character

PROGRESS = "/api/public/progress"
RATING = "/api/public/rating"


def _number(region_code: str, day: str, seq: int) -> str:
    body = f"{region_code}{day}{seq:05d}"
    return f"{body[:2]}-{body[2:10]}-{body[10:]}-{check_character(body)}"


def _mistyped(case_no: str) -> str:
    """``case_no`` with one digit of the sequence changed: the check character catches it."""
    digit = case_no[-3]
    return case_no[:-3] + ("7" if digit != "7" else "8") + case_no[-2:]


def _query(api: Api, case_no: str, code: str, client: TestClient | None = None) -> Any:
    return (client or api.client).get(PROGRESS, params={"case_no": case_no, "code": code})


def test_the_right_number_and_code_show_progress_without_private_data(api: Api) -> None:
    opened = api.open_case(n=5, applicant_name="欧阳小三")
    case_no, code = opened["case_no"], opened["query_code"]
    api.clock.advance(hours=1)
    api.act("clerk_a", case_no, "accept", reason="内部备注: 材料原件已核验")
    api.clock.advance(days=2)
    api.act("reviewer_a", case_no, "approve", reason="审核意见: 发票金额与清单一致")
    api.clock.advance(days=1)
    api.act("payer_a", case_no, "pay", **PAYMENT, reason="财务备注: 当日拨付")

    r = _query(api, case_no, code)
    assert r.status_code == 200
    body = r.json()
    assert body["case_no"] == case_no
    assert body["item_name"] == "住院费用报销"
    assert body["applicant_name"] == "欧**三"
    assert body["chain"] == ["申请", "受理", "审核", "拨付", "办结"]
    assert body["steps"] == [
        {"stage": "申请", "date": "2026-11-23"},
        {"stage": "受理", "date": "2026-11-23"},
        {"stage": "审核", "date": "2026-11-25"},
        {"stage": "拨付", "date": "2026-11-26"},
    ]
    assert body["current_stage"] == "办结中"  # paid: the stage now in progress is 办结
    assert body["last_step"] == "拨付"
    assert body["state"] == "paid"
    assert body["received_date"] == "2026-11-23"
    case = api.services.cases.get(case_no)
    assert case.promised_due is not None
    assert (
        body["promised_date"]
        == case.promised_due.astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    )
    # Accepted, not yet completed: the applicant may rate 受理 (办结 once it is completed).
    assert body["rating"] is None and body["rate_stage"] == "accept"

    text = r.text
    staff = ["clerk_a", "reviewer_a", "payer_a"]
    secrets = [
        identity_number(5),
        identity_number(5)[-4:],  # not even the masked form
        "欧阳小三",
        code,
        "内部备注",
        "审核意见",
        "财务备注",
        "3456.70",
        "345670",
        PAYMENT["account"][-4:],
        PAYMENT["voucher"],
        *staff,
        *INPATIENT_MATERIALS,
    ]
    for secret in secrets:
        assert secret not in text, secret
    flat = json.dumps(body, ensure_ascii=False)
    for key in (
        "applicant_id",
        "payment",
        "amount",
        "account",
        "actor",
        "reason",
        "office",
        "history",
        "version",
        "query",
    ):
        assert f'"{key}' not in flat, key


def test_wrong_code_unknown_number_and_malformed_number_answer_the_same(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    wrong_code = "23456789ABCD" if code != "23456789ABCD" else "DCBA98765432"
    answers = {
        "wrong code": _query(api, case_no, wrong_code),
        "empty code": _query(api, case_no, ""),
        "next number": _query(api, _number("SC", "20261123", 2), code),
        "other region": _query(api, _number("KS", "20261123", 1), code),
        "other day": _query(api, _number("SC", "20261122", 1), code),
        "garbage": _query(api, "hello", code),
        "too short": _query(api, "SC-20261123-0001", code),
        "no such region": _query(api, _number("ZZ", "20261123", 1), code),
        "no such date": _query(api, _number("SC", "20261340", 1), code),
        "empty number": _query(api, "", code),
    }
    first = answers["wrong code"]
    assert first.status_code == 404
    assert first.json()["error"]["code"] == "not_found"
    for name, r in answers.items():
        assert (r.status_code, r.text) == (first.status_code, first.text), name
    # The real case, with its real code, is still there.
    assert _query(api, case_no, code).status_code == 200


def test_the_number_is_accepted_as_typed_and_the_code_without_hyphens_or_case(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    typed = [
        (case_no.replace("-", "").lower(), code.lower()),
        (case_no, f"{code[:4]}-{code[4:8]}-{code[8:]}"),
        (f" {case_no} ", f" {code} "),
    ]
    for number, typed_code in typed:
        assert _query(api, number, typed_code).status_code == 200, (number, typed_code)


def test_a_check_character_typo_is_told_before_any_lookup(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    for number in (_mistyped(case_no), case_no[:-1] + ("A" if case_no[-1] != "A" else "B")):
        r = _query(api, number, code)
        assert r.status_code == 400
        assert r.json()["error"]["code"] == "bad_input"
        assert "校验位" in r.json()["error"]["message"]
    # A typo is no failed guess: five of them lock nothing.
    for _ in range(5):
        _query(api, _mistyped(case_no), "23456789ABCD")
    assert _query(api, case_no, code).status_code == 200


def test_five_failures_on_a_number_lock_that_address_out_of_it(api: Api) -> None:
    """Even with the right code from that address; another address is not locked
    (`test_api_public_query`)."""
    opened = api.open_case()
    other = api.open_case(n=2)
    case_no, code = opened["case_no"], opened["query_code"]
    for _ in range(5):
        assert _query(api, case_no, "23456789ABCD").status_code == 404
    elsewhere = TestClient(api.client.app, client=("203.0.113.50", 4000))
    assert _query(api, case_no, code, client=elsewhere).status_code == 200
    locked = _query(api, case_no, code)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "rate_limited"
    assert locked.headers["Retry-After"] == str(15 * 60 + 1)
    assert "access" not in locked.text and "item_name" not in locked.text
    # Other numbers answer as before.
    assert _query(api, other["case_no"], other["query_code"]).status_code == 200
    api.clock.advance(minutes=15)
    assert _query(api, case_no, code).status_code == 200


def test_an_unknown_number_locks_like_a_real_one(api: Api) -> None:
    real = api.open_case()["case_no"]
    absent = _number("SC", "20261123", 2)
    answers = []
    for number in (real, absent):
        for _ in range(5):
            _query(api, number, "23456789ABCD")
        answers.append(_query(api, number, "23456789ABCD"))
    assert [r.status_code for r in answers] == [429, 429]
    assert answers[0].text == answers[1].text
    assert answers[0].headers["Retry-After"] == answers[1].headers["Retry-After"]


def test_one_client_address_is_limited_to_30_queries_a_minute(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    ticks = [1000.0]
    monkeypatch.setattr(public, "time", types.SimpleNamespace(monotonic=lambda: ticks[0]))
    other = TestClient(api.client.app, client=("203.0.113.9", 4000))
    statuses = [_query(api, case_no, code).status_code for _ in range(30)]
    assert statuses == [200] * 30
    limited = _query(api, case_no, code)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    rating = api.client.post(RATING, json={"case_no": case_no, "code": code, "rating": 5})
    assert rating.status_code == 429
    assert _query(api, case_no, code, client=other).status_code == 200  # another address
    ticks[0] += 60.0
    assert _query(api, case_no, code).status_code == 200
    # The limit is per address, not per number: an address trying many numbers is stopped.
    # (Its query a minute ago has left the window.)
    for seq in range(2, 32):
        _query(api, _number("SC", "20261123", seq), "23456789ABCD", client=other)
    assert _query(api, case_no, code, client=other).status_code == 429


def test_rating_only_after_completion_and_only_once(api: Api) -> None:
    opened = api.open_case()
    case_no, code = opened["case_no"], opened["query_code"]
    early = api.client.post(RATING, json={"case_no": case_no, "code": code, "rating": 5})
    assert early.status_code == 409
    assert "办结" in early.json()["error"]["message"]

    api.act("clerk_a", case_no, "accept")
    api.act("reviewer_a", case_no, "approve")
    api.act("payer_a", case_no, "pay", **PAYMENT)
    api.act("payer_a", case_no, "complete")
    shown = _query(api, case_no, code).json()
    assert shown["state"] == "completed" and shown["outcome"] == "已办结"
    assert shown["promised_date"] is None and shown["completed_date"] == "2026-11-23"
    assert shown["can_rate"] is True

    wrong = api.client.post(RATING, json={"case_no": case_no, "code": "23456789ABCD", "rating": 1})
    unknown = api.client.post(
        RATING, json={"case_no": _number("SC", "20261123", 9), "code": code, "rating": 1}
    )
    assert (wrong.status_code, wrong.text) == (unknown.status_code, unknown.text)
    assert wrong.status_code == 404

    first = api.client.post(
        RATING, json={"case_no": case_no, "code": code, "rating": 4, "comment": " 窗口很耐心 "}
    )
    assert first.status_code == 201
    assert first.json() == {"case_no": case_no, "stage": "complete", "rating": 4, "label": "满意"}
    again = api.client.post(RATING, json={"case_no": case_no, "code": code, "rating": 1})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    shown = _query(api, case_no, code).json()
    assert shown["rating"] == {"rating": 4, "label": "满意", "stage_label": "办结"}
    # 受理 may still be rated, once; then nothing is left to rate.
    assert (shown["can_rate"], shown["rate_stage"], shown["rate_stage_label"]) == (
        True,
        "accept",
        "受理",
    )
    accepted = api.client.post(
        RATING, json={"case_no": case_no, "code": code, "rating": 5, "stage": "accept"}
    )
    assert accepted.status_code == 201, accepted.text
    shown = _query(api, case_no, code).json()
    assert shown["can_rate"] is False and set(shown["ratings"]) == {"accept", "complete"}
    with api.db.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT stage, rating, comment, staff FROM ratings ORDER BY stage"
        ).all()
    assert [tuple(row) for row in stored] == [
        ("accept", 5, None, "clerk_a"),
        ("complete", 4, "窗口很耐心", "payer_a"),
    ]


def test_rating_labels_and_validation(api: Api) -> None:
    labels = {}
    for rating in range(1, 6):
        opened = api.complete_payment_case(n=rating)
        r = api.client.post(
            RATING,
            json={"case_no": opened["case_no"], "code": opened["query_code"], "rating": rating},
        )
        assert r.status_code == 201, r.text
        labels[rating] = r.json()["label"]
    assert labels == {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
    for body, field in (
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "good"}, "rating"),
        ({"rating": 5, "comment": "好" * 501}, "comment"),
        ({"rating": 5, "staff": "clerk_a"}, "staff"),
    ):
        r = api.client.post(RATING, json={"case_no": "SC-20261123-00001-Q", "code": "X", **body})
        assert r.status_code == 422, body
        assert r.json()["error"]["field"] == field


def test_public_validation_names_the_missing_parameter(api: Api) -> None:
    for params, field in (({"code": "X"}, "case_no"), ({"case_no": "SC"}, "code")):
        r = api.client.get(PROGRESS, params=params)
        assert r.status_code == 422
        assert r.json()["error"]["field"] == field
    r = api.client.get(PROGRESS, params={"case_no": "S" * 41, "code": "X"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "case_no"


def test_the_progress_page_is_a_chinese_phone_page_without_login(api: Api) -> None:
    r = api.client.get("/progress")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="zh-CN">' in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<meta charset="utf-8">' in page
    for words in ("办理进度查询", "办件编号", "查询码", "好差评", "非常满意", "非常不满意"):
        assert words in page, words
    assert "/api/public/progress" in page and "/api/public/rating" in page
    assert "Authorization" not in page
    assert "/progress" not in api.client.get("/openapi.json").json()["paths"]


def test_an_address_guessing_numbers_is_stopped_by_every_process(api: Api) -> None:
    """Failed queries count per client address in the database: an address spreading its
    guesses over many numbers and over two server processes is stopped after 20, by both,
    while other addresses and the applicant's own query still answer."""
    from jingban.server import create_app
    from jingban.services import Services
    from jingban.storage import Database

    opened = api.open_case()
    second_db = Database(api.db.url)
    second_app = create_app(Services(second_db), clock=api.clock)
    guesser = ("198.51.100.7", 5000)
    here = TestClient(api.client.app, client=guesser)
    there = TestClient(second_app, client=guesser)
    try:
        for seq in range(2, 22):  # 20 failures, 10 on each process, 20 different numbers
            process = here if seq % 2 else there
            number = _number("SC", "20261123", seq) if seq % 5 else "SC-BOGUS"
            assert _query(api, number, "23456789ABCD", client=process).status_code == 404
        for process in (here, there):
            stopped = _query(api, opened["case_no"], opened["query_code"], client=process)
            assert stopped.status_code == 429
            assert stopped.json()["error"]["code"] == "rate_limited"
        assert _query(api, opened["case_no"], opened["query_code"]).status_code == 200
        api.clock.advance(minutes=15)
        assert _query(api, opened["case_no"], opened["query_code"], client=here).status_code == 200
    finally:
        second_db.dispose()
