"""The yearly accountability report of a pilot as PDF (reportlab): what the pilot is, its indicators against the
baseline and the comparison area with a chart, the trend over five school years, the population budget against
actual spending, and the words with which professionals, parents, youths and commissioners give meaning to the
figures. The same figures as the dashboard (`monitoring.build`), withheld cells included."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from rondom import pdf
from rondom.funding.budget import pilot_school_year, pilot_trajectory

from .models import ReportText
from .monitoring import Monitoring, bar_chart

DARK = colors.HexColor("#154273")  # Rijkshuisstijl-like blue: enough contrast on white
LIGHT = colors.HexColor("#8fcae7")
WIDTH = A4[0] - 36 * mm


def _styles() -> dict[str, ParagraphStyle]:
    """Every style in the embedded DejaVu Sans (rondom.pdf), so that names such as Şükran Yıldız print as written."""
    base = getSampleStyleSheet()
    regular, heavy = pdf.font(), pdf.bold()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName=heavy, fontSize=18, leading=22, alignment=0),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=heavy, fontSize=13, leading=16, spaceBefore=10),
        "body": ParagraphStyle("body", parent=base["BodyText"], fontName=regular, fontSize=9.5, leading=12.5),
        "small": ParagraphStyle(
            "small", parent=base["BodyText"], fontName=regular, fontSize=8, leading=10, textColor=colors.grey
        ),
        "cell": ParagraphStyle("cell", parent=base["BodyText"], fontName=regular, fontSize=8, leading=9.5),
        "quote": ParagraphStyle(
            "quote", parent=base["BodyText"], fontName=regular, fontSize=9.5, leading=12.5, leftIndent=10
        ),
    }


def _table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), pdf.bold(), 8),
                ("FONT", (0, 1), (-1, -1), pdf.font(), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5eef7")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _chart(m: Monitoring) -> Drawing:
    chart = bar_chart(m, width=300, step=30)
    drawing = pdf.drawing(WIDTH, chart["height"] + 10)
    label_width = WIDTH - 310
    for n, item in enumerate(chart["items"]):
        top = chart["height"] - n * 30
        label = item["label"] if len(item["label"]) <= 60 else item["label"][:57] + "..."
        drawing.add(String(0, top - 14, label, fontName=pdf.font(), fontSize=6.5))
        drawing.add(Rect(label_width, top - 13, item["pilot"], 8, fillColor=DARK, strokeColor=None))
        drawing.add(Rect(label_width, top - 23, item["comparison"], 8, fillColor=LIGHT, strokeColor=None))
    return drawing


def render(m: Monitoring, texts: list[ReportText]) -> bytes:
    s = _styles()
    out = io.BytesIO()
    title = _("Accountability report %(pilot)s, school year %(year)s") % {"pilot": m.title, "year": m.year}
    doc = pdf.document(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author="Rondom",
        subject=_("Pilot monitoring"),
        lang="nl",
    )
    story: list[Any] = [Paragraph(escape(title), s["title"])]
    made = timezone.localtime().strftime("%d-%m-%Y %H:%M")
    if m.refreshed_at is not None:
        made += " " + _("(figures as of %(when)s)") % {
            "when": timezone.localtime(m.refreshed_at).strftime("%d-%m-%Y %H:%M")
        }
    story.append(
        Paragraph(
            escape(
                _(
                    "%(schools)d schools in the pilot, compared with %(other)d schools in %(compare)s. "
                    "Baseline: school year %(baseline)s. Made on %(made)s."
                )
                % {
                    "schools": m.schools,
                    "other": m.comparison_schools,
                    "compare": m.compare_label,
                    "baseline": m.baseline,
                    "made": made,
                }
            ),
            s["body"],
        )
    )
    if m.pilot is not None and m.pilot.description:
        story.append(Paragraph(escape(m.pilot.description), s["body"]))
    if m.pilot is not None and m.pilot.participants:
        story.append(Paragraph(escape(_("Participants and their commitments")), s["h2"]))
        for p in m.pilot.participants:
            story.append(
                Paragraph(
                    f"<b>{escape(str(p.get('party', '')))}</b>: {escape(str(p.get('commitment', '')))}", s["body"]
                )
            )

    story.append(Paragraph(escape(_("Indicators")), s["h2"]))
    header = [
        _("Indicator"),
        f"{_('Pilot')} {m.year}",
        f"{_('Baseline')} {m.baseline}",
        f"{_('Comparison')} {m.year}",
        f"{_('Comparison')} {m.baseline}",
        _("Unit"),
    ]
    rows: list[list[Any]] = [header]
    for i, now, base, other, other_base in m.summary:
        rows.append(
            [Paragraph(escape(i.description), s["cell"]), str(now), str(base), str(other), str(other_base), i.unit]
        )
    story.append(_table(rows, [WIDTH - 5 * 62, 62, 62, 62, 62, 62 - 0]))
    story.append(Spacer(1, 6))
    story.append(
        KeepTogether(
            [
                Paragraph(
                    escape(
                        _("Pilot (dark) against %(compare)s (light), school year %(year)s")
                        % {"compare": m.compare_label, "year": m.year}
                    ),
                    s["small"],
                ),
                _chart(m),
            ]
        )
    )

    story.append(Paragraph(escape(_("Trend over the school years")), s["h2"]))
    years = m.years
    rows = [[_("Indicator"), *[str(y) for y in years]]]
    for i, mine, _theirs in m.trend:
        rows.append([Paragraph(escape(i.description), s["cell"]), *[str(c) for c in mine]])
    story.append(_table(rows, [WIDTH - 55 * len(years), *[55] * len(years)]))

    if m.pilot is not None:
        trajectory = pilot_trajectory(m.pilot)
        if trajectory:
            story.append(Paragraph(escape(_("Population budget")), s["h2"]))
            rows = [[_("Year"), _("School year"), _("Budget"), _("Actual"), _("Difference")]]
            for y in trajectory:
                rows.append(
                    [
                        _("baseline") if y.number == 0 else str(y.number),
                        pilot_school_year(m.pilot, y.number),
                        f"€ {y.budget:,.2f}",
                        "—" if y.actual is None else f"€ {y.actual:,.2f}",
                        "—" if y.difference is None else f"€ {y.difference:,.2f}",
                    ]
                )
            story.append(_table(rows, [WIDTH / 5] * 5))
            story.append(Paragraph(escape(_("Parties pool the budget and do not invoice each other.")), s["small"]))

    story.append(Paragraph(escape(_("What the figures mean")), s["h2"]))
    if texts:
        for t in texts:
            who = t.signed_as or t.get_perspective_display()
            story.append(Paragraph(f"<b>{escape(str(t.get_perspective_display()))}</b> — {escape(who)}", s["body"]))
            story.append(Paragraph(escape(t.text).replace("\n", "<br/>"), s["quote"]))
            story.append(Spacer(1, 4))
    else:
        story.append(Paragraph(escape(_("No texts have been added for this school year yet.")), s["body"]))

    story.append(Paragraph(escape(_("How to read this report")), s["h2"]))
    story.append(
        Paragraph(
            escape(
                _(
                    "A dash means there is no data for this figure, not zero. A figure that rests on fewer than the "
                    "minimum number of children or answers is withheld. No child is named in this report."
                )
            ),
            s["small"],
        )
    )
    doc.build(story)
    return out.getvalue()
