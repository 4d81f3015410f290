"""The layers of docs/architecture.md, checked by import-linter with the contracts in
pyproject.toml: core ← registry ← supervision ← evaluation ← parents ← dashboard / demo, and no
import cycle inside an app. The second test proves the check can fail: the same contracts,
run on a copy of the code with one deliberate upward import, are broken."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["luhuituo", "registry", "supervision", "evaluation", "parents"]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    only = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", *only, "pyproject.toml"], cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_layers_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(("module", "upward"), [
    ("registry/_probe.py", "import supervision.models\n"),
    ("luhuituo/core/_probe.py", "from registry.models import Centre\n"),
    ("supervision/_probe.py", "def late():\n    import luhuituo.dashboard.views\n"),
])
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert lint(tmp_path, "layers").returncode == 0  # the copy alone keeps the layers
    (tmp_path / module).write_text(upward)
    result = lint(tmp_path, "layers")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_nothing_points_outside_the_repository():
    """The rules the code cites live in docs/; no file cites the design notes the project
    was started from, which are not part of it."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True, timeout=60).stdout.split()
    pattern = re.compile(r"\.\./shared/|\bDOMAIN(\.md)? §|\bDESIGN(\.md)? §")
    offenders = [
        name for name in tracked
        if Path(name).suffix in {".py", ".html", ".md", ".toml", ".txt", ".css", ".js", ".yml"}
        and pattern.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []
