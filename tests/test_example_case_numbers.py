"""Every case number shown as an example — in the README, docs/, the package's docstrings,
messages, templates and data, and the CLI's help — passes the product's own check
(`jingban.engine.case_number.normalise_case_number`: region code, date, check character)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer._click.core import Context
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from jingban.cli.main import app
from jingban.engine.case_number import BadCaseNumber, normalise_case_number

ROOT = Path(__file__).resolve().parents[1]
SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}-\d{8}-\d{5}-[0-9A-Z](?![A-Za-z0-9])")
SUFFIXES = {".py", ".html", ".js", ".css", ".toml", ".md", ".txt", ".json"}


def _documents() -> Iterator[tuple[str, str]]:
    yield "README.md", (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "docs").glob("*.md")):
        yield f"docs/{path.name}", path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "jingban").rglob("*")):
        if path.suffix in SUFFIXES and "__pycache__" not in path.parts:
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def _help_texts() -> Iterator[tuple[str, str]]:
    """The --help of every command and sub-command, as printed (wide, so nothing wraps)."""
    runner = CliRunner(env={"COLUMNS": "240"})
    root: Any = get_command(app)
    stack: list[tuple[list[str], Any, Context | None]] = [([], root, None)]
    while stack:
        path, command, parent = stack.pop()
        printed = runner.invoke(app, [*path, "--help"])
        assert printed.exit_code == 0, (path, printed.output)
        yield " ".join(["jingban", *path, "--help"]), printed.output
        if isinstance(command, TyperGroup):
            ctx = Context(command, info_name=path[-1] if path else "jingban", parent=parent)
            for name in command.list_commands(ctx):
                stack.append(([*path, name], command.get_command(ctx, name), ctx))


def _examples() -> list[tuple[str, str]]:
    found = []
    for where, text in [*_documents(), *_help_texts()]:
        found.extend((where, number) for number in SHAPE.findall(text))
    return found


EXAMPLES = _examples()


def test_the_scan_finds_the_known_examples() -> None:
    places = {where for where, _ in EXAMPLES}
    assert "README.md" in places
    assert "jingban/engine/case_number.py" in places
    assert any(where.endswith("--help") for where in places)


@pytest.mark.parametrize(("where", "number"), EXAMPLES, ids=[f"{w}:{n}" for w, n in EXAMPLES])
def test_every_example_case_number_is_valid(where: str, number: str) -> None:
    try:
        assert normalise_case_number(number) == number
    except BadCaseNumber as exc:
        pytest.fail(f"{where}: {exc.message}")
