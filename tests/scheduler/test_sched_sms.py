"""The applicant is told at every milestone: messages decided with the action, sent by the
delivery worker to a real HTTP SMS gateway on loopback, in the SMS hours only, parked on a
permanent error, never after an opt-out, never with the query code, the name or the ID."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sched_support import APPLICANT_ID, CLERK, REVIEWER, SUPERVISOR, act, at, rows, services_on

from jingban.scheduler.delivery import deliver_due
from jingban.services import Services

PHONE = "13812345678"
PUBLIC = "https://yb.example.cn"
PAYER = ("payer-zhao", "payer")


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Gateway(ThreadingHTTPServer):
    """A loopback SMS gateway: records every request, answers from ``replies`` (then 200)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.received: list[Received] = []
        self.replies: deque[int] = deque()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sms/send"

    def texts(self) -> list[str]:
        return [r.json["text"] for r in self.received]


class _GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def _record(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append(
            Received(self.command, self.path, dict(self.headers.items()), raw)
        )
        status = self.server.replies.popleft() if self.server.replies else 200
        data = b'{"code": 0}' if status == 200 else b'{"code": 40001, "msg": "invalid mobile"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_GET = _record

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    monkeypatch.setenv("JINGBAN_SMS_URL", server.url)
    monkeypatch.setenv("JINGBAN_PUBLIC_URL", PUBLIC)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    with services_on(db_url) as found:
        yield found


def _open(services: Services, when: dt.datetime, **extra: Any) -> tuple[str, str]:
    opened = services.cases.open(
        now=when,
        region="sichuan",
        item="inpatient_reimbursement",
        applicant_name="张三丰",
        applicant_id=APPLICANT_ID,
        actor=CLERK[0],
        role=CLERK[1],
        all_materials=True,
        received_at=when,
        **extra,
    )
    return opened.case.case_no, opened.query_code


def _deliver(services: Services, when: dt.datetime) -> Any:
    return deliver_due(services.deliveries, services.calendar, when)


def test_one_message_per_milestone_and_nothing_that_identifies(
    services: Services, gateway: Gateway
) -> None:
    t = at("2026-12-02 10:00")  # a Wednesday
    case_no, code = _open(services, t, phone="+86 138-1234-5678")
    steps: list[tuple[str, tuple[str, str], dict[str, Any]]] = [
        ("accept", CLERK, {}),
        ("suspend", REVIEWER, {"days": 5, "reason": "现场核查"}),
        ("resume", REVIEWER, {}),
        ("extend", SUPERVISOR, {"days": 10, "reason": "需补充调查"}),
        ("approve", REVIEWER, {}),
        ("pay", PAYER, {"amount": "1234.50", "account": "6222020200112233", "voucher": "V1"}),
        ("complete", PAYER, {}),
    ]
    for action, who, params in steps:
        act(services, case_no, action, who, t, **params)
        _deliver(services, t)
    texts = gateway.texts()
    assert len(texts) == 6  # 受理 中止 恢复 延期 拨付 办结 (审核通过 says nothing)
    assert ["受理" in texts[0], "中止" in texts[1], "恢复" in texts[2]] == [True] * 3
    assert "延期10个工作日" in texts[3] and "已拨付" in texts[4] and "办结" in texts[5]
    for request in gateway.received:
        body = request.json
        assert body["phone"] == PHONE
        assert body["id"] == request.headers["Idempotency-Key"]
        text = body["text"]
        assert case_no in text and f"{PUBLIC}/progress?case_no={case_no}" in text
        assert code not in request.body.decode()
        assert APPLICANT_ID not in request.body.decode() and "张三丰" not in text
    shown = services.applicant_messages.messages(case_no)
    assert [m["kind"] for m in shown] == [
        "accept",
        "suspend",
        "resume",
        "extend",
        "pay",
        "complete",
    ]
    assert {m["status"] for m in shown} == {"sent"}


def test_supplement_and_denial_are_told(services: Services, gateway: Gateway) -> None:
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t, phone=PHONE)
    act(services, case_no, "request_supplement", CLERK, t, missing=["出院记录"])
    act(services, case_no, "supplement", CLERK, t, materials=["出院记录"])
    act(services, case_no, "accept", CLERK, t)
    act(services, case_no, "deny", REVIEWER, t, reason="不符合报销范围")
    assert _deliver(services, t).sent == 4
    texts = gateway.texts()
    assert "需补正1项材料" in texts[0] and "补正材料" in texts[1]
    assert "审核未通过" in texts[3]


