"""`jingban user contact`: show or set where a personal notice reaches a member of staff
(e-mail, mobile, 企业微信 and 钉钉 user ids; `jingban.storage.staff_contacts`)."""

from __future__ import annotations

from typing import Annotated

import typer

from jingban.cli._common import emit_json, now_utc
from jingban.cli.server import ActorOpt, JsonOpt, _services, user_app


@user_app.command("contact")
def user_contact(
    name: Annotated[str, typer.Argument(help="用户名")],
    email: Annotated[str | None, typer.Option("--email", help="邮箱 (空字符串: 清除)")] = None,
    mobile: Annotated[str | None, typer.Option("--mobile", help="手机号码")] = None,
    wecom_id: Annotated[str | None, typer.Option("--wecom-id", help="企业微信账号")] = None,
    dingtalk_id: Annotated[str | None, typer.Option("--dingtalk-id", help="钉钉账号")] = None,
    actor: ActorOpt = "admin",
    json_: JsonOpt = False,
) -> None:
    """查看或修改员工的联系方式 (个人预警通知发往这里)；不带选项时只显示。"""
    services = _services()
    given = {"email": email, "mobile": mobile, "wecom_id": wecom_id, "dingtalk_id": dingtalk_id}
    changes = {k: v for k, v in given.items() if v is not None}
    if changes:
        contact = services.contacts.set_contact(name, changes, actor=actor, now=now_utc())
    else:
        services.accounts.user(name)  # NotFound for a name that is no account
        contact = services.contacts.contact(name)
    if json_:
        emit_json(contact.as_dict())
        return
    shown = [
        ("邮箱", contact.email),
        ("手机", contact.mobile),
        ("企业微信", contact.wecom_id),
        ("钉钉", contact.dingtalk_id),
    ]
    typer.echo(f"{name}: " + "  ".join(f"{label} {value or '—'}" for label, value in shown))
