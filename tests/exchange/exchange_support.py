"""What the exchange tests share: code data with a real credit code, cases with their
actions, and a loopback HTTP server that plays the provincial platform — it can be up, down
(503), slow (answers after the client gave up), refuse an event for good, and come back."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import text
from support import gb11643

from jingban.engine import ActionParams
from jingban.engine.credit_code import check_character
from jingban.services import Services
from jingban.storage import Database

UTC = dt.UTC
CLERK = ("clerk-li", "clerk")
REVIEWER = ("reviewer-wang", "reviewer")
SUPERVISOR = ("supervisor-chen", "supervisor")
# 653101: an address code of 喀什市; born 1980-05-17.
APPLICANT_ID = gb11643("65310119800517123")
#: A credit code of a made-up 喀什 body (事业单位 12, 653100), its check character computed.
CREDIT = "12653100MB0001234" + check_character("12653100MB0001234")
SECRET = "platform-issued-secret"


def write_codes(directory: Path, extra: str = "") -> Path:
    """An ``exchange.toml`` in ``directory`` giving 喀什 its credit code (and ``extra``)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "exchange.toml"
    path.write_text(
        f'[regions.kashgar]\ndivision = "653100"\ncredit_code = "{CREDIT}"\n'
        '[regions.kashgar.items.inpatient_reimbursement]\nimplementation = "11653100MB0001234000"\n'
        + extra,
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def services_on(url: str) -> Iterator[Services]:
    services = Services(Database(url))
    try:
        yield services
    finally:
        services.db.dispose()


def rows(services: Services, sql: str, **params: Any) -> list[dict[str, Any]]:
    with services.db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def open_case(
    services: Services,
    received: dt.datetime,
    item: str = "inpatient_reimbursement",
    *,
    all_materials: bool = True,
) -> str:
    opened = services.cases.open(
        now=received,
        region="kashgar",
        item=item,
        applicant_name="买买提·艾力",
        applicant_id=APPLICANT_ID,
        actor=CLERK[0],
        role=CLERK[1],
        all_materials=all_materials,
        received_at=received,
    )
    return opened.case.case_no


def act(
    services: Services, case_no: str, action: str, who: tuple[str, str], now: dt.datetime, **p: Any
) -> Any:
    return services.cases.act(
        case_no, action, actor=who[0], role=who[1], now=now, params=ActionParams(**p)
    )


# --- the platform ------------------------------------------------------------------------


@dataclass
class Received:
    key: str
    case_no: str
    seq: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class PlatformStub:
    """A platform on 127.0.0.1. ``mode``: ``up``; ``down`` (503); ``slow`` (answers after
    ``delay`` seconds, without taking the event); ``refuse`` (200 ``{"accepted": false}``);
    ``bad`` (400). ``accepted`` are the events it took, in arrival order; ``attempts`` every
    request. It checks each signature with ``secret`` and refuses (401) a wrong one."""

    secret: str | None = SECRET
    mode: str = "up"
    delay: float = 1.0
    accepted: list[Received] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, bytes]:
        length = int(handler.headers.get("Content-Length", "0"))
        raw = handler.rfile.read(length)
        headers = {k: v for k, v in handler.headers.items()}
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            self.attempts.append(key)
            mode = self.mode
        if self.secret is not None:
            stamp = headers.get("X-Jingban-Timestamp", "")
            mac = hmac.new(self.secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
            if headers.get("X-Jingban-Signature") != f"sha256={mac.hexdigest()}":
                with self.lock:
                    self.bad_signatures += 1
                return 401, b'{"error": "bad signature"}'
        if mode == "down":
            return 503, b"maintenance"
        if mode == "slow":
            time.sleep(self.delay)
            return 200, b""
        if mode == "bad":
            return 400, "格式不符".encode()
        if mode == "refuse":
            return 200, json.dumps({"accepted": False, "error": "事项编码未登记"}).encode()
        body = json.loads(raw)
        with self.lock:
            if any(r.key == key for r in self.accepted):
                return 200, b'{"duplicate": true}'  # an idempotent platform
            self.accepted.append(Received(key, body["case_no"], body["seq"], body, headers))
        return 200, b'{"accepted": true}'

    def keys(self) -> list[str]:
        with self.lock:
            return [r.key for r in self.accepted]


@contextlib.contextmanager
def platform(**options: Any) -> Iterator[PlatformStub]:
    stub = PlatformStub(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status, body = stub.handle(self)
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
