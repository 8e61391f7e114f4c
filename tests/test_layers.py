"""The package layout holds: no import cycle, and no module imports from a layer above it.

Layers, lowest first (README "How the code is laid out"): the vocabulary (errors,
findings), format, model, git and crypto, state, rules, audit, reports, commands, hooks,
cli. Lazy imports inside functions count too: a cycle hidden in a function is still one.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "techxfer"
LAYERS = {
    "techxfer": 0, "errors": 0, "findings": 0, "format": 1, "model": 2, "git": 3, "crypto": 3,
    "state": 4, "rules": 5, "audit": 6, "reports": 7, "commands": 8, "hooks": 9, "cli": 10,
    "__main__": 11,
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports() -> dict[str, set[str]]:
    """Every techxfer module and the techxfer modules it imports, anywhere in its body."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("techxfer"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("techxfer")}
        found[name] = {t for t in targets if t != name}
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else parts[0]]


def test_every_module_belongs_to_a_layer() -> None:
    for module in imports():
        layer(module)  # KeyError names a module outside the layout


def test_no_module_imports_from_a_layer_above_it() -> None:
    upward = sorted(f"{m} -> {t}" for m, targets in imports().items() for t in targets
                    if layer(t) > layer(m))
    assert upward == []


def test_no_import_cycle() -> None:
    graph = imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []
