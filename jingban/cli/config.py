"""`jingban config show`: the effective settings, where each comes from, secrets masked.

A password in a URL shows as ``***``; so does the whole value of any variable whose name
says it holds a secret (``*_SECRET``, ``*_PASSWORD``, ``*_KEY``, ``*_TOKEN``). ``JINGBAN_*``
variables that no setting reads (a typo, most often) are listed too, masked the same way.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import fields
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import typer

from jingban.cli._common import emit_json
from jingban.settings import Settings, settings, unknown_env

app = typer.Typer(help="运行设置: 查看生效的环境变量和默认值。", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
MASK = "***"
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|KEY|TOKEN)$", re.IGNORECASE)
_SECRET_QUERY = re.compile(r"(secret|password|passwd|key|token)", re.IGNORECASE)


def mask_url(value: str) -> str:
    """``value`` with the password of a ``scheme://user:password@host`` URL, and any
    query parameter named like a secret, replaced by ``***``; other text unchanged."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return MASK if "@" in value else value
    if not parts.scheme or not parts.netloc:
        return value
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_QUERY.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask(name: str, value: str) -> str:
    """The value of variable ``name`` as it may be shown: wholly masked when the name says
    it is a secret, else with any URL password masked."""
    if _SECRET_NAME.search(name):
        return MASK
    return mask_url(value)


def _plain(value: object) -> object:
    """A setting as JSON shows it: times as HH:MM, the rest as they are."""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def _rows(current: Settings) -> list[dict[str, Any]]:
    rows = []
    for f in fields(current):
        env = f.metadata["env"]
        value = _plain(getattr(current, f.name))
        if isinstance(value, str):
            value = mask(env, value)
        given = os.environ.get(env)
        rows.append(
            {
                "name": f.name,
                "env": env,
                "value": value,
                "unit": f.metadata["unit"],
                "source": "env" if given is not None and given.strip() else "default",
                "meaning": f.metadata["meaning"],
            }
        )
    return rows


def _shown(value: object) -> str:
    if value is None:
        return "(未设置)"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


@app.command("show")
def show(json_: JsonOpt = False) -> None:
    """显示生效的设置 (环境变量或默认值)，密码和密钥以 *** 代替。"""
    current = settings()
    rows = _rows(current)
    unknown = {name: mask(name, value) for name, value in unknown_env(os.environ).items()}
    if json_:
        emit_json(
            {
                "settings": {
                    r["name"]: {k: r[k] for k in ("value", "env", "unit", "source")} for r in rows
                },
                "unknown_env": unknown,
            }
        )
        return
    table = [("环境变量", "值", "单位", "来源", "说明")] + [
        (
            r["env"],
            _shown(r["value"]),
            r["unit"],
            "环境变量" if r["source"] == "env" else "默认",
            r["meaning"],
        )
        for r in rows
    ]
    widths = [max(_width(row[i]) for row in table) for i in range(4)]
    for row in table:
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[:4])]
        typer.echo("  ".join([*cells, row[4]]))
    if unknown:
        typer.echo("")
        typer.echo("未被任何设置读取的 JINGBAN_ 环境变量 (是否拼错?):")
        for name, value in unknown.items():
            typer.echo(f"  {name}={value}")
