"""Dependencies run one way: ``webapp`` and ``worker`` import ``core``; ``core`` imports neither;
``webapp`` imports nothing from ``worker`` and ``worker`` nothing from ``webapp``; ``sentiment``
knows none of them. Read from the source, so a new import cannot slip in."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "core": {"webapp", "worker", "training"},
    "webapp": {"worker", "training"},
    "worker": {"webapp", "training"},
    "sentiment": {"webapp", "worker", "core", "training", "flask", "celery"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offending.items() if names} == {}
