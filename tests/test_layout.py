"""The layout rules of the package, read off the source: dependencies point one way.

Module-level imports only (imports inside functions are how commands stay light, and
``TYPE_CHECKING`` blocks never run). Package ``__init__`` modules count as importing what they
import, so a cycle through a package is found too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import lmarith

ROOT = Path(lmarith.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> set[str]:
    """Names imported when the module runs (not in functions, not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    body = list(tree.body)
    while body:
        node = body.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, (ast.If, ast.Try)):
            body += (
                node.body
                + node.orelse
                + getattr(node, "finalbody", [])
                + [n for h in getattr(node, "handlers", []) for n in h.body]
            )
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # a submodule, or a name
    return found


def graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _top_level_imports(path):
            while imported and imported not in modules:  # `from pkg import name` -> pkg (a parent
                # package's __init__ runs first for any submodule; that alone is no dependency)
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def test_no_module_imports_one_that_imports_it_back() -> None:
    edges = graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(nxt) :] + [node, nxt]))
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])


def _reach(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _imports_of(package: str) -> set[str]:
    """Everything (lmarith or third-party) the package's modules import at module level."""
    out: set[str] = set()
    for path in (ROOT / package.split(".")[-1]).rglob("*.py"):
        out |= _top_level_imports(path)
    return out


def test_dependencies_point_one_way() -> None:
    edges = graph()
    packages = {
        "machines",
        "data",
        "models",
        "execute",
        "vsa",
        "questions",
        "neurosymbolic",
        "baselines",
        "evaluation",
        "cli",
    }
    for package in packages - {"cli"}:
        reached = {m for m in _reach(edges, f"lmarith.{package}") if m.startswith("lmarith.cli")}
        assert not reached, f"lmarith.{package} imports the CLI: {reached}"
    never = {  # package -> packages it must not reach
        "machines": packages - {"machines"},
        "questions": packages - {"questions"},
        "vsa": packages - {"vsa"},
        "neurosymbolic": {"baselines", "evaluation", "execute", "machines", "data"},
        "baselines": {"neurosymbolic", "evaluation", "execute"},
        # questions: the question aligner's data (a question in words -> the expression to run)
        "executors": {"neurosymbolic", "baselines", "vsa", "evaluation"},
    }
    for package, banned in never.items():
        modules = [m for m in edges if m == f"lmarith.{package}" or m.startswith(f"lmarith.{package}.")]
        reached = set().union(*(_reach(edges, m) for m in modules))
        bad = sorted(m for m in reached if m.split(".")[1] in banned)
        assert not bad, f"lmarith.{package} reaches {bad}"


def test_the_oracle_and_the_question_text_import_no_torch() -> None:
    for package in ("machines", "questions", "data"):
        heavy = {m.split(".")[0] for m in _imports_of(package)} & {"torch", "transformers", "peft", "accelerate"}
        assert not heavy, f"lmarith.{package} imports {heavy}"