def test_none_after_opt_out_and_a_queued_one_is_withdrawn(
    services: Services, gateway: Gateway
) -> None:
    evening = at("2026-12-02 20:30")  # after the SMS hours (08:00-20:00)
    case_no, _ = _open(services, at("2026-12-02 10:00"), phone=PHONE)
    act(services, case_no, "accept", CLERK, evening)
    assert _deliver(services, evening).waiting == 1
    act(services, case_no, "sms_optout", CLERK, at("2026-12-02 20:40"), reason="申请人要求")
    act(services, case_no, "suspend", REVIEWER, at("2026-12-02 20:45"), days=3, reason="公示")
    report = _deliver(services, at("2026-12-03 08:00"))
    assert report.cancelled == 1 and report.sent == 0
    assert gateway.received == []
    statuses = [(m["kind"], m["status"]) for m in services.applicant_messages.messages(case_no)]
    assert statuses == [("accept", "opted_out"), ("suspend", "opted_out")]
    # Registered opted out: nothing is queued at all.
    other, _ = _open(services, at("2026-12-03 09:00"), phone=PHONE, sms_optout=True)
    act(services, other, "accept", CLERK, at("2026-12-03 09:00"))
    assert _deliver(services, at("2026-12-03 09:00")).sent == 0
    assert gateway.received == []


def test_opt_in_again_sends_the_next_milestone(services: Services, gateway: Gateway) -> None:
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t, phone=PHONE, sms_optout=True)
    act(services, case_no, "sms_optin", CLERK, t)
    act(services, case_no, "accept", CLERK, t)
    assert _deliver(services, t).sent == 1


def test_quiet_hours_defer_to_the_next_morning(
    services: Services, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SMS_HOURS", "09:00-18:00")
    late = at("2027-02-05 18:30")  # the Friday before 春节 2027, after the hours
    case_no, _ = _open(services, at("2027-02-05 10:00"), phone=PHONE)
    act(services, case_no, "accept", CLERK, late)
    assert _deliver(services, late).waiting == 1
    assert _deliver(services, at("2027-02-06 08:59")).sent == 0
    assert gateway.received == []
    # Messages go out on any day in the hours (a Saturday in the holiday too).
    assert _deliver(services, at("2027-02-06 09:00")).sent == 1
    assert len(gateway.received) == 1


def test_a_permanent_error_parks_failed_and_a_busy_gateway_is_retried(
    services: Services, gateway: Gateway
) -> None:
    t = at("2026-12-02 10:00")
    refused, _ = _open(services, t, phone=PHONE)
    act(services, refused, "accept", CLERK, t)
    gateway.replies.append(400)
    assert _deliver(services, t).parked == 1
    [message] = services.applicant_messages.messages(refused)
    assert message["status"] == "failed" and "HTTP 400" in message["note"]
    busy, _ = _open(services, t, phone="13900001111")
    act(services, busy, "accept", CLERK, t)
    gateway.replies.append(503)
    assert _deliver(services, t).failed == 1
    assert _deliver(services, t + dt.timedelta(seconds=30)).sent == 0  # backoff: 1 minute
    assert _deliver(services, t + dt.timedelta(minutes=1)).sent == 1
    [message] = services.applicant_messages.messages(busy)
    assert message["status"] == "sent"
    assert len(gateway.received) == 3


def test_signed_form_body(
    services: Services, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SMS_SECRET", "s3cret")
    monkeypatch.setenv("JINGBAN_SMS_CONTENT_TYPE", "application/x-www-form-urlencoded")
    monkeypatch.setenv("JINGBAN_SMS_BODY", "mobile=${phone}&content=${text}&case=${case_no}")
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t, phone=PHONE)
    act(services, case_no, "accept", CLERK, t)
    assert _deliver(services, t).sent == 1
    [request] = gateway.received
    form = urllib.parse.parse_qs(request.body.decode())
    assert form["mobile"] == [PHONE] and form["case"] == [case_no]
    assert "已于12月2日受理" in form["content"][0]
    stamp = request.headers["X-Jingban-Timestamp"]
    expected = hmac.new(b"s3cret", f"{stamp}\n".encode() + request.body, hashlib.sha256)
    assert request.headers["X-Jingban-Signature"] == expected.hexdigest()


def test_without_a_gateway_messages_are_recorded_not_sent(services: Services) -> None:
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t, phone=PHONE)
    act(services, case_no, "accept", CLERK, t)
    assert _deliver(services, t).sent == 0
    [message] = services.applicant_messages.messages(case_no)
    assert (message["status"], message["note"]) == ("not_sent", "未配置短信网关")
    assert rows(services, "SELECT count(*) AS n FROM alert_deliveries")[0]["n"] == 0


