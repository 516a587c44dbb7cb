"""A command group whose sub-commands are imported when they run, not when `jingban` starts.

`LazyGroup.entries` names each sub-command's module and attribute (a Typer sub-app or a
command function) with the help line the group lists; `jingban --help` prints that list
without importing any sub-command's module, and running a command imports only its own.

A loaded command's text and flag parameters (``str``, ``str | None``, ``bool`` flags, the
``--help`` of every command) take the value the command line gives as it is (`Ready`):
Typer would build a pydantic ``TypeAdapter`` for each, and importing pydantic costs more
than the rest of a short command such as ``jingban case show``. Every other kind (numbers,
lists, dates) keeps Typer's own validation and its messages.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import typer
from typer._click import core as click
from typer._coercion import RuntimeParam, build_runtime_param
from typer.core import TyperCommand, TyperGroup, _TyperParameter


class Entry(NamedTuple):
    """One top-level command: its name, where it lives, and its help line."""

    name: str
    module: str
    attribute: str
    help: str


@dataclass(frozen=True)
class Ready(RuntimeParam):
    """The coercion of a text or flag parameter: a value that already has the parameter's
    type (all the command line gives such a parameter) is taken as it is; anything else
    goes to Typer's own coercion."""

    def _coerce_value(self, value: Any, param: Any, ctx: click.Context) -> Any:
        if isinstance(value, self.annotation):
            return value
        typers = build_runtime_param(param.type_descriptor)
        return typers.coerce(value, param=param, ctx=ctx)


def _make_ready(param: click.Parameter | None) -> None:
    if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
        return
    found = param.type_descriptor
    plain = found.annotation in (str, bool) and not found.is_file
    if plain and found.parameter_info.parser is None:
        param._runtime_param = Ready(found.parameter_info, found.annotation)


def plain_values(command: click.Command, ctx: click.Context | None = None) -> None:
    """Give every text and flag parameter of ``command`` and of its sub-commands `Ready`
    (with ``ctx``, their ``--help`` options too, which each command makes on first use)."""
    for param in command.params:
        _make_ready(param)
    if ctx is not None:
        _make_ready(command.get_help_option(ctx))
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            plain_values(sub, ctx)


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
    plain_values(command)
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
        loaded = commands.loaded(cmd_name)
        if loaded is None:
            loaded = commands[cmd_name]
            plain_values(loaded, ctx)
        return loaded

    def get_help_option(self, ctx: click.Context) -> Any:
        option = super().get_help_option(ctx)
        _make_ready(option)
        return option

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
