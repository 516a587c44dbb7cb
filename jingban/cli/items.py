"""`jingban items`: the service-item catalog — list a region's items, show one, draw its chain,
list the definition versions a database has seen and show what changed between two.

Output contract (scripts rely on it): ``list --json`` prints a JSON array of item summaries
(``key``, ``name``, ``group``, ``code``, ``stages``, ``statutory``, ``promised``,
``variants`` …, see ``jingban.workflows.export.item_summary``); ``show --json`` one object with
everything about the item; ``versions --json`` an array of ``version``, ``first_seen_at``,
``open_cases``, ``current``, ``stored``; ``diff --json`` an object with ``from``, ``to`` and
``changes`` (``path``, ``label``, ``old``, ``new``). Unknown regions, items, states or
versions exit 2.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jingban.calendar import BEIJING
from jingban.cli._common import emit_json, open_database, region_help, wrap
from jingban.errors import BadInput, NotFound
from jingban.services import Services
from jingban.storage import SeenVersion
from jingban.workflows import (
    CHANNELS,
    STATE_LABELS,
    Item,
    Limit,
    Region,
    compile_item,
    load_catalog,
)
from jingban.workflows.definition_diff import diff
from jingban.workflows.export import item_detail, item_summary
from jingban.workflows.vocabulary import CHANNEL_LABELS

app = typer.Typer(
    help="事项目录: 列出、查看经办事项，输出办理流程图，比较定义版本。", no_args_is_help=True
)

RegionOpt = Annotated[str, typer.Option("--region", "-r", help=region_help(), show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
ItemArg = Annotated[str, typer.Argument(help="事项代码 (key)、完整名称或名称中唯一的一段")]

_CLOCK_TEXT = {"received": "收件之日起", "accepted": "受理之日起"}


# Below this width the list is printed as one block per item instead of a table.
_TABLE_MIN_WIDTH = 120


def _console() -> Console:
    console = Console(markup=False, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = 200  # piped: keep each item on as few lines as possible
    return console


def _emit_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _region(region: str) -> Region:
    return load_catalog().region(region)


def _when_text(item: Item, when: Mapping[str, str]) -> str:
    parts = []
    for name, value in when.items():
        if name == "channel":
            parts.append(CHANNEL_LABELS.get(value, value))
        else:
            labels = {a.key: a.label for a in item.applicant_types}
            parts.append(labels.get(value, value))
    return "、".join(parts)


def _limits_text(statutory: Limit, promised: Limit) -> str:
    if promised == statutory:
        return str(statutory)
    return f"法定 {statutory}／承诺 {promised}"


@app.command("list")
def list_items(region: RegionOpt, json_: JsonOpt = False) -> None:
    """列出一个地区的全部事项 (文件顺序)，含默认环节与时限及其变体。"""
    found = _region(region)
    if json_:
        _emit_json([item_summary(item) for item in found.items])
        return
    console = _console()
    if console.width < _TABLE_MIN_WIDTH:
        typer.echo("\n".join(_list_blocks(found, console.width)))
        return
    table = Table(title=f"{found.name} — {found.document}（{len(found.items)} 项）")
    table.add_column("序号", justify="right", no_wrap=True)
    table.add_column("代码", no_wrap=True)
    for column in ("事项名称", "环节", "法定时限", "承诺时限", "变体"):
        table.add_column(column, overflow="fold")
    for item in found.items:
        variants = "；".join(
            f"{_when_text(item, v.when)}: {_limits_text(v.statutory, v.promised)}"
            + (f"（{'—'.join(v.stages)}）" if v.stages else "")
            for v in item.variants
        )
        table.add_row(
            str(item.seq),
            item.key,
            item.name,
            "—".join(item.stages) + ("（推定）" if item.stages_inferred else ""),
            str(item.statutory),
            str(item.promised),
            variants,
        )
    console.print(table)


def _list_blocks(region: Region, columns: int) -> Iterable[str]:
    """The item list for a narrow terminal: per item, its number, name and key, then its
    chain and limits, each line within ``columns`` display columns."""
    yield from wrap(f"{region.name} — {region.document}（{len(region.items)} 项）", columns)
    for item in region.items:
        yield ""
        yield from wrap(f"{item.seq:>3}. {item.name}（{item.key}）", columns, "     ")
        chain = "—".join(item.stages) + ("（推定）" if item.stages_inferred else "")
        yield from wrap(f"     环节: {chain}", columns, "     ")
        limits = f"     时限: 法定 {item.statutory}，承诺 {item.promised}"
        yield from wrap(limits, columns, "     ")
        for v in item.variants:
            text = f"{_when_text(item, v.when)}: {_limits_text(v.statutory, v.promised)}"
            if v.stages:
                text += f"（{'—'.join(v.stages)}）"
            yield from wrap(f"     变体 {text}", columns, "       ")


@app.command()
def show(item: ItemArg, region: RegionOpt, json_: JsonOpt = False) -> None:
    """显示一个事项的全部内容: 时限、环节、材料、设定依据、备注。"""
    found = _region(region).item(item)
    if json_:
        _emit_json(item_detail(found))
        return
    typer.echo("\n".join(_detail_lines(found)))


def _detail_lines(item: Item) -> Iterable[str]:
    region = load_catalog().region(item.region)
    yield f"{item.name}（{item.key}）"
    first, last = item.lines
    yield f"  {region.name} 第 {item.seq} 项 · 原文 {region.source} 第 {first}–{last} 行"
    if item.group:
        yield f"主项: {item.group}" + (f"（{item.group_code}）" if item.group_code else "")
    if item.code:
        yield f"子项编码: {item.code}"
    if item.applicants:
        yield f"服务对象: {item.applicants}"
    if item.applicant_types:
        yield "申请人类型: " + "、".join(f"{a.label}（{a.key}）" for a in item.applicant_types)
    if item.channels_text or item.channels:
        channels = "、".join(CHANNEL_LABELS.get(c, c) for c in item.channels)
        yield f"办理渠道: {item.channels_text or ''}  [{channels}]"
    yield f"办理时限: {item.limit_text}"
    yield (
        f"  默认: {_limits_text(item.statutory, item.promised)}，"
        f"{_CLOCK_TEXT[item.clock_start]}计算"
    )
    for v in item.variants:
        chain = f"，环节 {'—'.join(v.stages)}" if v.stages else ""
        clock = f"，{_CLOCK_TEXT[v.clock_start]}计算" if v.clock_start else ""
        yield f"  {_when_text(item, v.when)}: {_limits_text(v.statutory, v.promised)}{chain}{clock}"
    for s in item.stage_limits:
        yield f"  分段时限 {s.label}: {s.limit}（{s.starts} → {s.ends}）"
    inferred = "（原文为流程图，环节为推定）" if item.stages_inferred else ""
    yield f"办理环节: {'—'.join(item.stages)}{inferred}"
    if item.stages_text:
        yield f"  原文: {item.stages_text}"
    compiled = compile_item(item)
    yield "  状态: " + " → ".join(STATE_LABELS[s] for s in compiled.chain_states)
    yield "申请材料:"
    labels = {a.key: a.label for a in item.applicant_types}
    for index, m in enumerate(item.materials, 1):
        tags = []
        if m.applicant_type:
            tags.append(labels.get(m.applicant_type, m.applicant_type))
        if m.condition:
            tags.append(f"条件: {m.condition}")
        elif m.unless:
            tags.append(f"{m.unless}无需提供")
        elif not m.required:
            tags.append("非必需")
        yield f"  {index}. {m.name}" + (f"（{'；'.join(tags)}）" if tags else "")
        if m.alternatives:
            yield "     也接受 (任选其一): " + "、".join(m.alternatives)
    if not item.materials:
        yield "  （原文未列）"
    for heading, entries in (("设定依据", item.legal_basis), ("备注", item.notes)):
        if entries:
            yield f"{heading}:"
            yield from (f"  {index}. {entry}" for index, entry in enumerate(entries, 1))
    for heading, value in item.extra.items():
        yield f"{heading}: {value}"


@app.command()
def diagram(
    item: ItemArg,
    region: RegionOpt,
    channel: Annotated[
        str | None, typer.Option(help="办理渠道 (选变体): " + "、".join(CHANNELS))
    ] = None,
    applicant_type: Annotated[
        str | None, typer.Option("--applicant-type", help="申请人类型 (选变体)")
    ] = None,
    current: Annotated[str | None, typer.Option(help="高亮的当前状态，如 accepted")] = None,
) -> None:
    """以 Mermaid 状态图输出事项的办理流程 (含补正、不予受理、中止、撤回)。"""
    found = _region(region).item(item)
    if channel is not None and channel not in CHANNELS:
        raise BadInput(f"--channel: 未知渠道“{channel}”；可用: {'、'.join(CHANNELS)}")
    known_types = [a.key for a in found.applicant_types]
    if applicant_type is not None and applicant_type not in known_types:
        listed = "、".join(known_types) if known_types else "本事项不区分申请人类型"
        raise BadInput(f"--applicant-type: 未知申请人类型“{applicant_type}”；可用: {listed}")
    compiled = compile_item(found, found.terms(channel, applicant_type).stages)
    if current is not None and current not in compiled.states:
        raise BadInput(f"--current: 未知状态“{current}”；可用: {'、'.join(compiled.states)}")
    typer.echo(compiled.mermaid(current))


# -- definition versions ------------------------------------------------------------------


def _services() -> Services:
    db = open_database(create=True)
    assert db is not None
    return Services(db)


def _definition(services: Services, item: Item, version: str, option: str) -> Item:
    """``item`` at ``version``, as the database or the catalog knows it; raises `BadInput`
    (an empty version) or `NotFound` (a version neither knows)."""
    wanted = version.strip()
    if not wanted:
        raise BadInput(f"{option}: 版本不能为空")
    found = services.engine.known_definition(item.region, item.key, wanted)
    if found is None:
        raise NotFound(
            f"{option}: 事项「{item.name}」没有版本 {wanted}；"
            f"可用 jingban items versions {item.key} --region {item.region} 查看"
        )
    return found


@app.command()
def versions(item: ItemArg, region: RegionOpt, json_: JsonOpt = False) -> None:
    """列出数据库见过的事项定义版本: 首次出现时间、在办件数、是否为当前目录的版本。"""
    services = _services()
    found = services.catalog.item(region, item)
    current = services.engine.current_version(found.region, found.key)
    seen = services.definitions.versions(found.region, found.key)
    if not any(v.version == current for v in seen):
        seen.append(SeenVersion(current, None, 0, stored=False))
    if json_:
        emit_json(
            [
                {
                    "version": v.version,
                    "first_seen_at": v.first_seen_at,
                    "open_cases": v.open_cases,
                    "current": v.version == current,
                    "stored": v.stored,
                }
                for v in seen
            ]
        )
        return
    table = Table(title=f"{found.name}（{found.key}）的定义版本")
    for column in ("版本", "首次出现", "在办件", "当前目录", "说明"):
        table.add_column(column, no_wrap=True)
    for v in seen:
        if v.stored:
            note = ""
        elif v.version == current:
            note = "尚无办件"
        else:
            note = "旧记录 (按当前目录办理)"
        table.add_row(
            v.version,
            v.first_seen_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
            if v.first_seen_at
            else "-",
            str(v.open_cases),
            "是" if v.version == current else "",
            note,
        )
    _console().print(table)


@app.command("diff")
def diff_versions(
    item: ItemArg,
    region: RegionOpt,
    from_: Annotated[str, typer.Option("--from", help="原版本 (见 items versions)")],
    to: Annotated[str | None, typer.Option("--to", help="新版本 (默认: 当前目录的版本)")] = None,
    json_: JsonOpt = False,
) -> None:
    """比较事项的两个定义版本: 列出每个改动的字段及其原值、新值。"""
    services = _services()
    found = services.catalog.item(region, item)
    to_version = to or services.engine.current_version(found.region, found.key)
    old = _definition(services, found, from_, "--from")
    new = _definition(services, found, to_version, "--to")
    changes = diff(old, new)
    if json_:
        emit_json(
            {
                "region": found.region,
                "item": found.key,
                "from": from_.strip(),
                "to": to_version.strip(),
                "changes": [
                    {"path": c.path, "label": c.label, "old": c.old, "new": c.new} for c in changes
                ],
            }
        )
        return
    typer.echo(f"{found.name}（{found.key}）: 版本 {from_.strip()} → {to_version.strip()}")
    if not changes:
        typer.echo("  两个版本没有差别")
    for change in changes:
        typer.echo(
            f"  {change.label} ({change.path}): {_value_text(change.old)} → "
            f"{_value_text(change.new)}"
        )


def _value_text(value: object) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
