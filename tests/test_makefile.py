"""`make run` and `make test` as a newcomer types them (dry runs: `make -n` prints the
commands without running them)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _dry(*args: str) -> list[str]:
    # `make` is how the suite itself is run (`make test`), so it is there wherever this is
    assert shutil.which("make") is not None, "make is not installed"
    done = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.splitlines()


def test_make_run_takes_port_and_host() -> None:
    lines = _dry("run", "PORT=8123", "HOST=0.0.0.0")
    serve = [line for line in lines if "jingban serve" in line]
    assert serve and serve[-1].split()[-4:] == ["--host", "0.0.0.0", "--port", "8123"]
    assert any("jingban demo --if-empty" in line for line in lines)


def test_make_run_defaults_to_jingban_serve_s_own() -> None:
    serve = [line for line in _dry("run") if "jingban serve" in line]
    assert serve and serve[-1].rstrip().endswith("jingban serve")  # 8000 on 127.0.0.1


def test_make_test_shows_skip_reasons() -> None:
    pytest_lines = [line for line in _dry("test") if "-m pytest" in line]
    assert pytest_lines and "-rs" in pytest_lines[-1].split()
