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
from jingban.errors import PasswordChangeRequired
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
    assert added.stdout.splitlines() == [
        "已添加 clerk_li (窗口受理人员) kashgar 喀什市医保中心",
        "首次登录须修改初始密码",  # an account a person adds must change its password
    ]
    prompted = cli(
        "user", "add", "super_wang", "--role", "supervisor",
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )  # fmt: skip
    assert prompted.code == 0, prompted
    assert "已添加 super_wang (科长/主管) 全部地区" in prompted.stdout
    assert "再次输入初始密码" in prompted.stdout and "Repeat" not in prompted.stdout
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
            "must_change_password": True,
        },
        {
            "username": "super_wang",
            "display_name": "super_wang",
            "role": "supervisor",
            "region": None,
            "office": None,
            "disabled": False,
            "must_change_password": True,
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
    # the demo password is published: every demo account must change it at first sign-in
    assert all(u.must_change_password for u in users)
    with pytest.raises(PasswordChangeRequired):
        accounts.authenticate("admin", "jingban-demo", now=dt.datetime.now(dt.UTC), usable=True)
    with services.db.engine.connect() as conn:
        alerts = conn.exec_driver_sql("SELECT count(*) FROM alerts").scalar_one()
    assert alerts > 0  # some cases are past their limits, and the scan saw them
    assert services.cases.verify()[1] == []

    again = cli.inproc("demo")
    _one_error_line(again, 3, "已有办件")
    assert again.stdout == ""
    quiet = cli.inproc("demo", "--if-empty")  # make run's second time: the login is shown again
    assert quiet.code == 0
    assert quiet.stdout.splitlines()[0] == "数据库已有办件，跳过演示数据"
    assert "kashgar_clerk" in quiet.stdout and "密码 jingban-demo" in quiet.stdout
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
    quiet = cli.inproc("demo", "--if-empty")  # not a demo database: no demo password shown
    assert quiet.code == 0 and "jingban-demo" not in quiet.stdout


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
    said it was ready and listening (the list grows with what it prints later). Stopped by
    its own process handle."""
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
        # Ready: the application started and the socket is listening (uvicorn says the
        # first before it binds, the second after).
        while not all(
            any(said in x for x in lines)
            for said in ("Application startup complete", "Uvicorn running on")
        ):
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


# -- passwords, resets, names, the account log --------------------------------------------------


def test_user_passwd_checks_the_current_password_and_ends_the_other_tokens(cli: Cli) -> None:
    assert (
        cli.inproc("user", "add", "clerk_li", "--role", "clerk", "--password", PASSWORD).code == 0
    )
    accounts = AccountStore(Database(cli.url))
    now = dt.datetime.now(dt.UTC)
    _, token, _ = accounts.authenticate("clerk_li", PASSWORD, now=now)
    assert accounts.user("clerk_li").must_change_password

    wrong = cli("user", "passwd", "clerk_li", "--password-stdin", stdin="not-my\nNew-counter-8\n")
    _one_error_line(wrong, 4, "当前密码不正确")
    weak = cli("user", "passwd", "clerk_li", "--password-stdin", stdin=f"{PASSWORD}\nclerk_li\n")
    _one_error_line(weak, 2, "不能与用户名相同")
    assert accounts.user_for_token(token, now).username == "clerk_li"  # nothing changed yet

    prompted = cli(
        "user", "passwd", "clerk_li", stdin=f"{PASSWORD}\nNew-counter-8\nNew-counter-8\n"
    )
    assert prompted.code == 0, prompted
    assert "其他登录会话和令牌已失效" in prompted.stdout
    assert "New-counter-8" not in prompted.stdout + prompted.stderr
    assert not accounts.user("clerk_li").must_change_password
    with pytest.raises(AuthenticationFailed):
        accounts.user_for_token(token, now)
    accounts.authenticate("clerk_li", "New-counter-8", now=now)

    scripted = cli("user", "reset", "clerk_li", "--password-stdin", stdin="short\n")
    _one_error_line(scripted, 2, "至少 8 位")
    mismatch = cli("user", "reset", "clerk_li", stdin="Reset-pass-9\nReset-pass-0\n")
    assert mismatch.code == 2 and "两次输入的新的初始密码不一致" in mismatch.stderr
    reset = cli(
        "user", "reset", "clerk_li", "--actor", "wang_admin", stdin="Reset-pass-9\nReset-pass-9\n"
    )
    assert reset.code == 0, reset
    assert accounts.user("clerk_li").must_change_password
    renamed = cli.inproc(
        "user", "edit", "clerk_li", "--display-name", "李娜", "--actor", "wang_admin"
    )
    assert (renamed.code, renamed.stdout.strip()) == (0, "已将 clerk_li 的姓名改为 李娜")
    log = json.loads(cli.inproc("user", "log", "clerk_li", "--json").stdout)
    assert [(e["kind"], e["actor"]) for e in log] == [
        ("display_name", "wang_admin"),
        ("password_reset", "wang_admin"),
        ("password_changed", "clerk_li"),
        ("created", "admin"),
    ]
    assert "管理员重置密码" in cli.inproc("user", "log").stdout
    _one_error_line(cli.inproc("user", "edit", "nobody", "--display-name", "某"), 2, "nobody")


def test_calendar_close_by_a_supervisor_is_for_their_own_office_only(cli: Cli) -> None:
    accounts = AccountStore(Database(cli.url))
    now = dt.datetime.now(dt.UTC)
    accounts.add_user(
        "super_wang", role="supervisor", password=PASSWORD, now=now, region="sichuan",
        office="成都市医疗保障事务中心",
    )  # fmt: skip
    day = ("calendar", "close", "2026-11-25", "--region", "sichuan", "--reason", "停电检修")
    whole = cli.inproc(*day, "--actor", "super_wang")
    _one_error_line(whole, 4, "整个地区的闭馆日由管理员登记")
    other = cli.inproc(*day, "--actor", "super_wang", "--office", "锦江区医疗保障服务中心")
    _one_error_line(other, 4, "只能登记本经办机构")
    assert cli.services().calendar_store.closures() == []
    own = cli.inproc(*day, "--actor", "super_wang", "--office", "成都市医疗保障事务中心")
    assert own.code == 0, own
    assert "成都市医疗保障事务中心 2026-11-25 闭馆" in own.stdout
    [row] = json.loads(cli.inproc("calendar", "closures", "--json").stdout)
    assert (row["office"], row["created_by"]) == ("成都市医疗保障事务中心", "super_wang")
    region_wide = cli.inproc(*day)  # the administrator's default actor: the whole region
    assert region_wide.code == 0, region_wide
    assert len(cli.services().calendar_store.closures("sichuan")) == 2


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
