"""Entry point of the `jingban` command: one Typer app with a sub-app per concern.

Errors a user can cause (`jingban.errors.JingbanError`) print one line on stderr and exit
with their code (2 bad input, 3 conflict, 4 not allowed); never a traceback.
"""

from __future__ import annotations

import sys

import typer

import jingban.cli.find  # noqa: F401  (registers `jingban case find`)
from jingban.cli.alerts import alerts_app, digest_command, report_app, scheduler_app
from jingban.cli.calendar import app as calendar_app
from jingban.cli.cases import audit_app, case_app, db_app
from jingban.cli.config import app as config_app
from jingban.cli.items import app as items_app
from jingban.cli.server import demo, serve, user_app
from jingban.errors import JingbanError

app = typer.Typer(
    name="jingban",
    help="经办: 医疗保障经办事项的办件跟踪、工作日时限计算与预警。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(calendar_app, name="calendar")
app.add_typer(case_app, name="case")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
app.add_typer(items_app, name="items")
app.add_typer(alerts_app, name="alerts")
app.add_typer(report_app, name="report")
app.add_typer(scheduler_app, name="scheduler")
app.command("digest")(digest_command)
app.add_typer(user_app, name="user")
app.command("serve")(serve)
app.command("demo")(demo)
app.add_typer(config_app, name="config")


def main() -> None:
    """Run the command line; turn user errors into one stderr line and an exit code."""
    from sqlalchemy.exc import OperationalError

    try:
        app()
    except JingbanError as exc:
        typer.echo(f"错误: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except OperationalError as exc:
        typer.echo(f"错误: 数据库暂时不可用 ({exc.orig})，请稍后重试", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
