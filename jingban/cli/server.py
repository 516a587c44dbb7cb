"""`jingban serve`, `jingban demo` and `jingban user`."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from typing import Annotated

import typer

from jingban.cli._common import emit_json, now_utc, open_database, pad
from jingban.errors import BadInput
from jingban.services import Services
from jingban.settings import env_name, settings
from jingban.storage.database import hold_server_lock
from jingban.workflows.vocabulary import ROLE_LABELS

user_app = typer.Typer(
    help="员工账号: 添加、列出、停用、改密码、重置、改姓名、联系方式、变更记录、解除限制、令牌。",
    no_args_is_help=True,
)
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
ActorOpt = Annotated[str, typer.Option("--actor", help="操作人 (记入账号变更记录)")]
PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="从标准输入读密码 (每行一个)，供脚本使用")
]


def _services() -> Services:
    db = open_database(create=True)
    assert db is not None
    return Services(db)


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="监听地址 [默认 JINGBAN_SERVE_HOST 或 127.0.0.1]")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="端口 [默认 JINGBAN_SERVE_PORT 或 8000]")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="进程数 (PostgreSQL)")] = 1,
    no_scheduler: Annotated[bool, typer.Option("--no-scheduler")] = False,
) -> None:
    """启动服务: HTTP API、公众进度查询页面和调度器 (多进程时选出一个主调度器)。"""
    import os

    import uvicorn

    from jingban.logs import configure, uvicorn_config
    from jingban.storage.database import database_url

    config = settings()
    host = config.serve_host if host is None else host
    port = config.serve_port if port is None else port
    if workers < 1:
        raise BadInput("--workers 至少为 1")
    if workers > 1 and database_url().startswith("sqlite"):
        raise BadInput(
            f"--workers {workers}: 多个服务进程需要 PostgreSQL (JINGBAN_DATABASE_URL)；"
            "嵌入式 SQLite 只有一个写锁，请用 --workers 1 (docs/operations.md)"
        )
    configure()
    services = _services()
    users = services.accounts.count()
    url = services.db.url
    server_lock = hold_server_lock(url)  # a second server on one SQLite file refuses
    address = f"{config.public_url}/" if config.public_url else f"http://{host}:{port}/"
    typer.echo(f"jingban 经办 已启动: {address}  (API 文档 /docs，进度查询 /progress)")
    typer.echo(f"数据库: {url.split('@')[-1]}")
    if users == 0:
        typer.echo(
            "还没有员工账号: jingban user add 用户名 --role clerk --region kashgar，"
            "或 jingban demo 装入演示数据"
        )
    os.environ[env_name("serve_scheduler")] = "0" if no_scheduler else "1"
    metrics_dir = _multiprocess_metrics(workers)
    try:
        uvicorn.run(
            "jingban.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            log_config=uvicorn_config(),
            access_log=False,  # one line per request comes from the application, with its id
            factory=False,
            proxy_headers=False,  # the application follows JINGBAN_TRUSTED_PROXIES itself
        )
    finally:
        if metrics_dir is not None:
            metrics_dir.cleanup()
    if server_lock is not None:
        server_lock.close()


def _multiprocess_metrics(workers: int) -> tempfile.TemporaryDirectory[str] | None:
    """With several workers, a fresh directory for prometheus-client's multiprocess mode
    (``PROMETHEUS_MULTIPROC_DIR``, inherited by every worker), so ``/metrics`` on any worker
    sums the request figures of all; None for one worker or when the operator set one."""
    import os

    if workers < 2 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    made = tempfile.TemporaryDirectory(prefix="jingban-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = made.name
    return made


def demo(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="已有办件时静默跳过")] = False,
) -> None:
    """装入演示数据: 每个地区的员工账号和各阶段的办件 (只用于空数据库)。"""
    from jingban.demo import fill

    services = _services()
    if if_empty and services.cases.count():
        typer.echo("数据库已有办件，跳过演示数据")
        if _is_demo_database(services):
            _demo_login_hint()
        return
    summary = fill(services, now=now_utc())
    services.scan_deadlines(now_utc(), node="demo", deliver=False)
    typer.echo(f"已装入演示数据: {summary.cases} 件办件，{len(summary.users)} 个账号")
    _demo_login_hint()


def _is_demo_database(services: Services) -> bool:
    """Whether every staff account is one `jingban demo` creates (and there are some)."""
    from jingban.calendar import region_keys
    from jingban.demo import ROLES

    known = {f"{r}_{role}" for r in region_keys() for role in ROLES} | {"admin"}
    names = {u.username for u in services.accounts.users()}
    return bool(names) and names <= known


def _demo_login_hint() -> None:
    from jingban.demo import DEMO_PASSWORD

    typer.echo(
        f"登录: 用户名如 kashgar_clerk、kashgar_reviewer、kashgar_payer、"
        f"kashgar_supervisor、admin；密码 {DEMO_PASSWORD}"
    )


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="clerk、reviewer、payer、supervisor、admin")],
    region: Annotated[str | None, typer.Option("--region")] = None,
    office: Annotated[str | None, typer.Option("--office")] = None,
    display_name: Annotated[str | None, typer.Option("--display-name", help="姓名")] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="脚本用；省略则提示输入")
    ] = None,
    password_stdin: PasswordStdinOpt = False,
    actor: ActorOpt = "admin",
) -> None:
    """添加员工账号 (初始密码: 本人首次登录须修改)。"""
    if password is None:
        password = _read_password(password_stdin, "初始密码")
    user = _services().accounts.add_user(
        name,
        role=role,
        password=password,
        now=now_utc(),
        region=region,
        office=office,
        display_name=display_name,
        must_change=True,
        actor=actor,
    )
    typer.echo(
        f"已添加 {user.username} ({ROLE_LABELS.get(user.role, user.role)}) "
        f"{user.region or '全部地区'} "
        f"{user.office or ''}".rstrip()
    )
    typer.echo("首次登录须修改初始密码")


@user_app.command("list")
def user_list(json_: JsonOpt = False) -> None:
    """列出员工账号。"""
    users = _services().accounts.users()
    if json_:
        emit_json(
            [
                {
                    "username": u.username,
                    "display_name": u.display_name,
                    "role": u.role,
                    "region": u.region,
                    "office": u.office,
                    "disabled": u.disabled,
                    "must_change_password": u.must_change_password,
                }
                for u in users
            ]
        )
        return
    for u in users:
        typer.echo(
            f"{u.username:<24} {pad(ROLE_LABELS.get(u.role, u.role), 12)} "
            f"{pad(u.region or '全部', 9)} {u.office or ''}"
            f"{'  (已停用)' if u.disabled else ''}"
            f"{'  (须修改密码)' if u.must_change_password else ''}"
        )


@user_app.command("disable")
def user_disable(
    name: Annotated[str, typer.Argument(help="用户名")], actor: ActorOpt = "admin"
) -> None:
    """停用账号 (其令牌立即失效)。"""
    _services().accounts.set_disabled(name, True, actor=actor, now=now_utc())
    typer.echo(f"已停用 {name}")


@user_app.command("enable")
def user_enable(
    name: Annotated[str, typer.Argument(help="用户名")], actor: ActorOpt = "admin"
) -> None:
    """重新启用账号。"""
    _services().accounts.set_disabled(name, False, actor=actor, now=now_utc())
    typer.echo(f"已启用 {name}")


def _read_password(from_stdin: bool, label: str) -> str:
    """A password from standard input (one line) or typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return _typed_twice(label)


