"""The house: one import package (irrkit) and no import circles between its modules.

The import graph is read from the source (every ``import`` and ``from ... import``, at module level and inside
functions), with the repository's folders mapped as pyproject.toml maps them: reliability/ -> irrkit,
cli/ -> irrkit.cli, codebooks/ -> irrkit.codebooks.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = None

ROOT = Path(__file__).resolve().parent.parent


def _package_dirs() -> dict[str, Path]:
    if tomllib is None:
        return {"irrkit": ROOT / "reliability", "irrkit.cli": ROOT / "cli", "irrkit.codebooks": ROOT / "codebooks"}
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {k: ROOT / v for k, v in conf["tool"]["setuptools"]["package-dir"].items()}


def modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> file."""
    dirs = _package_dirs()
    out: dict[str, Path] = {}
    for pkg, folder in dirs.items():
        for f in folder.rglob("*.py"):
            rel = f.relative_to(folder).with_suffix("").parts
            if rel[-1] == "__init__":
                rel = rel[:-1]
            name = ".".join((pkg, *rel))
            # a file under a folder mapped elsewhere belongs to the longer mapping
            if not any(other != pkg and other.startswith(pkg + ".") and f.is_relative_to(d)
                       for other, d in dirs.items()):
                out[name] = f
    return out


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (imports for type hints only)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    return [n for n in ast.walk(tree) if id(n) not in skip]


def import_graph(runtime_only: bool = False) -> dict[str, set[str]]:
    mods = modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, f in mods.items():
        package = name if f.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in (_runtime_nodes(tree) if runtime_only else ast.walk(tree)):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                while t and t not in mods:
                    t = t.rpartition(".")[0]
                if t and t != name and not (name.startswith(t + ".") and mods[t].name == "__init__.py"):
                    graph[name].add(t)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circles() -> None:
    graph = import_graph()
    assert len(graph) > 50  # the reader found the package
    assert circles(graph) == []


# the floors of the house: a package imports (at run time) only from packages on lower floors
FLOORS = {"irrkit.errors": 0, "irrkit.ratings": 0, "irrkit.statistics": 1, "irrkit.analysis": 2,
          "irrkit.episodes": 2, "irrkit.planning": 2, "irrkit.codebooks": 3, "irrkit.readers": 4, "irrkit.outputs": 5,
          "irrkit.workflows": 6, "irrkit.cli": 7, "irrkit": 8}


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_every_import_goes_down_a_floor() -> None:
    """statistics < analysis, episodes, planning < codebooks < readers < outputs < workflows < cli: the formulas
    know nothing of files, outputs render results without running workflows, the CLI sits on top."""
    up = [(a, b) for a, bs in import_graph(runtime_only=True).items() for b in bs
          if _package(a) != _package(b) and FLOORS[_package(a)] <= FLOORS[_package(b)]]
    assert up == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_one_top_level_package() -> None:
    """Every module installs under irrkit: nothing else lands at the top of site-packages."""
    conf = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert all(m.split(".")[0] == "irrkit" for m in modules())
    assert 'irrkit = "irrkit.cli.main:run"' in conf


def test_no_module_imports_the_old_names() -> None:
    for name, f in modules().items():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and not node.level:
                assert node.module.split(".")[0] not in ("reliability", "cli", "codebooks"), (name, node.module)
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] not in ("reliability", "cli", "codebooks") for a in node.names)


def test_the_wheel_holds_one_package_with_its_codebooks_and_demo_data(tmp_path) -> None:
    """Build the wheel as ``pip install .`` does and read its file list: only irrkit at the top level (no
    ``reliability``, ``cli`` or ``codebooks`` beside PyPI packages of those names), the codebooks and the demo
    data inside it."""
    import subprocess
    import zipfile

    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = tmp_path.glob("irrkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"irrkit"}
    assert {"irrkit/codebooks/crying-forms.yaml", "irrkit/codebooks/interventions.yaml",
            "irrkit/codebooks/crying-episodes.yaml", "irrkit/codebooks/schema.json",
            "irrkit/cli/demo/crying-forms_coder_A.csv", "irrkit/statistics/chance_corrected.py"} <= set(names)
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "irrkit = irrkit.cli.main:run" in zipfile.ZipFile(wheel).read(entry).decode()
