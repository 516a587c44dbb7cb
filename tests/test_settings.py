"""`jingban.settings`: every variable parses to its field, defaults are today's constants, bad
values are refused in Chinese naming the variable, the cache follows the environment, and
`docs/configuration.md` documents every field with its real default."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import fields
from pathlib import Path

import pytest

from jingban.errors import BadInput
from jingban.settings import ENV_NAMES, Settings, env_name, settings, unknown_env

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_defaults_are_the_constants_of_before() -> None:
    s = Settings.from_env({})
    assert s == Settings()
    assert s.database_url == "sqlite:///jingban.db"
    assert s.sqlite_synchronous == "FULL"
    assert (s.serve_host, s.serve_port, s.serve_scheduler) == ("127.0.0.1", 8000, True)
    assert (s.scan_seconds, s.deliver_seconds, s.elect_seconds) == (60, 30, 5)
    assert s.delivery_lease == dt.timedelta(minutes=5)
    assert s.digest_at == dt.time(10, 0)
    assert s.calendar_ttl_seconds == 30.0
    assert s.token_lifetime == dt.timedelta(hours=10)
    assert (s.login_failures, s.failure_window) == (5, dt.timedelta(minutes=15))
    assert (s.progress_case_failures, s.progress_client_failures) == (5, 20)
    assert s.progress_case_hourly_failures == 100
    assert (s.progress_requests, s.progress_window_seconds) == (30, 60.0)
    assert s.public_url is None
    assert (s.pg_bin_dir, s.log_format, s.metrics_token) == (None, "text", None)


def test_every_variable_overrides_its_field() -> None:
    s = Settings.from_env(
        {
            "JINGBAN_DATABASE_URL": " postgresql+psycopg://u@h/db ",
            "JINGBAN_SQLITE_SYNCHRONOUS": "normal",
            "JINGBAN_SQLITE_BUSY_SECONDS": "2.5",
            "JINGBAN_DATA_DIR": "/srv/jingban/data",
            "JINGBAN_SECRET_KEY_FILE": "/etc/jingban/jingban.key",
            "JINGBAN_PUBLIC_URL": "https://jb.example.cn/",
            "JINGBAN_SERVE_HOST": "0.0.0.0",
            "JINGBAN_SERVE_PORT": "8080",
            "JINGBAN_SERVE_SCHEDULER": "0",
            "JINGBAN_SCAN_SECONDS": "120",
            "JINGBAN_DELIVER_SECONDS": "15",
            "JINGBAN_DELIVERY_LEASE_SECONDS": "2.5",
            "JINGBAN_ELECT_SECONDS": "3",
            "JINGBAN_DIGEST_AT": "08:30",
            "JINGBAN_AUDIT_CHECKPOINT_AT": "01:15",
            "JINGBAN_CALENDAR_TTL_SECONDS": "0",
            "JINGBAN_CALENDAR_RECALC_BATCH": "50",
            "JINGBAN_TOKEN_HOURS": "8",
            "JINGBAN_LOGIN_FAILURES": "3",
            "JINGBAN_FAILURE_WINDOW_MINUTES": "30",
            "JINGBAN_LOGIN_DELAY_AFTER": "2",
            "JINGBAN_LOGIN_DELAY_MAX_SECONDS": "30",
            "JINGBAN_LOGIN_CLIENT_FAILURES": "40",
            "JINGBAN_LOGIN_KNOWN_DAYS": "7",
            "JINGBAN_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.2 ",
            "JINGBAN_HSTS_SECONDS": "0",
            "JINGBAN_PROGRESS_CASE_FAILURES": "4",
            "JINGBAN_PROGRESS_CASE_HOURLY_FAILURES": "40",
            "JINGBAN_PROGRESS_CLIENT_FAILURES": "50",
            "JINGBAN_PROGRESS_REQUESTS": "100",
            "JINGBAN_PROGRESS_WINDOW_SECONDS": "10",
            "JINGBAN_PG_BIN_DIR": "/usr/lib/postgresql/16/bin",
            "JINGBAN_LOG_FORMAT": "JSON",
            "JINGBAN_METRICS_TOKEN": " scrape-7 ",
            "JINGBAN_ATTACHMENTS_DIR": "/srv/jingban/files",
            "JINGBAN_ATTACHMENT_MAX_BYTES": "1048576",
            "JINGBAN_ATTACHMENT_TYPES": "pdf,jpg",
            "JINGBAN_EXCHANGE_URL": "https://gov.example.cn/events/",
            "JINGBAN_EXCHANGE_SECRET": "s3cret",
            "JINGBAN_EXCHANGE_ADAPTER": "json",
            "JINGBAN_EXCHANGE_TIMEOUT_SECONDS": "2.5",
            "JINGBAN_EXCHANGE_SECONDS": "20",
            "JINGBAN_EXCHANGE_LEASE_SECONDS": "60",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert (s.sqlite_synchronous, s.sqlite_busy_seconds) == ("NORMAL", 2.5)
    assert s.public_url == "https://jb.example.cn"
    assert s.data_dir == "/srv/jingban/data"
    assert s.secret_key_file == "/etc/jingban/jingban.key"
    assert (s.serve_host, s.serve_port, s.serve_scheduler) == ("0.0.0.0", 8080, False)
    assert (s.scan_seconds, s.deliver_seconds, s.elect_seconds) == (120, 15, 3)
    assert s.delivery_lease == dt.timedelta(seconds=2.5)
    assert s.digest_at == dt.time(8, 30)
    assert s.audit_checkpoint_at == dt.time(1, 15)
    assert s.calendar_ttl_seconds == 0
    assert s.calendar_recalc_batch == 50
    assert s.token_lifetime == dt.timedelta(hours=8)
    assert (s.login_failures, s.failure_window) == (3, dt.timedelta(minutes=30))
    assert (s.progress_case_failures, s.progress_client_failures) == (4, 50)
    assert s.progress_case_hourly_failures == 40
    assert (s.progress_requests, s.progress_window_seconds) == (100, 10.0)
    # the test above sets every variable there is
    assert (s.login_delay_after, s.login_delay_max_seconds) == (2, 30)
    assert (s.login_client_failures, s.login_known_for) == (40, dt.timedelta(days=7))
    assert (s.trusted_proxies, s.hsts_seconds) == ("10.0.0.0/8, 192.168.1.2", 0)
    assert s.pg_bin_dir == "/usr/lib/postgresql/16/bin"
    assert (s.log_format, s.metrics_token) == ("json", "scrape-7")
    assert (s.attachments_dir, s.attachment_max_bytes) == ("/srv/jingban/files", 1048576)
    assert s.attachment_types == "pdf,jpg"
    assert (s.exchange_url, s.exchange_secret) == ("https://gov.example.cn/events", "s3cret")
    assert (s.exchange_adapter, s.exchange_timeout_seconds, s.exchange_seconds) == ("json", 2.5, 20)
    assert s.exchange_lease == dt.timedelta(seconds=60)
    assert len(ENV_NAMES) == 52


def test_blank_is_the_default() -> None:
    assert Settings.from_env({name: "  " for name in ENV_NAMES}) == Settings()


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("JINGBAN_SERVE_PORT", "eighty", "应为整数"),
        ("JINGBAN_SERVE_PORT", "70000", "应在 1–65535 之间"),
        ("JINGBAN_SCAN_SECONDS", "0", "应在 1–86400 之间"),
        ("JINGBAN_TOKEN_HOURS", "nan", "应在"),
        ("JINGBAN_CALENDAR_TTL_SECONDS", "半分钟", "应为数字"),
        ("JINGBAN_SERVE_SCHEDULER", "maybe", "应为 1 或 0"),
        ("JINGBAN_DIGEST_AT", "25:00", "应为时间 HH:MM"),
        ("JINGBAN_DIGEST_AT", "10:00+08:00", "不要带时区"),
        ("JINGBAN_SQLITE_SYNCHRONOUS", "FULL; DROP TABLE cases", "之一"),
        ("JINGBAN_PUBLIC_URL", "jb.example.cn", "http:// 或 https://"),
        ("JINGBAN_LOG_FORMAT", "xml", "应为 text 或 json"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, value: str, words: str) -> None:
    with pytest.raises(BadInput) as raised:
        Settings.from_env({name: value})
    assert name in raised.value.message
    assert words in raised.value.message


def test_the_cached_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JINGBAN_SERVE_PORT", raising=False)
    assert settings().serve_port == 8000
    assert settings() is settings()
    monkeypatch.setenv("JINGBAN_SERVE_PORT", "9001")
    assert settings().serve_port == 9001
    monkeypatch.delenv("JINGBAN_SERVE_PORT")
    assert settings().serve_port == 8000


def test_env_name_and_unknown_variables() -> None:
    assert env_name("serve_scheduler") == "JINGBAN_SERVE_SCHEDULER"
    with pytest.raises(KeyError):
        env_name("no_such_setting")
    environ = {"JINGBAN_SCAN_SECOND": "5", "JINGBAN_SCAN_SECONDS": "5", "PATH": "/bin"}
    assert unknown_env(environ) == {"JINGBAN_SCAN_SECOND": "5"}


def _documented() -> dict[str, str]:
    """The configuration table: variable → its default cell."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `(JINGBAN_[A-Z_]+)` \|(.+)\|$", line)
        if match:
            cells = [c.strip() for c in match.group(2).split(" | ")]
            assert len(cells) == 4, f"{match.group(1)}: want meaning, default, unit, reader"
            assert all(cells), f"{match.group(1)}: a cell is empty"
            rows[match.group(1)] = cells[1]
    return rows


def _doc_default(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`1`" if value else "`0`"
    if isinstance(value, dt.time):
        return f"`{value:%H:%M}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def test_every_setting_is_documented_with_its_default() -> None:
    documented = _documented()
    for f in fields(Settings):
        env = f.metadata["env"]
        assert env in documented, f"{env} ({f.name}) is missing from {DOC.name}"
        assert documented[env].startswith(_doc_default(f.default)), (
            f"{env}: {DOC.name} says {documented[env]}, the code says {f.default!r}"
        )
    assert set(documented) == set(ENV_NAMES), "the table documents a variable nothing reads"