def _typed_twice(label: str) -> str:
    """A password typed twice without echo; raises `BadInput` when the two differ."""
    first: str = typer.prompt(label, hide_input=True)
    again: str = typer.prompt(f"再次输入{label}", hide_input=True)
    if first != again:
        raise BadInput(f"两次输入的{label}不一致")
    return first


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="用户名 (本人)")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="从标准输入读两行: 当前密码、新密码 (供脚本使用)"),
    ] = False,
) -> None:
    """本人修改密码: 先输入当前密码，再输入两次新密码 (不回显)。

    成功后该账号的其他登录会话和令牌全部失效。管理员为他人设置密码请用 jingban user reset。
    """
    if password_stdin:
        current = sys.stdin.readline().rstrip("\r\n")
        new = sys.stdin.readline().rstrip("\r\n")
    else:
        current = typer.prompt("当前密码", hide_input=True)
        new = _typed_twice("新密码")
    _services().accounts.change_password(name, current, new, now=now_utc(), client="cli")
    typer.echo(f"已修改 {name} 的密码；该账号的其他登录会话和令牌已失效")


@user_app.command("reset")
def user_reset(
    name: Annotated[str, typer.Argument(help="用户名")],
    password_stdin: PasswordStdinOpt = False,
    actor: ActorOpt = "admin",
) -> None:
    """管理员重置他人密码: 设置新的初始密码，本人下次登录须修改；其全部会话和令牌立即失效。"""
    password = _read_password(password_stdin, "新的初始密码")
    _services().accounts.reset_password(name, password, actor=actor, now=now_utc())
    typer.echo(f"已重置 {name} 的密码；本人下次登录须修改密码，原有会话和令牌已失效")


