"""Routes can be fixed, not only added: `jingban alerts route-edit` changes a route's address,
receiver, office or options (checked as a new one is; a bad value changes nothing),
`route-disable`/`route-enable` stop and resume new deliveries, `route-remove` deletes it and
cancels what it had not sent yet. On SQLite and PostgreSQL, through the console script's
entry point in this process."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import insert, select
from test_cli_inputs import _one_line as one_line
from test_cli_inputs import run

from jingban.storage import Database
from jingban.storage.models import DELIVERIES
from jingban.storage.routes import RouteStore

EMAIL = ("--kind", "email", "--option", "host=127.0.0.1", "--option", "sender=jb@example.org")


def _added(url: str, root: Path) -> int:
    added = run(url, root, "alerts", "route-add", "--region", "kashgar", "--target", "a@b.cn",
                "--name", "张科长", *EMAIL)  # fmt: skip
    assert added.code == 0, added.stderr
    return int(added.stdout.split("#")[1].split(":")[0])


def _listed(url: str, root: Path) -> list[dict[str, object]]:
    listed = run(url, root, "alerts", "routes", "--json")
    assert listed.code == 0, listed.stderr
    return json.loads(listed.stdout)  # type: ignore[no-any-return]


def test_a_route_is_edited_and_a_bad_edit_changes_nothing(db_url: str, tmp_path: Path) -> None:
    route = _added(db_url, tmp_path)
    edited = run(db_url, tmp_path, "alerts", "route-edit", str(route), "--target", "c@d.cn",
                 "--option", "port=2525", "--office", "喀什市医保中心")  # fmt: skip
    assert edited.code == 0, edited.stderr
    (shown,) = _listed(db_url, tmp_path)
    assert (shown["target"], shown["office"], shown["name"]) == (
        "c@d.cn",
        "喀什市医保中心",
        "张科长",
    )
    db = Database(db_url)
    try:
        options = RouteStore(db).route(route).options
        assert options == {"host": "127.0.0.1", "sender": "jb@example.org", "port": "2525"}
    finally:
        db.dispose()
    one_line(run(db_url, tmp_path, "alerts", "route-edit", str(route), "--target", "不是地址"),
             2, "收件人")  # fmt: skip
    one_line(run(db_url, tmp_path, "alerts", "route-edit", str(route), "--option", "host="),
             2, "SMTP")  # fmt: skip
    one_line(run(db_url, tmp_path, "alerts", "route-edit", "999", "--name", "李"), 2, "999")
    assert _listed(db_url, tmp_path) == [shown]
    back = run(db_url, tmp_path, "alerts", "route-edit", str(route), "--all-offices")
    assert back.code == 0 and _listed(db_url, tmp_path)[0]["office"] is None


def test_disable_enable_and_remove(db_url: str, tmp_path: Path) -> None:
    route = _added(db_url, tmp_path)
    assert run(db_url, tmp_path, "alerts", "route-disable", str(route)).code == 0
    assert _listed(db_url, tmp_path)[0]["enabled"] is False
    assert "(已停用)" in run(db_url, tmp_path, "alerts", "routes").stdout
    assert run(db_url, tmp_path, "alerts", "route-enable", str(route)).code == 0
    assert _listed(db_url, tmp_path)[0]["enabled"] is True
    db = Database(db_url)
    try:
        row = {
            "region": "kashgar", "attempts": 0, "subject": "s", "markdown": "m", "text": "t",
            "kind": "alert", "token": "0" * 32, "route_id": route,
            "next_attempt_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        }  # fmt: skip
        with db.write() as conn:
            conn.execute(insert(DELIVERIES).values(dedup_key="waiting", status="pending", **row))
            conn.execute(insert(DELIVERIES).values(dedup_key="gone", status="sent", **row))
        removed = run(db_url, tmp_path, "alerts", "route-remove", str(route))
        assert removed.code == 0, removed.stderr
        assert "撤销未发出的通知 1 条" in removed.stdout
        with db.engine.connect() as conn:
            states = dict(conn.execute(select(DELIVERIES.c.dedup_key, DELIVERIES.c.status)).all())
        assert states == {"waiting": "cancelled", "gone": "sent"}
    finally:
        db.dispose()
    assert _listed(db_url, tmp_path) == []
    one_line(run(db_url, tmp_path, "alerts", "route-remove", str(route)), 2, str(route))


def test_a_route_by_level_and_role(db_url: str, tmp_path: Path) -> None:
    """`route-add --level yellow --role assignee` needs no fixed address for e-mail; the
    listing shows the levels and the role; `route-edit` changes them; bad ones exit 2."""
    added = run(db_url, tmp_path, "alerts", "route-add", "--region", "kashgar", "--name", "承办人",
                "--level", "yellow", "--role", "assignee", *EMAIL)  # fmt: skip
    assert added.code == 0, added.stderr
    assert "黄牌 → email 承办人本人" in added.stdout
    route = int(added.stdout.split("#")[1].split(":")[0])
    (row,) = [r for r in _listed(db_url, tmp_path) if r["id"] == route]
    assert (row["levels"], row["role"], row["target"]) == (["yellow"], "assignee", "")
    edited = run(db_url, tmp_path, "alerts", "route-edit", str(route), "--level", "orange",
                 "--level", "red", "--role", "supervisor")  # fmt: skip
    assert edited.code == 0, edited.stderr
    (row,) = [r for r in _listed(db_url, tmp_path) if r["id"] == route]
    assert (row["levels"], row["role"]) == (["orange", "red"], "supervisor")
    shown = run(db_url, tmp_path, "alerts", "routes")
    assert f"#{route} kashgar (全部) 承办人 email  [橙牌、红牌 → 本机构科长/主管]" in shown.stdout
    bad = run(db_url, tmp_path, "alerts", "route-add", "--region", "kashgar", "--level", "blue",
              "--role", "assignee", *EMAIL)  # fmt: skip
    one_line(bad, 2, "未知的牌色")
    fixed = run(db_url, tmp_path, "alerts", "route-add", "--region", "kashgar", *EMAIL)
    one_line(fixed, 2, "没有收件人")
