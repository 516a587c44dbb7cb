"""Shared fixtures of the calendar tests: a temporary database and ways to run the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from jingban.cli.main import main

NOTICES = Path(__file__).parent / "notices"


@dataclass(frozen=True)
class Run:
    """The outcome of one `jingban` invocation."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture
def notices_dir() -> Path:
    """The directory of the fixture notice files."""
    return NOTICES


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite database per test, named by JINGBAN_DATABASE_URL; cwd is tmp_path."""
    url = f"sqlite:///{tmp_path / 'jingban.db'}"
    monkeypatch.setenv("JINGBAN_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


@pytest.fixture
def jingban(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Run]:
    """Run `jingban ARGS…` in this process through `main()`, the console script's entry
    point, so user errors go through its exit-code path."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["jingban", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


@pytest.fixture
def jingban_process(db_url: str, tmp_path: Path) -> Callable[..., Run]:
    """Run the installed `jingban` console script in a subprocess."""
    script = shutil.which("jingban", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "jingban.cli.main"]

    def run(*args: str) -> Run:
        env = {**os.environ, "JINGBAN_DATABASE_URL": db_url, "PYTHONIOENCODING": "utf-8"}
        proc = subprocess.run(
            [*command, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run
