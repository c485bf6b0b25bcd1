"""The onderwijskundig rapport of a transfer as a PDF (reportlab through rondom.pdf): the school, the pupil, the
support given, the plan and its OPP summary (`Plan.content["opp"]`, rondom.opp.sections), an attendance summary of
the current school year when the reader may read absence, and whom to call (the professionals offered with the
transfer). Built from what the reader may read; the page that serves it logs the print (docs/transfers.md).

The OSO overstapdossier (Edustandaard "OSO-gegevensset") carries this report as its attachment: transfers/oso.py."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.db.models import Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rondom import pdf
from rondom.attendance.models import AbsenceKind, AbsenceRecord
from rondom.cases.models import HelpRequest, Plan
from rondom.core.schoolyear import SchoolYear
from rondom.opp.sections import SECTIONS

from .models import Transfer


def absence_summary(transfer: Transfer, today: date) -> list[tuple[str, int]]:
    """Hours of absence per kind in the school year of `today` at the sending school, as (label, whole hours)."""
    year = SchoolYear.of(today)
    rows = (
        AbsenceRecord.objects.filter(
            child_id=transfer.child_id, school_id=transfer.from_school_id, date__gte=year.first_day, date__lte=today
        )
        .values("kind")
        .annotate(minutes=Sum("minutes"))
        .order_by("kind")
    )
    labels = dict(AbsenceKind.choices)
    return [(str(labels.get(r["kind"], r["kind"])), round((r["minutes"] or 0) / 60)) for r in rows]


def _p(text: Any, style: Any) -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def render(transfer: Transfer, *, today: date, with_absence: bool) -> bytes:
    """The report as PDF bytes. `with_absence`: the reader may read absence (the caller decides and logs)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    shared = pdf.styles(title=17, h2=12.5)
    title, h2, body = shared["title"], shared["h2"], shared["body"]
    child = transfer.child
    out = io.BytesIO()
    doc = pdf.document(
        out, pagesize=(210 * mm, 297 * mm), title=_("Onderwijskundig rapport"), leftMargin=18 * mm, rightMargin=18 * mm
    )
    story: list[Any] = [_p(_("Onderwijskundig rapport"), title)]
    story.append(
        _p(
            _("From %(from)s to %(to)s, first day at the new school %(day)s.")
            % {
                "from": transfer.from_school.name,
                "to": transfer.to_school.name,
                "day": date_format(transfer.moves_on, "j F Y"),
            },
            body,
        )
    )
    story.append(_p(_("School"), h2))
    school = transfer.from_school
    story.append(_p(f"{school.name} ({school.brin}{school.vestiging})", body))
    story.append(_p(_("Pupil"), h2))
    story.append(
        _p(
            _("%(name)s, born %(born)s, group %(group)s")
            % {
                "name": f"{child.given_name} {child.family_name}",
                "born": date_format(child.date_of_birth, "j F Y"),
                "group": child.group or "-",
            },
            body,
        )
    )
    if transfer.message:
        story.append(_p(_("Message to the next school"), h2))
        story.append(_p(transfer.message, body))
    story.append(_p(_("Support given"), h2))
    helps = HelpRequest.objects.filter(case__child=child).select_related("provider").order_by("requested_at")
    if not helps:
        story.append(_p(_("No help was brought in."), body))
    for h in helps:
        story.append(_p(f"{h.provider.name}: {h.question}", body))
    plan = Plan.objects.filter(child=child).first()
    story.append(_p(_("Plan"), h2))
    goals = [g for g in (plan.content.get("goals", []) if plan else []) if isinstance(g, dict)]
    if not goals:
        story.append(_p(_("There is no plan yet."), body))
    for g in goals:
        story.append(_p(f"• {g.get('description', '')}", body))
    opp = plan.content.get("opp") if plan else None
    if isinstance(opp, dict) and opp:
        story.append(_p(_("Development perspective (OPP)"), h2))
        for section in SECTIONS:
            if opp.get(section.key):
                story.append(_p(f"{section.label}: {opp[section.key]}", body))
        for row in opp.get("handelingsdeel") or []:
            if isinstance(row, dict):
                story.append(_p(f"• {row.get('support', '')} — {row.get('by', '')} ({row.get('where', '')})", body))
    if with_absence:
        story.append(_p(_("Attendance this school year"), h2))
        summary = absence_summary(transfer, today)
        if not summary:
            story.append(_p(_("No absence recorded."), body))
        for label, hours in summary:
            story.append(_p(_("%(kind)s: %(hours)s hours") % {"kind": label, "hours": hours}, body))
    story.append(_p(_("Contacts"), h2))
    people = transfer.professionals.select_related("membership__user", "membership__organisation")
    if not people:
        story.append(_p(_("No professionals were named."), body))
    for p in people:
        m = p.membership
        story.append(_p(f"{m.user.display_name} ({m.get_role_display()}, {m.organisation.name})", body))
    story.append(Spacer(1, 6 * mm))
    story.append(_p(_("Printed on %(day)s.") % {"day": date_format(today, "j F Y")}, body))
    doc.build(story)
    return out.getvalue()
