"""docs/access-log.md lists every (object type, action) the code writes to the access log, and nothing else
(issue 12, finding 5: "the docs and the code agree"). The code's pairs are read from the source by
rondom.audit.logged_actions; the documented ones from the table between the markers in the doc."""

from __future__ import annotations

import ast
import textwrap

from rondom.audit import logged_actions


def test_every_logged_action_in_the_code_is_documented_and_every_documented_one_is_written() -> None:
    written, problems = logged_actions.collect()
    assert problems == []
    documented = logged_actions.documented()
    assert sorted(written - documented) == [], "written by the code but not in docs/access-log.md"
    assert sorted(documented - written) == [], "in docs/access-log.md but written nowhere in the code"


def test_the_doc_table_is_read_with_several_actions_per_row(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "access-log.md"
    doc.write_text(
        f"before\n{logged_actions.BEGIN}\n| object type | actions | what |\n|---|---|---|\n"
        f"| `note` | create, `read` | a note |\n{logged_actions.END}\n| `outside` | read | |\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(logged_actions, "DOC", doc)
    assert logged_actions.documented() == {("note", "create"), ("note", "read")}


def _actions_of(source: str) -> set[str]:
    function = ast.parse(textwrap.dedent(source)).body[0]
    call = next(n for n in ast.walk(function) if isinstance(n, ast.Call) and logged_actions._name(n.func) == "record")
    return logged_actions._call_actions(
        call, "record", logged_actions._assignments(function), textwrap.dedent(source).splitlines()
    )


def test_the_action_of_a_decision_is_the_last_one_assigned_before_the_log_call() -> None:
    assert _actions_of(
        """
        def withdraw(actor, child):
            decision = policy.require(actor, child, Action.READ, "identity")
            decision = Decision(True, True, Action.UPDATE, "support", decision.basis, decision.bases)
            audit.record(actor, decision, child.pk, object_type="consent", object_id=1)
        """
    ) == {"update"}


def test_a_comment_on_the_log_call_says_the_action_where_the_source_cannot() -> None:
    assert _actions_of(
        """
        def log(actor, decision, child):
            audit.record(actor, decision, child.pk, object_type="x", object_id=1)  # logs: read, search
        """
    ) == {"read", "search"}
