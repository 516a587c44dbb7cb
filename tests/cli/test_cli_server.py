"""`jingban user add|list|disable|enable`, `jingban demo` and `jingban serve` as an
administrator runs them: the installed command in a subprocess with JINGBAN_DATABASE_URL
naming a SQLite file in a temporary directory; one `错误: …` line and an exit code for user
errors (2 bad input, 3 conflict), never a traceback.

Each subprocess costs a couple of seconds of start-up (and `demo` hashes 21 passwords with
argon2), so the main paths run as subprocesses and the error matrix calls the console
script's entry point, `jingban.cli.main.main`, in this process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jingban.calendar import region_keys
from jingban.engine.identity import gb11643_check
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.accounts import AccountStore, AuthenticationFailed

JINGBAN = Path(sys.executable).with_name("jingban")
PASSWORD = "counter-pass-7"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


class Cli:
    """The installed `jingban` in one working directory with its own SQLite database."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = f"sqlite:///{root / 'jingban.db'}"
        self.env = {**os.environ, "JINGBAN_DATABASE_URL": self.url, "PYTHONIOENCODING": "utf-8"}
        for name in ("JINGBAN_TEST_PG_URL", "http_proxy", "https_proxy", "HTTP_PROXY"):
            self.env.pop(name, None)

    def command(self) -> list[str]:
        return [str(JINGBAN) if JINGBAN.exists() else shutil.which("jingban") or "jingban"]

    def __call__(self, *args: str, stdin: str | None = None) -> Run:
        """A subprocess in its own session: no controlling terminal, so a password prompt
        reads standard input."""
        done = subprocess.run(
            [*self.command(), *args],
            cwd=self.root,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=180,
            start_new_session=True,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def inproc(self, *args: str) -> Run:
        """The console script's entry point, in this process."""
        from jingban.cli.main import main

        out, err = io.StringIO(), io.StringIO()
        code = 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("JINGBAN_DATABASE_URL", self.url)
            patch.chdir(self.root)
            patch.setattr(sys, "argv", ["jingban", *args])
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    main()
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return Run(code, out.getvalue(), err.getvalue())

    def services(self) -> Services:
        return Services(Database(self.url))


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _one_error_line(run: Run, code: int, words: str) -> None:
    assert run.code == code, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("错误: ") and words in lines[0], lines
    assert "Traceback" not in run.stderr


# -- jingban user -----------------------------------------------------------------------------


def test_user_add_list_disable_enable(cli: Cli) -> None:
    added = cli(
        "user", "add", "clerk_li", "--role", "clerk", "--region", "kashgar",
        "--office", "喀什市医保中心", "--display-name", "李娜", "--password", PASSWORD,
    )  # fmt: skip
    assert added.code == 0, added
    assert added.stdout.strip() == "已添加 clerk_li (clerk) kashgar 喀什市医保中心"
    prompted = cli(
        "user", "add", "super_wang", "--role", "supervisor",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert prompted.code == 0, prompted
    assert "已添加 super_wang (supervisor) 全部地区" in prompted.stdout
    assert PASSWORD not in prompted.stdout + prompted.stderr

    listed = cli.inproc("user", "list", "--json")
    assert listed.code == 0, listed
    assert json.loads(listed.stdout) == [
        {
            "username": "clerk_li",
            "display_name": "李娜",
            "role": "clerk",
            "region": "kashgar",
            "office": "喀什市医保中心",
            "disabled": False,
        },
        {
            "username": "super_wang",
            "display_name": "super_wang",
            "role": "supervisor",
            "region": None,
            "office": None,
            "disabled": False,
        },
    ]

    disabled = cli("user", "disable", "clerk_li")
    assert (disabled.code, disabled.stdout.strip()) == (0, "已停用 clerk_li")
    table = cli.inproc("user", "list")
    assert table.code == 0
    line = next(x for x in table.stdout.splitlines() if x.startswith("clerk_li"))
    assert "(已停用)" in line and "kashgar" in line
    assert "(已停用)" not in next(x for x in table.stdout.splitlines() if "super_wang" in x)

    accounts = AccountStore(Database(cli.url))
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate("clerk_li", PASSWORD, now=now)
    user, _, _ = accounts.authenticate("super_wang", PASSWORD, now=now)  # the prompted one
    assert user.role == "supervisor"
    assert cli.inproc("user", "enable", "clerk_li").code == 0
    assert accounts.authenticate("clerk_li", PASSWORD, now=now)[0].office == "喀什市医保中心"


def test_user_errors_exit_with_one_line(cli: Cli) -> None:
    assert (
        cli.inproc("user", "add", "clerk_li", "--role", "clerk", "--password", PASSWORD).code == 0
    )
    duplicate = cli("user", "add", "clerk_li", "--role", "clerk", "--password", PASSWORD)
    _one_error_line(duplicate, 3, "clerk_li 已存在")
    for args, words in (
        (("user", "add", "x_1", "--role", "janitor", "--password", PASSWORD), "janitor"),
        (("user", "add", "x_2", "--role", "clerk", "--password", "short"), "至少 8 位"),
        (("user", "add", "x_3", "--role", "clerk", "--region", "atlantis", "--password",
          PASSWORD), "atlantis"),
        (("user", "add", "名字", "--role", "clerk", "--password", PASSWORD), "用户名"),
        (("user", "disable", "nobody"), "nobody"),
        (("user", "enable", "nobody"), "nobody"),
    ):  # fmt: skip
        _one_error_line(cli.inproc(*args), 2, words)
    names = [u["username"] for u in json.loads(cli.inproc("user", "list", "--json").stdout)]
    assert names == ["clerk_li"]


# -- jingban demo -----------------------------------------------------------------------------


def test_demo_fills_an_empty_database_and_then_refuses(cli: Cli) -> None:
    first = cli("demo")
    assert first.code == 0, first
    assert first.stdout.startswith("已装入演示数据: ")
    assert "21 个账号" in first.stdout and "jingban-demo" in first.stdout

    services = cli.services()
    cases = services.cases.list(limit=1000)
    assert len(cases) >= 50
    assert {c.region for c in cases} == set(region_keys())
    states = Counter(c.state for c in cases)
    assert {"submitted", "accepted", "reviewed", "completed"} <= set(states)
    assert any(c.payment is not None for c in cases)
    for case in cases:
        assert case.office and case.office.endswith("医疗保障事业服务中心")
    accounts = AccountStore(services.db)
    users = accounts.users()
    assert len(users) == 21
    assert Counter(u.role for u in users) == {
        "clerk": 5, "reviewer": 5, "payer": 5, "supervisor": 5, "admin": 1,
    }  # fmt: skip
    user, _, _ = accounts.authenticate("kashgar_clerk", "jingban-demo", now=dt.datetime.now(dt.UTC))
    assert user.region == "kashgar"
    with services.db.engine.connect() as conn:
        alerts = conn.exec_driver_sql("SELECT count(*) FROM alerts").scalar_one()
    assert alerts > 0  # some cases are past their limits, and the scan saw them
    assert services.cases.verify()[1] == []

    again = cli.inproc("demo")
    _one_error_line(again, 3, "已有办件")
    assert again.stdout == ""
    quiet = cli.inproc("demo", "--if-empty")
    assert (quiet.code, quiet.stdout.strip()) == (0, "数据库已有办件，跳过演示数据")
    assert services.cases.count() == len(cases)


def test_demo_refuses_a_database_holding_real_cases(cli: Cli) -> None:
    services = cli.services()
    body = "65310119880214302"
    services.cases.open(
        now=dt.datetime.now(dt.UTC),
        region="kashgar",
        item="inpatient_reimbursement",
        applicant_name="古丽娜尔",
        applicant_id=body + gb11643_check(body),
        actor="clerk_li",
        role="clerk",
    )
    refused = cli.inproc("demo")
    _one_error_line(refused, 3, "演示数据只能装入空数据库")
    assert services.cases.count() == 1
    assert AccountStore(services.db).count() == 0  # not one demo account added


def test_demo_includes_cases_waiting_for_a_supplement(tmp_path: Path) -> None:
    from jingban.demo import fill

    services = Services(Database(f"sqlite:///{tmp_path / 'jingban.db'}"))
    with pytest.MonkeyPatch.context() as patch:
        from argon2 import PasswordHasher

        from jingban.storage import accounts

        patch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=64))
        summary = fill(services, now=dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC))
    states = Counter(c.state for c in services.cases.list(limit=1000))
    assert states["supplement_requested"] > 0, states
    assert summary.cases == 14 * len(region_keys())