@user_app.command("edit")
def user_edit(
    name: Annotated[str, typer.Argument(help="用户名")],
    display_name: Annotated[str, typer.Option("--display-name", help="姓名 (通知书上的经办人)")],
    actor: ActorOpt = "admin",
) -> None:
    """修改员工的姓名 (通知书上打印为经办人)。"""
    user = _services().accounts.set_display_name(name, display_name, actor=actor, now=now_utc())
    typer.echo(f"已将 {user.username} 的姓名改为 {user.display_name}")


@user_app.command("log")
def user_log(
    name: Annotated[str | None, typer.Argument(help="用户名 (省略则列出全部)")] = None,
    limit: Annotated[int, typer.Option("--limit", help="最多条数")] = 50,
    json_: JsonOpt = False,
) -> None:
    """账号变更记录 (创建、改密码、重置、停用、启用、改姓名)，新的在前。"""
    from jingban.calendar import BEIJING

    events = _services().accounts.events(name, limit=max(limit, 1))
    if json_:
        emit_json(
            [
                {
                    "username": e.username,
                    "kind": e.kind,
                    "label": e.label,
                    "actor": e.actor,
                    "at": e.at,
                    "detail": e.detail,
                }
                for e in events
            ]
        )
        return
    for e in events:
        at = e.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        typer.echo(f"{at}  {e.username:<20} {e.label:<8} 操作人 {e.actor}  {e.detail}".rstrip())


@user_app.command("unlock")
def user_unlock(
    name: Annotated[str, typer.Argument(help="用户名")],
    address: Annotated[
        str | None,
        typer.Option("--address", help="只解除这个客户端地址的限制 (并清除该地址的全部失败)"),
    ] = None,
    actor: ActorOpt = "admin",
) -> None:
    """解除登录限制: 清除该账号的登录失败记录 (记入账号变更记录)。"""
    cleared = _services().accounts.unlock(name, actor=actor, now=now_utc(), client=address)
    where = f" (地址 {address})" if address else ""
    typer.echo(f"已解除 {name} 的登录限制{where}，清除登录失败 {cleared} 次")


@user_app.command("tokens")
def user_tokens(
    name: Annotated[str, typer.Argument(help="用户名")],
    revoke_all: Annotated[
        bool, typer.Option("--revoke-all", help="撤销全部令牌和控制台会话 (立即生效)")
    ] = False,
    actor: ActorOpt = "admin",
    json_: JsonOpt = False,
) -> None:
    """列出账号的有效令牌和控制台会话 (签发时间、最近使用、遮蔽的令牌)；--revoke-all 全部撤销。"""
    from jingban.calendar import BEIJING

    accounts = _services().accounts
    now = now_utc()
    if revoke_all:
        count = accounts.revoke_all(name, actor=actor, now=now)
        if json_:
            emit_json({"username": name, "revoked": count})
        else:
            typer.echo(f"已撤销 {name} 的 {count} 个令牌和会话，立即失效")
        return
    tokens = accounts.tokens(name, now)
    if json_:
        emit_json(
            [
                {
                    "token": t.masked,
                    "via": t.via,
                    "client": t.client,
                    "issued_at": t.issued_at,
                    "last_used_at": t.last_used_at,
                    "expires_at": t.expires_at,
                }
                for t in tokens
            ]
        )
        return

    def bj(at: dt.datetime | None) -> str:
        return (
            pad("未记录", 16) if at is None else at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        )

    if not tokens:
        typer.echo(f"{name} 没有有效的令牌或会话")
        return
    labels = {"api": "API 令牌", "console": "控制台会话"}
    typer.echo(f"{pad('令牌', 10)} {pad('类型', 10)} {pad('签发', 16)} {pad('最近使用', 16)} 到期")
    for t in tokens:
        kind = labels.get(t.via or "", "未记录")
        typer.echo(
            f"{pad(t.masked, 10)} {pad(kind, 10)} {bj(t.issued_at)} {bj(t.last_used_at)} "
            f"{bj(t.expires_at)}  {t.client or ''}".rstrip()
        )


# `jingban user contact` lives in its own module, registered on `user_app`.
import jingban.cli.user_contacts  # noqa: E402, F401
