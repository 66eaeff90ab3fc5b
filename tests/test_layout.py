"""The package's shape: no import cycle between fundmodel's modules, no module importing a
private name of another, and fundmodel/ never importing streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("fundmodel", "fundmodel_dashboard")


def _modules(package: str) -> dict[str, Path]:
    out = {}
    for path in (ROOT / package).rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in a file, at any depth (late imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def test_no_module_imports_a_private_name_of_another() -> None:
    bad = [
        f"{path.relative_to(ROOT)}: {module}.{name}"
        for package in PACKAGES
        for path in _modules(package).values()
        for module, names in _imports(path)
        if module.split(".")[0] in PACKAGES
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not bad, bad


def test_no_import_cycle_in_fundmodel() -> None:
    modules = _modules("fundmodel")
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for m, path in modules.items():
        for module, names in _imports(path):
            targets = {f"{module}.{n}" for n in names} | {module}
            # a package's __init__ re-exporting its own submodules is not a cycle
            graph[m] |= {t for t in targets if t in modules and not t.startswith(m + ".") and t != m}

    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [])
            assert cycle is None, " -> ".join(cycle)


def test_fundmodel_never_imports_streamlit() -> None:
    bad = [
        str(path.relative_to(ROOT))
        for path in _modules("fundmodel").values()
        for module, _ in _imports(path)
        if module.split(".")[0] == "streamlit"
    ]
    assert not bad, bad
