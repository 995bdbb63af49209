"""The layout rules of the package, read off the source: dependencies point one way.

Every module under ``src/lmarith`` counts (``api`` and ``cli`` included), and so does every
import in it, at any depth: an import inside a function is a dependency that is merely paid for
later. Only ``if TYPE_CHECKING:`` blocks are left out (they never run). A package's
``__init__`` counts as importing what it imports, so a cycle through a package is found too;
a package that resolves names lazily (``lmarith.models``: a table of home modules read by
``__getattr__``) has ``from package import name`` resolved to the name's home module.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

import lmarith

ROOT = Path(lmarith.__file__).parent

#: from the top down; a module may import its own layer (subject to the rules below) or lower
LAYERS: tuple[frozenset[str], ...] = tuple(
    frozenset(layer)
    for layer in (
        {"cli"},
        {"evaluation"},
        {"api"},
        {"executors", "neurosymbolic", "baselines"},
        {"data", "questions", "models", "vsa", "formats"},
        {"machines"},
        {"errors"},  # usable by all
    )
)
#: part -> parts of lmarith it must never reach, directly or through anything it imports
NEVER: dict[str, set[str]] = {
    "neurosymbolic": {"baselines", "machines", "data", "executors", "formats"},
    "baselines": {"neurosymbolic"},
    "executors": {"neurosymbolic", "baselines", "vsa"},
    # the oracle and the question text: nothing of lmarith but themselves and errors
    "machines": {p for layer in LAYERS for p in layer} - {"machines", "errors"},
    "questions": {p for layer in LAYERS for p in layer} - {"questions", "errors"},
    "vsa": {p for layer in LAYERS for p in layer} - {"vsa", "errors"},
    "errors": {p for layer in LAYERS for p in layer} - {"errors"},
}
HEAVY = {"torch", "transformers", "peft", "accelerate", "safetensors", "torchhd"}
#: the reference answers must not depend on what they check, nor the data made from them
LIGHT = ("machines", "questions", "data", "formats")
#: module basenames that may repeat across packages, and why
SAME_CONCEPT = {
    "__init__": "same concept: a package's own module",
    "__main__": "same concept: what `python -m package` runs",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of the nodes inside ``if TYPE_CHECKING:`` bodies (their ``else`` runs, so it counts)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for statement in node.body for inner in ast.walk(statement)}
    return skipped


def imports(path: Path) -> set[tuple[str, str | None]]:
    """Every import in the file, at any depth, but not under TYPE_CHECKING: (module, name)
    pairs, name None for ``import module``. Relative imports are made absolute."""
    tree = ast.parse(path.read_text())
    skipped = _type_checking_nodes(tree)
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[tuple[str, str | None]] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {(alias.name, None) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found |= {(base, alias.name) for alias in node.names}
    return found


@cache
def _lazy_homes(path: Path) -> dict[str, str]:
    """name -> home module, from a lazily resolving ``__init__``'s table (a dict literal of
    ``"lmarith.x.y": ("name", ...)``); empty for other modules."""
    homes: dict[str, str] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (
                    isinstance(key, ast.Constant)
                    and isinstance(key.value, str)
                    and key.value in modules()
                    and isinstance(value, (ast.Tuple, ast.List))
                ):
                    homes |= {e.value: key.value for e in value.elts if isinstance(e, ast.Constant)}
    return homes


def _resolve(module: str, name: str | None) -> str | None:
    """The lmarith module an import depends on, or None for a third-party one."""
    if module != "lmarith" and not module.startswith("lmarith."):
        return None
    if name is not None and f"{module}.{name}" in modules():
        return f"{module}.{name}"  # `from package import submodule`
    if name is not None and module in modules():
        lazy = _lazy_homes(modules()[module])
        if name in lazy:
            return lazy[name]
    while module not in modules():  # `import lmarith.x.y` of a name-less path: its longest module prefix
        module = module.rpartition(".")[0]
    return module


@cache
def graph() -> dict[str, frozenset[str]]:
    """module -> the lmarith modules it imports (a lazy ``__init__`` -> the homes of its table)."""
    edges: dict[str, frozenset[str]] = {}
    for name, path in modules().items():
        targets = {_resolve(module, imported) for module, imported in imports(path)}
        targets |= set(_lazy_homes(path).values())
        edges[name] = frozenset(t for t in targets if t is not None and t != name)
    return edges


def part(module: str) -> str:
    """The part of lmarith a module belongs to: ``lmarith.executors.driver`` -> ``executors``."""
    return module.split(".")[1] if "." in module else ""


def layer(module: str) -> int:
    (index,) = (i for i, names in enumerate(LAYERS) if part(module) in names)
    return index


def reach(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph()[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_graph_sees_every_module_and_function_local_imports() -> None:
    """The rules below are only as good as the graph: check it on imports we know are there."""
    names = set(modules())
    assert {"lmarith", "lmarith.api", "lmarith.cli", "lmarith.cli.app", "lmarith.errors", "lmarith.formats"} <= names
    edges = graph()
    assert "lmarith.neurosymbolic.asker" in edges["lmarith.api"]  # inside a function
    assert "lmarith.api" in edges["lmarith"]  # inside `__getattr__`
    assert "lmarith.models.loading" in edges["lmarith.models"]  # a lazy table
    assert not edges["lmarith.errors"]


def test_every_part_of_lmarith_has_a_layer() -> None:
    parts = {part(m) for m in modules()} - {""}
    assert parts == {p for names in LAYERS for p in names}, "a new part of lmarith needs a place in LAYERS"


def test_no_module_imports_a_higher_layer() -> None:
    """lmarith/__init__ is exempt: it resolves ``ask`` and ``solve`` from ``api`` on first use;
    no module inside imports it (that would hide an upward edge)."""
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph().items()
        for target in targets
        if module != "lmarith" and (target == "lmarith" or layer(target) < layer(module))
    )
    assert not upward, "imports of a higher layer:\n" + "\n".join(upward)


def test_the_parts_that_must_not_meet_never_do() -> None:
    """Listed by the import that leaves the part: every path to a banned part has one."""
    bad = []
    for module, targets in graph().items():
        banned = NEVER.get(part(module), set())
        for target in sorted(t for t in targets if part(t) != part(module)):
            found = sorted({part(t) for t in {target} | reach(target)} & banned)
            if found:
                bad.append(f"{module} -> {target} (reaches {', '.join(found)})")
    assert not bad, "\n".join(sorted(bad))


def test_no_module_imports_one_that_imports_it_back() -> None:
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt) :] + [node, nxt] if nxt in path else [node, nxt]))
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_oracle_the_question_text_and_the_data_import_no_torch() -> None:
    bad = sorted(
        f"{name} imports {module}"
        for name, path in modules().items()
        if part(name) in LIGHT
        for module, _ in imports(path)
        if module.split(".")[0] in HEAVY
    )
    assert not bad, "\n".join(bad)


def test_no_two_modules_share_a_basename() -> None:
    """``lmarith.cli.ask`` beside ``lmarith.executors.ask`` reads as one module in a traceback
    or a grep; packages count by their directory name."""
    owners: dict[str, list[str]] = defaultdict(list)
    for path in sorted(ROOT.rglob("*.py")):
        owners[path.stem].append(".".join(path.relative_to(ROOT.parent).with_suffix("").parts))
    for path in sorted(p for p in ROOT.rglob("*") if p.is_dir() and (p / "__init__.py").is_file()):
        owners[path.name].append(".".join(path.relative_to(ROOT.parent).parts) + " (package)")
    collisions = {stem: where for stem, where in owners.items() if len(where) > 1}
    unexplained = {stem: where for stem, where in collisions.items() if stem not in SAME_CONCEPT}
    allowed = sorted(collisions.keys() - unexplained.keys())
    print(f"basenames in more than one place: {unexplained or 'none'} (besides {allowed})")
    assert not unexplained, f"modules sharing a basename: {unexplained}"