def test_the_number_is_encrypted_and_masked(services: Services) -> None:
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t, phone=PHONE)
    assert services.cases.get(case_no).phone == "138****5678"
    [stored] = rows(services, "SELECT cipher FROM applicant_phones")
    assert PHONE not in stored["cipher"] and stored["cipher"].startswith("v1:")
    [case_row] = rows(services, "SELECT data FROM cases")
    assert PHONE not in case_row["data"] and "138****5678" in case_row["data"]
    assert services.applicant_messages.recipient(case_no) == (PHONE, False)


def test_a_case_without_a_number_gets_no_messages(services: Services, gateway: Gateway) -> None:
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t)
    act(services, case_no, "accept", CLERK, t)
    assert services.applicant_messages.messages(case_no) == []
    assert _deliver(services, t).sent == 0


def test_a_get_gateway_and_a_parked_message_retried_by_hand(
    services: Services, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JINGBAN_SMS_METHOD", "GET")
    monkeypatch.setenv("JINGBAN_SMS_BODY", "to=${phone}&msg=${text}")
    t = at("2026-12-02 10:00")
    case_no, _ = _open(services, t, phone=PHONE)
    act(services, case_no, "accept", CLERK, t)
    gateway.replies.append(403)  # the gateway's key was wrong
    assert _deliver(services, t).parked == 1
    assert services.deliveries.retry_failed(now=t + dt.timedelta(minutes=5)) == 1
    assert _deliver(services, t + dt.timedelta(minutes=5)).sent == 1
    first, second = gateway.received
    assert first.method == second.method == "GET" and first.body == b""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(second.path).query)
    assert query["to"] == [PHONE] and case_no in query["msg"][0]
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]
    [message] = services.applicant_messages.messages(case_no)
    assert message["status"] == "sent" and message["sent_at"] is not None


def test_the_sms_hours_boundaries() -> None:
    from jingban.scheduler.sms import next_sms_time

    hours = "08:00-20:00"
    assert next_sms_time(at("2026-12-06 07:59"), hours) == at("2026-12-06 08:00")
    assert next_sms_time(at("2026-12-06 08:00"), hours) is None
    assert next_sms_time(at("2026-12-06 19:59"), hours) is None
    assert next_sms_time(at("2026-12-06 20:00"), hours) == at("2026-12-07 08:00")
    # 2026-12-31 23:30 Beijing is 15:30 UTC: the next start is in the next year, Beijing day.
    assert next_sms_time(at("2026-12-31 23:30"), hours) == at("2027-01-01 08:00")
