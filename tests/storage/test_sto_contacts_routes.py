"""Staff contact details on SQLite and PostgreSQL: set, changed field by field, cleared,
checked before they are kept (a bad value changes nothing), each change an account event;
the table comes and goes with 0025_staff_contacts, and the routes' levels and roles with
0026_route_roles."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import inspect
from support import parent_revision

from jingban.calendar import BEIJING
from jingban.errors import BadInput, NotFound
from jingban.services import Services
from jingban.storage import Database
from jingban.storage.migrate import alembic_config, is_current

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def services(db_url: str):  # type: ignore[no-untyped-def]
    built = Services(Database(db_url))
    built.accounts.add_user(
        "kezhang", role="supervisor", password="Contact-Pass-1", now=NOW, region="sichuan"
    )
    yield built
    built.db.dispose()


def test_contacts_are_set_changed_and_cleared(services: Services) -> None:
    store = services.contacts
    assert store.contact("kezhang").email is None
    store.set_contact(
        "kezhang",
        {"email": "kezhang@ybj.example.cn", "mobile": "+86 139-1234-5678", "wecom_id": "ZhangKe"},
        actor="admin",
        now=NOW,
    )
    store.set_contact("kezhang", {"dingtalk_id": "zk_01"}, actor="admin", now=NOW)
    got = store.contact("kezhang")
    assert (got.email, got.mobile, got.wecom_id, got.dingtalk_id) == (
        "kezhang@ybj.example.cn",
        "13912345678",
        "ZhangKe",
        "zk_01",
    )
    store.set_contact("kezhang", {"wecom_id": ""}, actor="admin", now=NOW)
    assert store.contact("kezhang").wecom_id is None
    events = [e.detail for e in services.accounts.events("kezhang") if e.kind == "contacts"]
    assert events == ["企业微信账号", "钉钉账号", "邮箱、手机、企业微信账号"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("email", "kezhang.example.cn", "格式不正确"),
        ("mobile", "12345", "11 位"),
        ("wecom_id", "张 科长", "只能包含"),
        ("office", "x", "未知的联系方式"),
    ],
)
def test_a_bad_value_is_refused_and_changes_nothing(
    services: Services, field: str, value: str, words: str
) -> None:
    services.contacts.set_contact("kezhang", {"email": "a@b.cn"}, actor="admin", now=NOW)
    with pytest.raises(BadInput, match=words):
        services.contacts.set_contact("kezhang", {field: value}, actor="admin", now=NOW)
    assert services.contacts.contact("kezhang").email == "a@b.cn"
    with pytest.raises(NotFound):
        services.contacts.set_contact("nobody", {"email": "a@b.cn"}, actor="admin", now=NOW)


def test_the_table_comes_and_goes_with_its_revision(services: Services) -> None:
    engine = services.db.engine
    command.downgrade(alembic_config(engine), parent_revision("0025_staff_contacts"))
    assert "staff_contacts" not in inspect(engine).get_table_names()
    services.db.upgrade()
    assert is_current(engine) and "staff_contacts" in inspect(engine).get_table_names()


def test_route_levels_and_roles_come_and_go_with_their_revision(services: Services) -> None:
    """0026_route_roles: a route stored before it takes every level for its fixed target."""
    engine = services.db.engine
    command.downgrade(alembic_config(engine), parent_revision("0026_route_roles"))
    assert "role" not in {c["name"] for c in inspect(engine).get_columns("alert_routes")}
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO alert_routes (region, office, name, kind, target, options, enabled) "
            "VALUES ('sichuan', NULL, '科长', 'email', 'kz@ybj.example.cn', "
            '\'{"host": "127.0.0.1", "sender": "jb@ybj.example.cn"}\', true)'
        )
    services.db.upgrade()
    assert is_current(engine)
    (route,) = services.routes.routes()
    assert (route.levels, route.role, route.personal) == ((), None, False)
    assert route.takes("yellow") and route.takes("red")
    assert "recipient" in {c["name"] for c in inspect(engine).get_columns("alert_deliveries")}
