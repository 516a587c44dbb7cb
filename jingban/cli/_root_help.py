"""The help page of `jingban` itself, drawn without rich.

Typer's rich help formatter imports rich's markdown renderer, markdown-it and pygments
before printing a line, which is most of ``jingban --help``'s time; the top-level page is a
usage line, one paragraph and two short tables, so it is drawn here in the same boxed layout
the sub-commands' rich help pages use, with CJK characters counted two columns wide.
"""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Sequence

from jingban.cli._common import pad, wrap

#: The widest page drawn (rich's help pages are as wide as the terminal; 80 reads well).
MAX_COLUMNS = 80


def page_width() -> int:
    """The terminal's width, between 40 and `MAX_COLUMNS` (80 when it is not a terminal)."""
    return max(40, min(MAX_COLUMNS, shutil.get_terminal_size((MAX_COLUMNS, 24)).columns))


def panel(title: str, rows: Sequence[tuple[str, str]], columns: int) -> list[str]:
    """A boxed table titled ``title``: each row a name and its help, the help wrapped to
    the box (continuation lines under the help column)."""
    name_width = max((len(name) for name, _ in rows), default=0)
    inner = columns - 4  # "│ " and " │"
    help_width = max(10, inner - name_width - 2)
    lines = [f"╭─ {title} " + "─" * max(0, columns - len(title) - 5) + "╮"]
    for name, text in rows:
        for i, part in enumerate(wrap(text, help_width)):
            lead = name if i == 0 else ""
            lines.append("│ " + pad(f"{lead:<{name_width}}  {part}", inner) + " │")
    lines.append("╰" + "─" * (columns - 2) + "╯")
    return lines


def render(
    usage: str,
    help_text: str,
    options: Sequence[tuple[str, str]],
    commands: Sequence[tuple[str, str]],
    columns: int,
) -> str:
    """The whole page: usage line, help paragraph, the options box and the commands box."""
    lines = ["", f" Usage: {usage}", ""]
    for paragraph in inspect.cleandoc(help_text).split("\n\n"):
        lines += [" " + part for part in wrap(" ".join(paragraph.split()), columns - 2)]
        lines.append("")
    lines += panel("Options", options, columns)
    lines += panel("Commands", commands, columns)
    return "\n".join(lines) + "\n"
