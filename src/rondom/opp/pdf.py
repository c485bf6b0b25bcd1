"""The printable plan / OPP (issue 16, point 2: "a printable PDF of the plan/OPP with a signature block exists for
families who prefer paper"). reportlab through rondom.pdf (DejaVu Sans, so every name prints as written).

`opp_pdf(plan, version, today=...)` gives the PDF of one plan version: the child, the goals, the OPP's parts (when the
plan is an OPP), the handelingsdeel as a table, the child's voice and the parents' view, the evaluations with the
parents, and a signature block: one line per parent with authority (name, date, signature) and one for the school.
Other parts (the instemming on paper, the SWV request) reuse it. The caller checks access and logs the print.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from rondom import pdf
from rondom.cases.models import Plan
from rondom.cases.plans import DOMAIN_LABELS

from .sections import SECTIONS, UITSTROOMPROFIELEN, VOICE_KEYS, OppBasis, section_label

WIDTH = A4[0] - 36 * mm
LINE = colors.HexColor("#154273")


def _styles() -> dict[str, ParagraphStyle]:
    """The shared styles of a Rondom PDF (rondom.pdf.styles)."""
    return pdf.styles()


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: escaped, line breaks kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _day(value: date | str | None) -> str:
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return formats.date_format(day, "j F Y")
    return formats.date_format(value, "j F Y") if value else "—"


def _table(header: list[str], rows: list[list[str]], widths: list[float], s: dict[str, ParagraphStyle]) -> Table:
    data = [[_p(h, s["head"]) for h in header], *[[_p(c, s["cell"]) for c in r] for r in rows]]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _content(plan: Plan, version: int | None) -> tuple[int, dict[str, Any]]:
    if version is None or version == plan.version:
        return plan.version, plan.content if isinstance(plan.content, dict) else {}
    stored = plan.versions.filter(number=version).first()
    if stored is None:
        raise ValueError(f"plan {plan.pk} has no version {version}")
    return version, stored.content


def opp_pdf(plan: Plan, version: int | None = None, *, today: date) -> bytes:
    """The PDF (bytes) of `plan` at `version` (a PlanVersion number; None: the current version), made on `today`.

    Raises ValueError when the plan has no such version. Reads the child, the school, the parents with authority and
    the OPP evaluations; checks no access and logs nothing (the caller does: a `print` of the plan)."""
    s = _styles()
    number, content = _content(plan, version)
    child = plan.child
    opp = content.get("opp") if isinstance(content.get("opp"), dict) else None
    is_opp = bool(plan.opp_basis) and opp is not None
    title = (_("Development perspective (OPP) of %(child)s") if is_opp else _("Plan of %(child)s")) % {"child": child}
    out = io.BytesIO()
    doc = pdf.document(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Rondom",
        subject=_("Plan"),
        lang="nl",
    )
    story: list[Any] = [_p(title, s["title"])]
    facts = [
        _("Date of birth: %(d)s") % {"d": _day(child.date_of_birth)},
        _("School: %(s)s") % {"s": child.school or "—"},
        _("Version %(v)d, printed on %(d)s") % {"v": number, "d": _day(today)},
    ]
    if is_opp:
        basis = dict(OppBasis.CHOICES).get(plan.opp_basis, "")
        facts.append(_("OPP since %(d)s: %(basis)s") % {"d": _day(plan.opp_since), "basis": basis})
    story.append(_p(" · ".join(str(f) for f in facts), s["small"]))

    if is_opp and opp is not None:
        story.append(_p(_("Development perspective"), s["h2"]))
        profiles = dict(UITSTROOMPROFIELEN)
        for section in SECTIONS:
            value = opp.get(section.key) or ""
            if section.key == "uitstroomprofiel":
                value = profiles.get(value, value)
            story.append(_p(section.label, s["h3"]))
            story.append(_p(value or "—", s["body"]))
        story.append(_p(_("Action plan (handelingsdeel)"), s["h2"]))
        rows = [
            [
                r.get("support", ""),
                r.get("by", ""),
                r.get("where", ""),
                formats.number_format(r["hours_per_week"], use_l10n=True) if r.get("hours_per_week") else "—",
                _day(r.get("from")),
                _day(r.get("until")),
            ]
            for r in opp.get("handelingsdeel", [])
            if isinstance(r, dict)
        ]
        if rows:
            header = [_("What support"), _("By whom"), _("Where"), _("Hours per week"), _("From"), _("Until")]
            widths = [w * WIDTH for w in (0.28, 0.17, 0.15, 0.1, 0.15, 0.15)]
            story.append(_table(header, rows, widths, s))
        else:
            story.append(_p(_("No support recorded yet."), s["body"]))
        voices = []
        for key in VOICE_KEYS:
            child_words = (opp.get("child_voice") or {}).get(key, "")
            parents = (opp.get("parents_view") or {}).get(key, "")
            if child_words or parents:
                voices.append([str(section_label(key)), child_words or "—", parents or "—"])
        if voices:
            story.append(_p(_("The child's voice and the parents' view"), s["h2"]))
            header = [_("Part"), _("In the child's own words"), _("The parents' view")]
            story.append(_table(header, voices, [0.26 * WIDTH, 0.37 * WIDTH, 0.37 * WIDTH], s))

    goals = [g for g in content.get("goals", []) if isinstance(g, dict)]
    story.append(_p(_("Goals"), s["h2"]))
    if goals:
        header = [_("Domain"), _("Goal"), _("Target"), _("Owner"), _("Support")]
        rows = [
            [
                str(DOMAIN_LABELS.get(g.get("domain", ""), g.get("domain", ""))),
                g.get("description", ""),
                g.get("target", ""),
                g.get("owner", ""),
                " · ".join(x for x in (g.get("support", ""), g.get("support_by", "")) if x),
            ]
            for g in goals
        ]
        story.append(_table(header, rows, [w * WIDTH for w in (0.14, 0.26, 0.24, 0.14, 0.22)], s))
    else:
        story.append(_p(_("No goals yet."), s["body"]))

    if is_opp:
        evaluations = list(plan.opp_evaluations.all()[:5])
        if evaluations:
            story.append(_p(_("Evaluations with the parents"), s["h2"]))
            for e in evaluations:
                who = _("with the parents") if e.with_parents else _("without the parents")
                story.append(_p(f"{_day(e.held_on)} ({who}): {e.summary}", s["body"]))

    story.append(Spacer(1, 8 * mm))
    story.append(KeepTogether(_signature_block(plan, s)))
    doc.build(story)
    return out.getvalue()


def _signature_block(plan: Plan, s: dict[str, ParagraphStyle]) -> list[Any]:
    """The names of the parents with authority, each with a line for the date and the signature, and the school's."""
    parents = [
        g.user.display_name
        for g in plan.child.guardianships.filter(has_authority=True).select_related("user").order_by("pk")
    ]
    block: list[Any] = [
        _p(_("Signatures"), s["h2"]),
        _p(
            _(
                "By signing, the parents agree with the action plan (handelingsdeel) of this version. "
                "The school keeps the signed copy with the plan."
            ),
            s["small"],
        ),
    ]
    people = [(name, _("Parent with authority")) for name in parents] or [("", _("Parent with authority"))]
    people.append(("", _("On behalf of the school: %(school)s") % {"school": plan.child.school or "—"}))
    rows = [[_p(_("Name"), s["head"]), _p(_("Date"), s["head"]), _p(_("Signature"), s["head"])]]
    for name, role in people:
        rows.append([_p(f"{name}\n{role}" if name else f"\n{role}", s["cell"]), "", ""])
    table = Table(rows, colWidths=[0.4 * WIDTH, 0.2 * WIDTH, 0.4 * WIDTH], rowHeights=[None] + [16 * mm] * len(people))
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 1), (-1, -1), 0.6, LINE),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    block.append(table)
    return block
