"""The package's layers, read from its imports: each folder imports only what lies below it, and no
module imports itself back through others (every import counts, also those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kokoro_cli"

# Rank of each layer, top down. An import must point to a lower rank, or stay inside its own
# group (a folder, or the base modules). The floor under the pipeline is ordered too: audio reads
# the text front end's alignment and the model's facts, documents hand text to the front end.
LAYERS: dict[str, tuple[int, str]] = {
    "kokoro_cli.__main__": (90, "main"),
    "kokoro_cli.commands": (80, "commands"),
    "kokoro_cli.serve": (70, "serve"),
    "kokoro_cli.jobs": (70, "jobs"),
    "kokoro_cli": (60, "package"),  # re-exports the API's names (lazily)
    "kokoro_cli.api": (50, "api"),
    "kokoro_cli.pipeline": (40, "pipeline"),
    "kokoro_cli.audio": (34, "audio"),
    "kokoro_cli.documents": (32, "documents"),
    "kokoro_cli.text": (30, "text"),
    "kokoro_cli.model": (30, "model"),
}
BASE = ("errors", "paths", "atomic", "inputs", "pauses", "version")  # anyone may use these
LIBRARY_RANK = 50  # the API and everything under it: no printing, no exiting


def modules(root: Path = ROOT) -> dict[str, Path]:
    return {
        ".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
        for p in (root / "kokoro_cli").rglob("*.py")
    }


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports, wherever the import sits."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for a in node.names:  # `from pkg import module` imports the module
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base)
    return {m for m in found if m in known and m != name}


def layer(name: str) -> tuple[int, str]:
    if name.removeprefix("kokoro_cli.") in BASE:
        return 10, "base"
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return LAYERS[".".join(parts[:n])]
    raise AssertionError(f"{name} is in no layer: add its folder to LAYERS")


def upward(graph: dict[str, set[str]]) -> list[str]:
    """Imports that point to a layer above or beside their own."""
    wrong = []
    for name, targets in graph.items():
        rank, group = layer(name)
        for target in sorted(targets):
            their_rank, their_group = layer(target)
            if their_group != group and their_rank >= rank:
                wrong.append(f"{name} imports {target}")
    return wrong


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan's SCCs)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def graph_of(root: Path = ROOT) -> dict[str, set[str]]:
    found = modules(root)
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def test_every_import_points_down() -> None:
    assert upward(graph_of()) == []


def test_no_module_imports_itself_back() -> None:
    assert circles(graph_of()) == []


def test_few_modules_sit_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top
    for folder in ("commands", "serve", "jobs", "model", "audio", "text", "documents"):
        assert (PACKAGE / folder / "__init__.py").is_file(), folder


@pytest.mark.parametrize(
    ("importer", "target", "what"),
    [
        ("kokoro_cli.model.weights", "kokoro_cli.jobs.book", "upward"),
        ("kokoro_cli.text.markup", "kokoro_cli.audio.sinks", "upward"),
        ("kokoro_cli.serve.server", "kokoro_cli.jobs.batch", "beside"),
        ("kokoro_cli.text.numbers", "kokoro_cli.text.normalize_en", "circle"),
    ],
)
def test_the_checks_catch_a_wrong_import(importer: str, target: str, what: str) -> None:
    graph = graph_of()
    graph[importer] = graph[importer] | {target}
    if what == "circle":
        assert any(importer in c and target in c for c in circles(graph))
    else:
        assert f"{importer} imports {target}" in upward(graph)


def test_library_code_never_prints_or_exits() -> None:
    for name, path in modules().items():
        if layer(name)[0] > LIBRARY_RANK:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = ast.unparse(node.func)
                assert func not in ("print", "sys.exit", "exit", "os._exit"), (name, node.lineno)
