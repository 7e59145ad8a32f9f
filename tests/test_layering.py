"""The design's layering rules, checked on the source: ops never import NumPy (they go through
a backend's ``xp``), nothing in ember imports torch, and lower layers don't import upper ones
at module level."""

from __future__ import annotations

import ast
import pathlib

import pytest

EMBER = pathlib.Path(__file__).resolve().parent.parent / "ember"


def _module_imports(path: pathlib.Path) -> set[str]:
    """Top-level (import-time) imports of a module, as absolute-ish names."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, (ast.Try, ast.If)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import):
                    names.update(alias.name for alias in sub.names)
                elif isinstance(sub, ast.ImportFrom):
                    names.add("." * sub.level + (sub.module or ""))
    return names


def _all_imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


SOURCES = sorted(EMBER.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(EMBER)))
def test_no_torch_in_ember(path):
    assert not {n for n in _all_imports(path) if n.split(".")[0] in ("torch", "jax")}


@pytest.mark.parametrize("path", sorted((EMBER / "ops").glob("*.py")), ids=lambda p: p.name)
def test_ops_do_not_import_numpy(path):
    assert not {n for n in _all_imports(path) if n.split(".")[0] in ("numpy", "cupy", "scipy")}, \
        f"{path.name} imports an array library; use ctx.xp or the backend"


@pytest.mark.parametrize("layer,forbidden", [
    ("backends", ("..tensor", "..autograd", "..ops")),
    ("autograd", ("..ops",)),
])
def test_lower_layers_do_not_import_upper_ones(layer, forbidden):
    for path in (EMBER / layer).glob("*.py"):
        imports = _module_imports(path)
        bad = {i for i in imports if any(i.startswith(f) for f in forbidden)}
        assert not bad, f"{path.relative_to(EMBER)} imports {bad} at module level"


def test_tensor_imports_no_ops_at_module_level():
    imports = _module_imports(EMBER / "tensor.py")
    assert not {i for i in imports if i.startswith((".ops", ".autograd"))}
