"""The import graph between Rondom's apps: no cycle, no import inside a function to dodge one, and the layers of
docs/architecture.md.

The graph, precisely:
- A node is an app or package under src/rondom (`access`, `core`, `records`, ...) or a shared module directly under
  it (`rondom.versioning`). An app's web layer is a node of its own, `<app>.web`: views.py, api.py, urls.py,
  api_urls.py, forms.py, admin.py, context_processors.py, permissions.py (DRF permission classes) and the
  templatetags/ and management/ folders. The web layer sits on top of every domain (a page may show what several
  apps hold), so it may import any app; no domain module may import a web layer of another app.
- An edge a -> b is an import statement in a module of a that names a module of b and runs when the module is
  imported: at module level, also inside `try`, `if` and class bodies. Imports inside functions are listed apart
  (the second test). Imports under `if TYPE_CHECKING:` are not edges: they never run, so they cannot close an
  import cycle; mypy checks them.
- tests/ and migrations/ folders are left out.
"""

from __future__ import annotations

import ast
import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "src" / "rondom"

#: permissions.py holds DRF permission classes, which only API views use.
WEB_FILES = frozenset(
    {"views.py", "api.py", "urls.py", "api_urls.py", "forms.py", "admin.py", "context_processors.py", "permissions.py"}
)
WEB_FOLDERS = frozenset({"templatetags", "management"})
SKIPPED_FOLDERS = frozenset({"tests", "migrations"})

#: Edges of a cycle that another slice of issue 13 breaks, so that this test can pass before its branch is merged.
#: Each entry: (from node, to node) -> who removes it. The merger empties this after merging that slice: an entry
#: whose edge no longer exists fails `test_allowed_cycle_edges_are_still_needed`.
#: The {feedback, funding} cycle (slice "monitoring") was held by `SchoolYear`, which lived in funding.indicators;
#: since it lives in rondom.core.schoolyear, feedback no longer imports funding and nothing is left to allow here.
CYCLE_EDGES_OWNED_ELSEWHERE: dict[tuple[str, str], str] = {}

#: Imports of another app inside a function, each with its reason. Dodging an import cycle is never a reason.
FUNCTION_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {
    # Django app loading: AppConfig.ready runs once every app's models are loaded; rondom.access.grounds (and the
    # provider it registers) read models, which cannot be imported while apps.py itself is being imported.
    ("attendance/apps.py", "rondom.access"): "registers the open-signal ground in AppConfig.ready",
    ("swv/apps.py", "rondom.access"): "registers the samenwerkingsverband's request ground in AppConfig.ready",
    ("thuiszitters/apps.py", "rondom.access"): "registers the escalation ground in AppConfig.ready",
    ("cases/apps.py", "rondom.access"): "registers the request-for-help ground in AppConfig.ready",
    ("transfers/apps.py", "rondom.access"): "registers the warm-transfer grounds in AppConfig.ready",
}

#: The layers, lowest first (docs/architecture.md). An app imports only from its own layer or a lower one; apps not
#: named here are domain apps. Within a layer the cycle test keeps the order.
LAYERS: list[tuple[str, frozenset[str]]] = [
    ("kernel", frozenset({"core", "schoolcalendar", "config"})),  # and the shared modules rondom.<module>
    ("access log", frozenset({"audit"})),
    ("accounts", frozenset({"accounts"})),
    ("data", frozenset({"registry", "consent", "notifications"})),
    ("access", frozenset({"access"})),
    ("domain", frozenset()),  # records, cases, attendance, thuiszitters, retention, portal, feedback, funding, ...
    ("demo", frozenset({"demo"})),
    ("web", frozenset()),  # every <app>.web
]


@dataclass
class Graph:
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    #: (from, to) -> where: "path:line" of each import that makes the edge.
    sites: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    #: (path, line, imported module, node of that module) of imports of another app inside a function.
    function_imports: list[tuple[str, int, str, str]] = field(default_factory=list)


def node_of_file(root: Path, path: Path) -> str | None:
    """The node a source file belongs to, or None for tests and migrations."""
    parts = path.relative_to(root).parts
    if len(parts) == 1:
        return f"rondom.{path.stem}"
    if SKIPPED_FOLDERS & set(parts[1:-1]):
        return None
    if parts[1] in WEB_FOLDERS or (len(parts) == 2 and parts[1] in WEB_FILES):
        return f"{parts[0]}.web"
    return parts[0]


def node_of_module(root: Path, module: str) -> str | None:
    """The node an imported module belongs to, or None when it is not part of rondom."""
    parts = module.split(".")
    if parts[0] != "rondom" or len(parts) < 2:
        return None
    if (root / f"{parts[1]}.py").is_file():
        return f"rondom.{parts[1]}"
    if len(parts) > 2 and (parts[2] in WEB_FOLDERS or f"{parts[2]}.py" in WEB_FILES):
        return f"{parts[1]}.web"
    return parts[1]


