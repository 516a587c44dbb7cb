"""Real servers on the loopback interface for the alert channels: an SMTP server (aiosmtpd)
and an HTTP server that plays a group robot. Ports are picked by the kernel; nothing listens
beyond 127.0.0.1.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import urllib.parse
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

LOOPBACK = "127.0.0.1"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours proxy variables; requests to our loopback robot must go direct."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class SmtpServer:
    """The handler and the address of a running loopback SMTP server.

    Set ``rcpt_reply`` or ``data_reply`` to a reply line ("554 …", "451 …") to refuse.
    """

    host: str = LOOPBACK
    port: int = 0
    received: list[Received] = field(default_factory=list)
    rcpt_reply: str | None = None
    data_reply: str | None = None
    credentials: tuple[str, str] | None = None  # (user, password) the server requires

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        raw = cast(bytes, envelope.content)
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        self.received.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                raw,
                cast(EmailMessage, parsed),
            )
        )
        return "250 Message accepted for delivery"


class _LoopbackController(Controller):
    """aiosmtpd's Controller bound to port 0; reads back the port the kernel chose before
    making its readiness connection."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _serve_smtp(handler: SmtpServer, **smtp_parameters: Any) -> Iterator[SmtpServer]:
    controller = _LoopbackController(handler, hostname=LOOPBACK, port=0, **smtp_parameters)
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server without TLS or AUTH that keeps what it accepts."""
    yield from _serve_smtp(SmtpServer())


@pytest.fixture
def smtp_auth_server() -> Iterator[SmtpServer]:
    """An SMTP server that requires AUTH with ``credentials`` (allowed without TLS, as it
    listens on loopback only)."""
    handler = SmtpServer(credentials=("jingban", "s3cret-Pa55"))

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            )
            == handler.credentials
        )
        return AuthResult(success=ok, handled=False)

    yield from _serve_smtp(
        handler, authenticator=authenticate, auth_required=True, auth_require_tls=False
    )


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it), not
    listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        yield sock.getsockname()[1]


# --- HTTP group robot -------------------------------------------------------------------

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: dict[str, Any] | str = field(default_factory=lambda: dict(OK))
    delay: float = 0.0  # seconds to hold the answer back


@dataclass(frozen=True)
class Posted:
    path: str
    query: str
    headers: dict[str, str]
    body: Any


class RobotServer(ThreadingHTTPServer):
    """Records every POST and answers from ``replies`` (then {"errcode":0,"errmsg":"ok"})."""

    def __init__(self) -> None:
        super().__init__((LOOPBACK, 0), _RobotHandler)
        self.posts: list[Posted] = []
        self.replies: deque[Reply] = deque()
        self.release = threading.Event()

    def url(self, path: str = "/cgi-bin/webhook/send?key=test-key") -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}{path}"

    def answer(
        self, status: int = 200, body: dict[str, Any] | str | None = None, delay: float = 0.0
    ) -> None:
        """Queue the answer to the next POST (default body {"errcode":0,"errmsg":"ok"})."""
        self.replies.append(Reply(status, dict(OK) if body is None else body, delay))


class _RobotHandler(BaseHTTPRequestHandler):
    server: RobotServer

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        split = urllib.parse.urlsplit(self.path)
        self.server.posts.append(
            Posted(split.path, split.query, dict(self.headers.items()), json.loads(raw))
        )
        reply = self.server.replies.popleft() if self.server.replies else Reply()
        if reply.delay:
            self.server.release.wait(reply.delay)
        body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
        data = body.encode("utf-8")
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up waiting (timeout tests)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def robot() -> Iterator[RobotServer]:
    """A loopback HTTP server playing a 企业微信/钉钉 group robot."""
    server = RobotServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
