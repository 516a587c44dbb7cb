"""A command group whose sub-commands are imported when they run, not when `jingban` starts.

`LazyGroup.entries` names each sub-command's module and attribute (a Typer sub-app or a
command function) with the help line the group lists; `jingban --help` prints that list
without importing any sub-command's module, and running a command imports only its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any, ClassVar, NamedTuple

import typer
from typer._click import core as click
from typer.core import TyperCommand, TyperGroup


class Entry(NamedTuple):
    """One top-level command: its name, where it lives, and its help line."""

    name: str
    module: str
    attribute: str
    help: str


def load(entry: Entry) -> click.Command:
    """The click command of ``entry`` (a Typer sub-app becomes a group, always, so that a
    sub-app with one command keeps its sub-command name)."""
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(entry.name)(target)
        command = typer.main.get_command(single)
    command.name = entry.name
    return command


class _Commands(MutableMapping[str, click.Command]):
    """The group's commands by name, each loaded on first access."""

    def __init__(self, entries: tuple[Entry, ...]) -> None:
        self._entries = {e.name: e for e in entries}
        self._loaded: dict[str, click.Command] = {}

    def entry(self, name: str) -> Entry | None:
        return self._entries.get(name)

    def loaded(self, name: str) -> click.Command | None:
        return self._loaded.get(name)

    def __getitem__(self, name: str) -> click.Command:
        found = self._loaded.get(name)
        if found is None:
            entry = self._entries[name]  # KeyError for an unknown name, as a dict
            found = self._loaded[name] = load(entry)
        return found

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._entries.setdefault(name, Entry(name, "", "", command.help or ""))

    def __delitem__(self, name: str) -> None:
        del self._entries[name]
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class LazyGroup(TyperGroup):
    """The root group of `jingban`: sub-commands from `entries`, imported on use."""

    entries: ClassVar[tuple[Entry, ...]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        eager = dict(self.commands)  # any registered the usual way (app.add_typer) still work
        self.commands = _Commands(self.entries)
        for name, command in eager.items():
            self.commands[name] = command
        self._listing = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        commands = self.commands
        assert isinstance(commands, _Commands)
        entry = commands.entry(cmd_name)
        if entry is None:
            return None
        if self._listing and commands.loaded(cmd_name) is None:
            # The help listing needs only the name and the help line.
            return TyperCommand(cmd_name, help=entry.help)
        return commands[cmd_name]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # the names, without loading the commands

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list, drawn by `jingban.cli._root_help` (not Typer's rich formatter,
        whose imports take longer than the rest of ``jingban --help``)."""
        from jingban.cli import _root_help

        self._listing = True
        try:
            commands = []
            for name in self.list_commands(ctx):
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    commands.append((name, command.get_short_help_str(limit=10_000)))
        finally:
            self._listing = False
        options = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                options.append(record)
        usage = f"{ctx.command_path} {' '.join(self.collect_usage_pieces(ctx))}"
        page = _root_help.render(usage, self.help or "", options, commands, _root_help.page_width())
        formatter.write(page)
