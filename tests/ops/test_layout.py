"""Boundaries the code keeps: one module talks HTTP to PERP; lookup/ never knows the sandbox."""

import ast
from pathlib import Path

LOOKUP = Path(__file__).resolve().parents[2] / "lookup"


def _imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def _modules_importing(prefix):
    return sorted(
        str(path.relative_to(LOOKUP.parent))
        for path in LOOKUP.rglob("*.py")
        if any(name.split(".")[0] == prefix for name in _imported_modules(path))
    )


def test_only_the_perp_client_imports_requests():
    assert _modules_importing("requests") == ["lookup/perp/client.py"]


def test_nothing_in_lookup_imports_the_sandbox():
    assert _modules_importing("sandbox_perp") == []
