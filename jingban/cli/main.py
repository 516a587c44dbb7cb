"""Entry point of the `jingban` command: one Typer app with a sub-app per concern.

Errors a user can cause (`jingban.errors.JingbanError`) print one line on stderr and exit
with their code (2 bad input, 3 conflict, 4 not allowed); a database driver's failure is
told the same way (5 busy or unavailable, 6 disk full: `jingban.storage.driver_errors`);
never a traceback. Usage errors (an unknown option, a count that is not a whole number)
print one Chinese line and exit 2.
A database file that is damaged (or is not a database) prints one line and exits 7;
`audit verify` exits 8 when it finds the audit trail wrong.

Sub-apps are imported only when their command runs (`jingban.cli._lazy`): `jingban --help`
and `jingban config show` never load SQLAlchemy, the scheduler or the catalog.
"""

from __future__ import annotations

import sys

import typer
from typer._click import exceptions as click

from jingban.cli._lazy import Entry, LazyGroup
from jingban.cli._usage import usage_message
from jingban.errors import DatabaseUnavailable, JingbanError

# (command, module, attribute, help as the sub-app states it); `tests/cli` holds the help
# texts here equal to the sub-apps' own.
ENTRIES: tuple[Entry, ...] = (
    Entry(
        "calendar",
        "jingban.cli.calendar",
        "app",
        "工作日日历: 计算截止日期、查看年历、导入节假日安排、登记闭馆。",
    ),
    Entry("case", "jingban.cli.cases", "case_app", "办件: 登记、受理、审核、拨付、办结。"),
    Entry(
        "audit",
        "jingban.cli.audit",
        "audit_app",
        "审计记录: 校验哈希链、写入和导出检查点；稽核抽查。",
    ),
    Entry("db", "jingban.cli.db", "db_app", "数据库: 迁移、在线备份、恢复到空数据库。"),
    Entry(
        "items",
        "jingban.cli.items",
        "app",
        "事项目录: 列出、查看经办事项，输出办理流程图，比较定义版本。",
    ),
    Entry("alerts", "jingban.cli.alerts", "alerts_app", "预警: 扫描时限，红橙黄牌，通知路由。"),
    Entry("report", "jingban.cli.reports", "report_app", "统计报表。"),
    Entry(
        "scheduler", "jingban.cli.alerts", "scheduler_app", "调度器: 定时扫描、发送通知、每日汇总。"
    ),
    Entry(
        "digest",
        "jingban.cli.alerts",
        "digest_command",
        "每日汇总: 各地区未关闭的红、橙、黄牌办件。",
    ),
    Entry(
        "user",
        "jingban.cli.server",
        "user_app",
        "员工账号: 添加、列出、停用、改密码、重置、改姓名、联系方式、变更记录、解除限制、令牌。",
    ),
    Entry(
        "serve",
        "jingban.cli.server",
        "serve",
        "启动服务: HTTP API、公众进度查询页面和调度器 (多进程时选出一个主调度器)。",
    ),
    Entry(
        "demo",
        "jingban.cli.server",
        "demo",
        "装入演示数据: 每个地区的员工账号和各阶段的办件 (只用于空数据库)。",
    ),
    Entry("config", "jingban.cli.config", "app", "运行设置: 查看生效的环境变量和默认值。"),
    Entry("keys", "jingban.cli.keys", "keys_app", "服务器密钥: 查看、轮换、清除旧数据残留。"),
    Entry(
        "archive",
        "jingban.cli.archive",
        "archive_app",
        "档案: 导出办结办件的档案包、校验、到期清单、鉴定和销毁。",
    ),
    Entry(
        "exchange",
        "jingban.cli.exchange",
        "exchange_app",
        "省级平台办件事件: 推送、停发列表、重发、对账。",
    ),
    Entry(
        "identity",
        "jingban.cli.keys",
        "identity_app",
        "完整证件号码: 按权限查看 (逐次留痕)、查看记录。",
    ),
)

app = typer.Typer(
    name="jingban",
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """经办: 医疗保障经办事项的办件跟踪、工作日时限计算与预警。"""


LazyGroup.entries = ENTRIES


def _command_logs() -> None:
    """With ``JINGBAN_LOG_FORMAT`` set in the environment, a command's log lines (one per case
    action it takes) go to standard error in that format under one request id of the command
    (``cli-…``), as the server's do (docs/operations.md); unset, a command logs warnings only."""
    import os

    if not os.environ.get("JINGBAN_LOG_FORMAT", "").strip():
        return
    from jingban.logs import REQUEST_ID, configure, new_request_id

    configure()
    REQUEST_ID.set(f"cli-{new_request_id()}")


def main() -> None:
    """Run the command line; turn user errors into one stderr line and an exit code."""
    try:
        _command_logs()
        code = app(standalone_mode=False, prog_name="jingban")
    except JingbanError as exc:
        typer.echo(f"错误: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.NoArgsIsHelpError as exc:  # the help is printed already
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        typer.echo(f"错误: {usage_message(exc)}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # a bad file argument and the like
        typer.echo(f"错误: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("已取消", err=True)
        sys.exit(1)
    except Exception as exc:
        damaged = _database_damaged(exc)
        if damaged is not None:
            typer.echo(f"错误: {damaged.message}", err=True)
            sys.exit(damaged.exit_code)
        typed = _database_error(exc)
        if typed is None:
            raise
        typer.echo(f"错误: {typed.message}", err=True)
        sys.exit(typed.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def _database_damaged(exc: Exception) -> JingbanError | None:
    """The `DatabaseDamaged` a driver error met after the database was opened means (a
    file damaged while a command ran), without importing storage for other errors."""
    if "sqlite3" not in sys.modules or "jingban.storage.database" not in sys.modules:
        return None
    from jingban.storage.database import damage_of

    return damage_of(exc)


def _database_error(exc: Exception) -> DatabaseUnavailable | None:
    """The typed error of a database driver's failure (busy: exit 5, disk full: 6,
    unavailable: 5), or None; storage is imported only when a driver was (a command that
    never opened the database never loaded one)."""
    if not {"sqlite3", "sqlalchemy", "psycopg"} & sys.modules.keys():
        return None
    from jingban.storage.driver_errors import database_error

    return database_error(exc)


if __name__ == "__main__":
    main()
