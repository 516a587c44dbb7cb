"""What the console's browser tests share: a clock tests can move, the real application served
by uvicorn in a thread on a free loopback port over a temporary SQLite file, a small office of
staff with cases at every stage, and the real Chromium driven by Playwright.

Chromium is Debian's (/usr/bin/chromium). Without it the tests skip with a message, except
when $JINGBAN_REQUIRE_BROWSER is set (as .ci/run does), where they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail under $JINGBAN_REQUIRE_BROWSER
    expect: Any = None

from jingban.calendar import BEIJING
from jingban.engine import ActionParams
from jingban.engine.identity import gb11643_check
from jingban.server import create_app
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.accounts import AccountStore
from jingban.storage.scan import scan
from jingban.workflows.channels import case_channels

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
PASSWORD = "console-test-pw"
REGION = "shawan"
OFFICE = "沙湾市医疗保障事业服务中心"
OTHER_OFFICE = "喀什地区医疗保障事业服务中心"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
# Monday 23 November 2026, 10:30 Beijing time: a working day of a published year.
START = dt.datetime(2026, 11, 23, 10, 30, tzinfo=BEIJING)
STAFF = {
    "shawan_clerk": ("clerk", "李娜"),
    "shawan_clerk2": ("clerk", "阿依古丽"),
    "shawan_reviewer": ("reviewer", "张伟"),
    "shawan_reviewer2": ("reviewer", "马建军"),
    "shawan_payer": ("payer", "王芳"),
    "shawan_supervisor": ("supervisor", "刘科长"),
}


def identity(serial: int, born: str = "19800101") -> str:
    """A valid resident identity number of a 沙湾 applicant."""
    body = f"654223{born}{serial % 1000:03d}"
    return body + gb11643_check(body)


class Clock:
    """Now, as the application sees it; tests move it forward (time travel)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start.astimezone(dt.UTC)
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.now += dt.timedelta(**delta)

    def set(self, at: dt.datetime) -> None:
        with self._lock:
            self.now = at.astimezone(dt.UTC)


@dataclass
class Server:
    """The running application and the handles tests need to look behind it."""

    base: str
    services: Services
    clock: Clock
    cases: dict[str, str] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path


def browser_problem() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found: apt-get install chromium (Debian's package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


def require_browser() -> None:
    """Skip (or fail under $JINGBAN_REQUIRE_BROWSER) when Chromium or Playwright is missing."""
    problem = browser_problem()
    if problem:
        if os.environ.get("JINGBAN_REQUIRE_BROWSER"):
            pytest.fail(problem)
        pytest.skip(problem)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(services: Services, now: dt.datetime) -> dict[str, str]:
    """Staff of one 沙湾 office (and one 喀什 clerk and an administrator), and cases at
    several stages and ages. Returns case numbers by role in the tests."""
    accounts = AccountStore(services.db)
    for name, (role, display) in STAFF.items():
        accounts.add_user(
            name,
            role=role,
            password=PASSWORD,
            now=now,
            region=REGION,
            office=OFFICE,
            display_name=display,
        )
    accounts.add_user(
        "kashgar_clerk",
        role="clerk",
        password=PASSWORD,
        now=now,
        region="kashgar",
        office=OTHER_OFFICE,
    )
    accounts.add_user("admin", role="admin", password=PASSWORD, now=now, display_name="管理员")
    services.routes.add_route(
        region=REGION,
        name="科长邮箱",
        kind="email",
        target="kezhang@example.org",
        options={"host": "127.0.0.1", "port": "2525", "sender": "jingban@example.org"},
    )
    cal = services.calendar(REGION)
    today = now.astimezone(BEIJING).date()
    plans = [
        # key, item, working days ago, applicant, steps
        ("red", "outpatient_reimbursement", 32, "赵建国", "accept"),
        ("orange", "inpatient_reimbursement", 22, "古丽娜", "accept"),
        ("yellow", "assistance_reimbursement", 23, "买买提", "accept"),
        ("review", "chronic_disease_recognition", 5, "吴静", "accept"),
        ("fresh", "maternity_allowance", 3, "周秀英", ""),
        ("waiting", "personal_account_withdrawal", 2, "马晓东", "supplement"),
        ("today", "prenatal_exam_payment", 0, "林海燕", ""),
        ("travel", "maternity_medical_payment", 1, "陈玉兰", "accept"),
        ("suspend", "family_planning_payment", 4, "热依汗", "accept"),
    ]
    numbers = {}
    for serial, (key, item, ago, name, steps) in enumerate(plans, start=1):
        day = cal.add_working_days(today, -ago) if ago else today
        received = min(dt.datetime.combine(day, dt.time(10, 15), BEIJING), now)
        found = services.catalog.item(REGION, item)
        required = [m.name for m in found.required_materials()]
        opened = services.cases.open(
            now=now,
            region=REGION,
            item=item,
            applicant_name=name,
            applicant_id=identity(serial),
            actor="shawan_clerk",
            role="clerk",
            materials=required if steps != "supplement" else required[:1],
            received_at=received,
            office=OFFICE,
            channel=case_channels(found)[0],  # 沙湾's 门诊慢特病认定 is handled online only
        )
        number = opened.case.case_no
        at = received + dt.timedelta(minutes=40)
        if steps == "accept":
            services.cases.act(
                number,
                "accept",
                actor="shawan_clerk",
                role="clerk",
                now=now,
                params=ActionParams(at=at),
            )
        elif steps == "supplement":
            services.cases.act(
                number,
                "request_supplement",
                actor="shawan_clerk",
                role="clerk",
                now=now,
                params=ActionParams(at=at),
            )
        numbers[key] = number
    scan(services.db, services.calendar, now, node="test-seed")
    return numbers


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The application on a fresh SQLite file, served on 127.0.0.1 for this module."""
    require_browser()
    import uvicorn

    path = tmp_path_factory.mktemp("console") / "jingban.db"
    db = Database(f"sqlite:///{path}")
    services = Services(db)
    clock = Clock(START)
    numbers = seed(services, clock())
    app = create_app(services, clock=clock)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, name="console-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", services, clock, numbers)
    finally:
        instance.should_exit = True
        thread.join(10)
        db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    require_browser()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    instance = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield instance
    finally:
        instance.close()
        playwright.stop()


# Every page reports what its Content-Security-Policy refused on the console, where the
# `page` fixture collects it: a test whose pages break the policy fails.
_REPORT_CSP = """document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${where}`);
});"""


def csp_violations(tab: Any) -> list[str]:
    """The policy violations ``tab`` has reported so far (see `page`)."""
    found: list[str] = tab.csp_violations
    return found


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) at 1366×768, Chinese locale; fails the test when
    a page violated its Content-Security-Policy."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    context.add_init_script(_REPORT_CSP)
    tab = context.new_page()
    tab.csp_violations = []
    tab.on(
        "console",
        lambda m: (
            tab.csp_violations.append(m.text) if "Content Security Policy" in m.text
            or m.text.startswith("CSP violation") else None
        ),
    )  # fmt: skip
    try:
        yield tab
    finally:
        context.close()
    assert not tab.csp_violations, tab.csp_violations


def login(page: Any, server: Server, username: str) -> None:
    """Log in through the form, typing as a person would, and wait for the home page."""
    page.goto(server.url("/login"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(r"/(work|calendar)"))


def shot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot artefact (artifacts/console/NAME.png) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
