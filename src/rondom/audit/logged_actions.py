"""What the code writes to the access log, found by reading the source (ast), and what docs/access-log.md says it
writes: the pairs (object type, action). A test compares both, so the documentation and the code cannot drift
apart (issue 12, finding 5). Also `python -m rondom.audit.logged_actions` prints the table for the docs.

How a call site's pair is found:
- the object type is the string literal given to the logging function (`object_type=`, or the position the
  function takes it in, e.g. `audit.LogItem(child_id, "note", ...)`, `_log(actor, d, child_id, "case", ...)`);
- the action is an `Action.X` among the call's own arguments; else the function's default (`log_parts`: read,
  `log_shown` and `_log_shown`: search, `log_aggregate`: export; the
  `action=` of `access.log.log_change`); else, for a call that passes a decision made earlier (`audit.record`,
  `record_many`, `LogItem`), the one `Action.X` the enclosing function uses. Where that is not one action, the
  call's line says it with a comment `# logs: <action>[, <action>]`.
A call site whose object type or action cannot be told this way is reported as a problem.

A view's declaration (`rondom.access.declared`) is a call site too: ``Declaration(get=read(...), object_type="x")``
writes ("x", read) for each read it declares (`read`, `export`, or `Access(Action.X, …)` with a read action; a
search is logged by the view's `log_shown` call, a change by its service), and ("x", read) again where the class
calls `log_shown_again`. Its object type must be a literal (default "child").
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1]
DOC = SOURCE.parents[1] / "docs" / "access-log.md"
BEGIN, END = "<!-- logged-actions:begin -->", "<!-- logged-actions:end -->"


@dataclass(frozen=True)
class Logger:
    """A function that writes access-log rows: where it takes the object type, and its action if fixed."""

    object_type_position: int | None
    default_object_type: str | None = None
    default_action: str | None = None


#: Every function that writes rows, by name. Helpers that only pass on a caller's object type (their own body
#: uses a variable) are listed too, so that their call sites are read instead.
LOGGERS: dict[str, Logger] = {
    "record": Logger(None),
    "record_many": Logger(None),
    "LogItem": Logger(1),
    "_log_change": Logger(2),
    "_log_shown": Logger(None, None, "search"),
    "_log": Logger(None),
    "_log_export": Logger(1, None, "export"),
    # rondom.access.log, the one path from a decision to its row:
    "log_read": Logger(2, None, "read"),
    "log_change": Logger(None),
    "log_many": Logger(None),
    "log_aggregate": Logger(None, None, "export"),
    # rondom.access.declared (whose own source is not read: it writes what a view's Declaration says, read below).
    "log_shown": Logger(None, "child", "search"),
    "log_parts": Logger(None, None, "read"),
}
#: The functions that take a list of LogItem(...) (one row per item).
_MANY = ("record_many", "log_many")
#: The access helpers of rondom.access.declared that stand for a logged read in a Declaration.
_DECLARED_READS = {"read": "read", "export": "export"}
_READ_ACTIONS = {"read", "export", "print"}
#: Where the object type of `_log` sits differs per app: cases (actor, d, child_id, TYPE, id, ACTION) and
#: thuiszitters (actor, thuiszitter, ACTION, TYPE, id).
_LOG_POSITIONS = {"cases": 3, "thuiszitters": 3}

_PRAGMA = re.compile(r"#\s*logs:\s*([a-z, ]+)")


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _actions_in(node: ast.AST) -> set[str]:
    return {
        n.attr.lower()
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "Action"
    }


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _object_type(call: ast.Call, name: str, app: str) -> str | None:
    """The literal object type given to a logging call, or None when it passes a variable."""
    for kw in call.keywords:
        if kw.arg == "object_type":
            return _literal(kw.value)
    logger = LOGGERS[name]
    position = _LOG_POSITIONS.get(app) if name == "_log" else logger.object_type_position
    if position is not None and len(call.args) > position:
        return _literal(call.args[position])
    if name == "log_parts":  # (category, TYPE, id) tuples
        tuples = [n for n in ast.walk(call) if isinstance(n, ast.Tuple) and len(n.elts) == 3]
        found = [t for t in (_literal(n.elts[1]) for n in tuples) if t]
        return found[0] if found else None
    if name == "_log_shown":  # (child, decision, TYPE, id) tuples in the generator passed in
        tuples = [n for n in ast.walk(call) if isinstance(n, ast.Tuple) and len(n.elts) == 4]
        types = [t for t in (_literal(n.elts[2]) for n in tuples) if t]
        return types[0] if types else None
    return logger.default_object_type


def _assignments(function: ast.AST) -> dict[str, list[tuple[int, ast.expr]]]:
    """Every value assigned to each plain name in the function, with its line (tuple unpacking: the whole value)."""
    found: dict[str, list[tuple[int, ast.expr]]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        found.setdefault(name.id, []).append((node.lineno, node.value))
    return found


Assigned = dict[str, list[tuple[int, ast.expr]]]
#: Policy calls that make a decision: their Action.X argument is the decision's action.
_DECIDERS = frozenset({"require", "decide", "decide_with", "get_child_or_404", "organisation_decision"})


def _resolve(nodes: list[ast.expr], assigned: Assigned, line: int, depth: int = 3) -> set[str]:
    """The action(s) these expressions stand for: an Action.X constant, the action argument of a Decision(...) or
    of a policy call, or (following a name) the last value assigned to it before `line`."""
    actions: set[str] = set()
    for node in nodes:
        actions |= _resolve_one(node, assigned, line, depth)
    return actions


def _resolve_one(node: ast.expr, assigned: Assigned, line: int, depth: int) -> set[str]:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Action":
        return {node.attr.lower()}
    if isinstance(node, ast.Name):
        before = [(n, v) for n, v in assigned.get(node.id, []) if n < line]
        if not before or not depth:
            return set()
        lineno, value = max(before, key=lambda pair: pair[0])
        return _resolve_one(value, assigned, lineno, depth - 1)
    if isinstance(node, ast.Call):
        name = _name(node.func)
        action_kw = [kw.value for kw in node.keywords if kw.arg == "action"]
        if name == "Decision":
            return _resolve(node.args[2:3] or action_kw, assigned, line, depth)
        if name == "replace":
            return _resolve(action_kw, assigned, line, depth)
        if name in _DECIDERS:
            return _resolve([*node.args, *action_kw], assigned, line, depth)
        if name in ("record_many", "record", "log_many"):
            return set()
        if name == "for_action":
            return _resolve(node.args[:1] or action_kw, assigned, line, depth)
        if name == "system_decision":
            return _resolve(node.args[1:2] or action_kw, assigned, line, depth)
    return _resolve([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)], assigned, line, depth)


def _pragma(call: ast.Call, lines: list[str]) -> set[str]:
    for line in lines[call.lineno - 1 : getattr(call, "end_lineno", call.lineno)]:
        match = _PRAGMA.search(line)
        if match:
            return {a.strip() for a in match.group(1).split(",") if a.strip()}
    return set()


def _call_actions(call: ast.Call, name: str, assigned: Assigned, lines: list[str]) -> set[str]:
    pragma = _pragma(call, lines)
    if pragma:
        return pragma
    for kw in call.keywords:
        if kw.arg == "action":
            return _resolve([kw.value], assigned, call.lineno)
    default = LOGGERS[name].default_action
    if default:
        return {default}
    arguments = [*call.args, *(kw.value for kw in call.keywords if kw.arg != "object_type")]
    direct = {a for node in arguments for a in _resolve_one(node, assigned, call.lineno, 0)}
    return direct or _resolve(arguments, assigned, call.lineno)


def _whole_function(function: ast.AST) -> set[str]:
    """The last resort: the one Action.X the enclosing function uses (none or several: unknown)."""
    used = _actions_in(function)
    return used if len(used) == 1 else set()


def collect() -> tuple[set[tuple[str, str]], list[str]]:
    """Every (object type, action) the code can write, and the call sites that could not be read."""
    pairs: set[tuple[str, str]] = set()
    problems: list[str] = []
    for path in sorted(SOURCE.rglob("*.py")):
        parts = path.relative_to(SOURCE).parts
        if "tests" in parts or "migrations" in parts or path.name == "logged_actions.py":
            continue
        if parts == ("access", "declared.py"):
            continue  # the resolver: its rows are read from each view's Declaration
        source = path.read_text(encoding="utf-8")
        lines, tree, app = source.splitlines(), ast.parse(source), parts[0]
        found, trouble = _declared_pairs(tree, f"{path.relative_to(SOURCE.parent)}")
        pairs |= found
        problems += trouble
        for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]:
            nested = {
                id(n)
                for f in ast.walk(function)
                if f is not function and isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                for n in ast.walk(f)
            }
            if function.name in LOGGERS:
                continue  # a logging helper: its callers say what it logs
            assigned = _assignments(function)
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or id(call) in nested:
                    continue
                name = _name(call.func)
                if name not in LOGGERS or (name in ("record", "record_many") and not _is_audit_call(call)):
                    continue
                if name == "_log" and app not in _LOG_POSITIONS:
                    continue
                where = f"{path.relative_to(SOURCE.parent)}:{call.lineno}"
                if name in _MANY:
                    items = [c for c in ast.walk(call) if isinstance(c, ast.Call) and _name(c.func) == "LogItem"]
                    types = {_literal(c.args[1]) if len(c.args) > 1 else None for c in items}
                    if not items:  # a list built earlier: its LogItem(...) calls are read where they are
                        continue
                    if None in types:
                        problems.append(f"{where}: cannot tell the object type")
                        continue
                    object_types = {t for t in types if t}
                    actions = _call_actions(call, name, assigned, lines)
                elif name == "LogItem":
                    if any(id(call) in {id(c) for c in ast.walk(outer)} for outer in _record_many_calls(function)):
                        continue  # read with the record_many(...) call around it
                    object_type = _object_type(call, name, app)
                    if object_type is None:
                        problems.append(f"{where}: cannot tell the object type")
                        continue
                    object_types = {object_type}
                    actions = _pragma(call, lines) or _whole_function(function)
                else:
                    object_type = _object_type(call, name, app)
                    if object_type is None:
                        problems.append(f"{where}: cannot tell the object type")
                        continue
                    object_types = {object_type}
                    actions = _call_actions(call, name, assigned, lines)
                actions = actions or _whole_function(function)
                if not actions:
                    problems.append(f"{where}: cannot tell the action (add '# logs: <action>' on the line)")
                    continue
                pairs |= {(t, a) for t in object_types for a in actions}
    return pairs, problems


def _declared_pairs(tree: ast.Module, where: str) -> tuple[set[tuple[str, str]], list[str]]:
    """The pairs the views of one module declare: each Declaration(...) call's object type with its reads."""
    pairs: set[tuple[str, str]] = set()
    problems: list[str] = []
    for owner in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.Module | ast.FunctionDef)]:
        body_calls = [
            c
            for stmt in getattr(owner, "body", [])
            if not isinstance(stmt, ast.ClassDef | ast.FunctionDef)
            for c in ast.walk(stmt)
            if isinstance(c, ast.Call) and _name(c.func) == "Declaration"
        ]
        if isinstance(owner, ast.FunctionDef):  # a function view's decorator: @declares(Declaration(...))
            body_calls = [
                c
                for d in owner.decorator_list
                for c in ast.walk(d)
                if isinstance(c, ast.Call) and _name(c.func) == "Declaration"
            ]
        shown_again = isinstance(owner, ast.ClassDef) and any(
            isinstance(c, ast.Call) and _name(c.func) == "log_shown_again" for c in ast.walk(owner)
        )
        for call in body_calls:
            object_type: str | None = "child"
            for kw in call.keywords:
                if kw.arg == "object_type":
                    object_type = _literal(kw.value)
            if object_type is None:
                problems.append(f"{where}:{call.lineno}: cannot tell the object type of the declaration")
                continue
            actions: set[str] = set()
            for kw in call.keywords:
                value = kw.value
                if kw.arg in ("get", "post", "put", "patch", "delete") and isinstance(value, ast.Call):
                    name = _name(value.func)
                    if name in _DECLARED_READS:
                        actions.add(_DECLARED_READS[name])
                    elif name == "Access":
                        actions |= _actions_in(value) & _READ_ACTIONS
            if shown_again:
                actions.add("read")
            pairs |= {(object_type, a) for a in actions}
    return pairs, problems


def _record_many_calls(function: ast.AST) -> list[ast.Call]:
    return [
        c
        for c in ast.walk(function)
        if isinstance(c, ast.Call)
        and (_name(c.func) == "log_many" or (_name(c.func) == "record_many" and _is_audit_call(c)))
    ]


def _is_audit_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "audit"


def documented() -> set[tuple[str, str]]:
    """The pairs in the table between the markers in docs/access-log.md: `| object type | action, action | … |`."""
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    pairs: set[tuple[str, str]] = set()
    for row in table.splitlines():
        cells = [c.strip().strip("`") for c in row.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0] or set(cells[0]) <= {"-"} or cells[0] == "object type":
            continue
        pairs |= {(cells[0], a.strip().strip("`")) for a in cells[1].split(",") if a.strip()}
    return pairs


if __name__ == "__main__":  # pragma: no cover - a helper for writing the docs
    found, trouble = collect()
    by_type: dict[str, set[str]] = {}
    for object_type, action in found:
        by_type.setdefault(object_type, set()).add(action)
    for object_type in sorted(by_type):
        print(f"| `{object_type}` | {', '.join(sorted(by_type[object_type]))} |")
    for problem in trouble:
        print("PROBLEM", problem)
