"""One logging path (issue 13, acceptance): outside `access/` and `audit/` no code builds a `Decision(...)` or
`Basis(...)` by hand and none calls `audit.services.record`/`record_many`/`record_aggregate`, however imported.
Services log through `rondom.access.log`, which checks that the decision's ground allows what is logged
(`Decision.for_action`), and the system's own accesses are named rows of `access.rules.SYSTEM_RULES`.

The scan reads the source (ast) of src/rondom, leaving out tests and migrations (a test may write any row it
needs to set up a case). `core/` is where the kernel keeps the plain Decision/Basis types."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "rondom"
ALLOWED_APPS = {"access", "audit", "core"}
BUILDERS = {"Decision", "Basis"}
WRITERS = {"record", "record_many", "record_aggregate"}
AUDIT_MODULE = "rondom.audit.services"


def offences(source: str) -> list[tuple[int, str]]:
    """(line, what) for every hand-built Decision/Basis and every call of an audit.services writer in `source`."""
    tree = ast.parse(source)
    modules: set[str] = set()  # names bound to rondom.audit.services
    packages: set[str] = set()  # names bound to rondom.audit (then `.services.record(...)`)
    roots: set[str] = set()  # `import rondom...`: rondom.audit.services.record(...)
    functions: dict[str, str] = {}  # local name -> writer imported by name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                local = alias.asname or alias.name
                if full == AUDIT_MODULE:
                    modules.add(local)
                elif full == "rondom.audit":
                    packages.add(local)
                elif node.module == AUDIT_MODULE and alias.name in WRITERS:
                    functions[local] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == AUDIT_MODULE and alias.asname:
                    modules.add(alias.asname)
                elif alias.name == "rondom.audit" and alias.asname:
                    packages.add(alias.asname)
                elif alias.name.startswith("rondom"):
                    roots.add("rondom")
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name in BUILDERS:
            found.append((node.lineno, f"{name}(...) built by hand"))
        elif isinstance(func, ast.Name) and func.id in functions:
            found.append((node.lineno, f"audit.services.{functions[func.id]} called"))
        elif (
            isinstance(func, ast.Attribute) and func.attr in WRITERS and _is_audit(func.value, modules, packages, roots)
        ):
            found.append((node.lineno, f"audit.services.{func.attr} called"))
    return found


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_audit(node: ast.expr, modules: set[str], packages: set[str], roots: set[str]) -> bool:
    dotted = _dotted(node)
    return (
        dotted in modules
        or any(dotted == f"{p}.services" for p in packages)
        or ("rondom" in roots and dotted == AUDIT_MODULE)
    )


def offenders() -> dict[str, list[tuple[int, str]]]:
    """Every source file outside access/, audit/ and core/ (tests and migrations left out) with its offences."""
    result = {}
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        if parts[0] in ALLOWED_APPS or "tests" in parts or "migrations" in parts:
            continue
        found = offences(path.read_text(encoding="utf-8"))
        if found:
            result["/".join(parts)] = found
    return result


def test_no_module_outside_access_and_audit_builds_a_decision_or_writes_the_log_by_hand() -> None:
    """Services, views and endpoints alike (issue 13): views declare their access (rondom.access.declared), services
    and aggregate exports log through rondom.access.log, decisions come from rondom.access.policy."""
    assert offenders() == {}, "log through rondom.access.log and take decisions from rondom.access.policy"


def test_the_scan_finds_every_way_of_reaching_the_writers_and_builders() -> None:
    source = textwrap.dedent(
        """
        import rondom.audit.services
        import rondom.audit.services as log_module
        from rondom import audit
        from rondom.audit import services as audit_services
        from rondom.audit.services import record_many as write_rows
        from rondom.access import policy
        from rondom.access.policy import Basis

        def f(user, decision, child):
            audit.services.record(user, decision, child.pk)
            audit_services.record_aggregate(user, None, category="support", object_type="x", object_id=1, ref="r")
            log_module.record_many(user, decision, [])
            rondom.audit.services.record(user, decision, 1)
            write_rows(user, decision, [])
            policy.Decision(True, True, "read", "support")
            Basis("school_role", {})
            policy.decide(user, child, "read", "support")
            log.log_read(user, decision, child, object_type="child")
            other.record(1)
        """
    )
    assert [line for line, _what in offences(source)] == [11, 12, 13, 14, 15, 16, 17]