def _imported_modules(node: ast.Import | ast.ImportFrom, path: Path, root: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = list(path.relative_to(root.parent).with_suffix("").parts[: -node.level])
        base = ".".join(package + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    if base == "rondom":  # from rondom import versioning
        return [f"rondom.{alias.name}" for alias in node.names]
    return [base]


def _app(node: str) -> str:
    """The app of a node: `cases` for `cases` and `cases.web`; a shared module is its own app."""
    return node if node.startswith("rondom.") else node.split(".")[0]


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement that can run, with whether it sits inside a function (or lambda)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:  # the run-time branch of `if TYPE_CHECKING: ... else: ...`
                yield from _imports(ast.Module(body=[other], type_ignores=[]), in_function)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, in_function
        nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        yield from _imports(child, nested)


def build_graph(root: Path = ROOT) -> Graph:
    """Read every module under `root` (ast only, nothing is imported) and return the app graph."""
    graph = Graph()
    for path in sorted(root.rglob("*.py")):
        source = node_of_file(root, path)
        if source is None:
            continue
        relative = path.relative_to(root).as_posix()
        for statement, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for module in _imported_modules(statement, path, root):
                target = node_of_module(root, module)
                if target is None or _app(target) == _app(source):
                    continue  # not rondom, or the app's own modules (its web layer included)
                if in_function:
                    graph.function_imports.append((relative, statement.lineno, module, target))
                else:
                    graph.edges[source].add(target)
                    graph.sites[(source, target)].append(f"{relative}:{statement.lineno}")
    return graph


@functools.cache
def project_graph() -> Graph:
    """The graph of src/rondom, read once per test run."""
    return build_graph(ROOT)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each sorted; sorted by first node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(edges) | {w for targets in edges.values() for w in targets}):
        if v not in index:
            connect(v)
    return sorted(found)


def layer_of(node: str) -> int:
    if node.endswith(".web"):
        return len(LAYERS) - 1
    app = node.split(".")[0] if not node.startswith("rondom.") else "core"
    for number, (_name, apps) in enumerate(LAYERS):
        if app in apps:
            return number
    return next(number for number, (name, _apps) in enumerate(LAYERS) if name == "domain")


def _explain(graph: Graph, component: list[str]) -> str:
    lines = [f"cycle between {', '.join(component)}:"]
    for a in component:
        for b in sorted(graph.edges[a] & set(component)):
            lines.append(f"  {a} -> {b}  ({', '.join(graph.sites[(a, b)][:3])})")
    return "\n".join(lines)


def test_the_app_graph_has_no_cycle() -> None:
    graph = project_graph()
    edges = {a: {b for b in targets if (a, b) not in CYCLE_EDGES_OWNED_ELSEWHERE} for a, targets in graph.edges.items()}
    found = cycles(edges)
    assert not found, "\n".join(_explain(graph, component) for component in found)


def test_allowed_cycle_edges_are_still_needed() -> None:
    graph = project_graph()
    stale = [edge for edge in CYCLE_EDGES_OWNED_ELSEWHERE if edge[1] not in graph.edges.get(edge[0], set())]
    assert not stale, f"these edges are gone: remove them from CYCLE_EDGES_OWNED_ELSEWHERE: {stale}"


def test_no_app_imports_another_inside_a_function_without_a_reason() -> None:
    graph = project_graph()
    unexplained = [
        f"{path}:{line} imports {module}"
        for path, line, module, _target in graph.function_imports
        if (path, module) not in FUNCTION_IMPORTS_ALLOWED
    ]
    assert not unexplained, (
        "move these imports to the top of the module (and break the cycle they dodge), or add them to "
        "FUNCTION_IMPORTS_ALLOWED with a reason that is not a cycle:\n" + "\n".join(unexplained)
    )
    used = {(path, module) for path, _line, module, _target in graph.function_imports}
    assert set(FUNCTION_IMPORTS_ALLOWED) <= used, f"stale entries: {set(FUNCTION_IMPORTS_ALLOWED) - used}"


def test_every_import_goes_down_the_layers() -> None:
    graph = project_graph()
    upward = [
        f"{a} ({LAYERS[layer_of(a)][0]}) -> {b} ({LAYERS[layer_of(b)][0]}): {', '.join(graph.sites[(a, b)][:3])}"
        for a, targets in sorted(graph.edges.items())
        for b in sorted(targets)
        if layer_of(b) > layer_of(a)
    ]
    assert not upward, "imports that go up a layer (docs/architecture.md):\n" + "\n".join(upward)


def test_the_kernel_imports_no_app() -> None:
    graph = project_graph()
    assert not graph.edges.get("core"), f"rondom.core imports {sorted(graph.edges['core'])}"


def test_the_check_finds_a_cycle_and_a_late_import(tmp_path: Path) -> None:
    """The checker itself: two apps that import each other, one of them also inside a function, and a web layer
    that imports both (which is no cycle)."""
    root = tmp_path / "rondom"
    for app in ("alpha", "beta"):
        (root / app).mkdir(parents=True)
        (root / app / "__init__.py").write_text("")
    (root / "alpha" / "models.py").write_text("from rondom.beta.models import B\n")
    (root / "alpha" / "views.py").write_text("from rondom.beta import services\nfrom . import models\n")
    (root / "beta" / "models.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rondom.alpha.views import V\n"
    )
    (root / "beta" / "services.py").write_text(
        "from rondom.alpha import models\n\ndef late():\n    from rondom.alpha.views import V\n"
    )
    (root / "beta" / "tests").mkdir()
    (root / "beta" / "tests" / "test_x.py").write_text("from rondom.alpha.views import V\n")
    graph = build_graph(root)
    assert graph.edges == {"alpha": {"beta"}, "alpha.web": {"beta"}, "beta": {"alpha"}}
    assert cycles(graph.edges) == [["alpha", "beta"]]
    assert graph.function_imports == [("beta/services.py", 4, "rondom.alpha.views", "alpha.web")]
