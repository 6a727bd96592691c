"""The structure ARCHITECTURE.md describes: module-level imports inside tinygrad_ref form no cycle (no module
is filled in by another after import), and only backend.py imports CuPy."""

import ast
from pathlib import Path

import numpy as np
import pytest

import tinygrad_ref as tg
from tinygrad_ref import autograd, ops

PACKAGE = Path(tg.__file__).parent


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports():
    """{module: set of tinygrad_ref modules it imports at module level (not inside functions)}."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
                for alias in node.names:  # `from . import x` names a module when x is one
                    edges.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in files else target)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                edges |= {n for n in names if n in files}
        graph[name] = edges - {name}
    return graph


def test_module_imports_form_no_cycle():
    graph, state = module_imports(), {}

    def visit(module, path):
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", "import cycle: " + " -> ".join(path + [module])
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            visit(target, path + [module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])
    assert "tinygrad_ref.tensor" not in graph["tinygrad_ref.autograd"]
    assert not hasattr(autograd, "Tensor")  # nothing is injected into autograd after import


def test_only_backend_mentions_cupy():
    users = sorted(module_name(p) for p in PACKAGE.rglob("*.py") if "import cupy" in p.read_text())
    assert users == ["tinygrad_ref.backend"]


def test_ops_need_one_tensor_input_and_the_creation_functions_provide_it():
    with pytest.raises(TypeError, match="Add.apply needs at least one Tensor input, got float, float"):
        ops.Add.apply(1.0, 2.0)
    z = tg.where(np.array([True, False]), 1.0, 2.0)
    assert z.tolist() == [1.0, 2.0] and z.dtype == np.float32
    assert tg.maximum([1.0, 5.0], 3.0).tolist() == [3.0, 5.0]