# -- jingban serve ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _serving(cli: Cli, *args: str, **env: str) -> Iterator[list[str]]:
    """`jingban serve ARGS` with ``env`` added; yields the lines it printed once uvicorn
    said it was ready (the list grows with what it prints later). Stopped by its own process
    handle."""
    proc = subprocess.Popen(
        [*cli.command(), "serve", *args],
        cwd=cli.root,
        env={**cli.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    printed: queue.Queue[str | None] = queue.Queue()
    stream = proc.stdout
    assert stream is not None

    def pump() -> None:
        for line in stream:
            lines.append(line.rstrip())
            printed.put(line)
        printed.put(None)  # the process closed its output

    threading.Thread(target=pump, daemon=True).start()
    try:
        while not any("Application startup complete" in x for x in lines):
            try:
                line = printed.get(timeout=60)
            except queue.Empty:
                raise AssertionError(f"jingban serve not ready: {lines}") from None
            assert line is not None, f"jingban serve exited: {lines}"
        yield lines
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def server(cli: Cli) -> Iterator[tuple[str, list[str]]]:
    """`jingban serve` on a loopback port; yields its base URL and the lines it printed."""
    AccountStore(Database(cli.url)).add_user(
        "clerk_li", role="clerk", password=PASSWORD, now=dt.datetime.now(dt.UTC), region="kashgar"
    )
    port = _free_port()
    with _serving(cli, "--host", "127.0.0.1", "--port", str(port), "--no-scheduler") as lines:
        yield f"http://127.0.0.1:{port}", lines


def test_serve_listens_where_the_settings_say(cli: Cli) -> None:
    port = _free_port()
    with _serving(
        cli,
        "--no-scheduler",
        JINGBAN_SERVE_HOST="127.0.0.1",
        JINGBAN_SERVE_PORT=str(port),
        JINGBAN_PUBLIC_URL="https://jb.example.cn/",
    ) as lines:
        assert (
            "jingban 经办 已启动: https://jb.example.cn/  (API 文档 /docs，进度查询 /progress)"
            in lines
        )
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            assert http.get("/healthz").status_code == 200


def test_serve_refuses_a_bad_port_setting(cli: Cli) -> None:
    cli.env["JINGBAN_SERVE_PORT"] = "http"
    _one_error_line(cli("serve", "--no-scheduler"), 2, "环境变量 JINGBAN_SERVE_PORT 应为整数")


def test_serve_answers_on_loopback(server: tuple[str, list[str]]) -> None:
    base, lines = server
    assert f"jingban 经办 已启动: {base}/  (API 文档 /docs，进度查询 /progress)" in lines
    with httpx.Client(base_url=base, trust_env=False, timeout=30) as http:
        health = http.get("/healthz")
        assert health.status_code == 200 and health.json()["ok"] is True
        page = http.get("/progress")
        assert page.status_code == 200 and "办理进度查询" in page.text
        assert http.get("/api/me").status_code == 401
        token = http.post("/api/auth/token", json={"username": "clerk_li", "password": PASSWORD})
        assert token.status_code == 200, token.text
        me = http.get(
            "/api/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
        assert me.json()["region"] == "kashgar"
        assert http.get("/openapi.json").json()["info"]["title"] == "jingban 经办 API"


def test_serve_refuses_several_workers_on_sqlite(cli: Cli) -> None:
    run = cli.inproc("serve", "--workers", "2")
    _one_error_line(run, 2, "PostgreSQL")


APPLICANT = "65310119880214302" + gb11643_check("65310119880214302")


def test_the_access_log_never_shows_a_query_code(cli: Cli) -> None:
    """A real `jingban serve`: the deprecated GET with the code in its URL answers, and the
    access log line names the path without its query string; the POST keeps the code in
    its body."""
    services = cli.services()
    opened = services.cases.open(
        now=dt.datetime.now(dt.UTC),
        region="kashgar",
        item="inpatient_reimbursement",
        applicant_name="古丽娜尔",
        applicant_id=APPLICANT,
        actor="clerk_li",
        role="clerk",
        all_materials=True,
    )
    services.db.dispose()
    case_no, code = opened.case.case_no, opened.query_code
    port = _free_port()
    with _serving(cli, "--host", "127.0.0.1", "--port", str(port), "--no-scheduler") as lines:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            got = http.get("/api/public/progress", params={"case_no": case_no, "code": code})
            assert got.status_code == 200 and got.headers["Deprecation"]
            posted = http.post("/api/public/progress", json={"case_no": case_no, "code": code})
            assert posted.status_code == 200
            assert http.get("/healthz", params={"probe": "1"}).status_code == 200
        deadline = time.monotonic() + 20
        while not any("/healthz" in x for x in lines) and time.monotonic() < deadline:
            time.sleep(0.05)
        logged = [x for x in lines if "/api/public/progress" in x]
    assert len(logged) == 2, lines
    assert all(code not in x for x in lines), lines
    assert '"GET /api/public/progress?(hidden) HTTP/1.1" 200' in logged[0]
    assert '"POST /api/public/progress HTTP/1.1" 200' in logged[1]
    assert any('"GET /healthz?probe=1 HTTP/1.1" 200' in x for x in lines)  # others unmasked
