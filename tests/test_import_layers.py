"""The layers hold: `lint-imports` keeps every contract of pyproject.toml, and a module that
breaks one (a console module importing the API) is caught."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports() -> str:
    found = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    # import-linter is a test dependency (pyproject.toml): its absence is a broken setup.
    assert Path(found).exists(), (
        "lint-imports not found: run `make test` (pip install -e '.[test]')"
    )
    return found


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_lint_imports(), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_import_contract_is_kept() -> None:
    done = _run(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_an_import_across_front_ends_breaks_the_contracts(tmp_path: Path) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "jingban", copy / "jingban", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "jingban" / "console" / "stray.py").write_text("import jingban.api.public\n")
    done = subprocess.run(
        [_lint_imports(), "--no-cache"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "jingban.console.stray -> jingban.api.public" in done.stdout
