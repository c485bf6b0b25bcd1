"""The yearly accountability report of a pilot as PDF (reportlab): what the pilot is, its indicators against the
baseline and the comparison area with a chart, the trend over five school years, the population budget against
actual spending, and the words with which professionals, parents, youths and commissioners give meaning to the
figures. The same figures as the dashboard (`monitoring.build`), withheld cells included."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from rondom import formats as rondom_formats
from rondom import pdf
from rondom.funding.budget import pilot_school_year, pilot_trajectory

from .models import ReportText
from .monitoring import Monitoring, bar_chart

DARK = colors.HexColor("#154273")  # Rijkshuisstijl-like blue: enough contrast on white
LIGHT = colors.HexColor("#8fcae7")
MARK = colors.HexColor("#8a4b00")
WIDTH = A4[0] - 36 * mm


def _styles() -> dict[str, ParagraphStyle]:
    """The shared styles of a Rondom PDF (rondom.pdf.styles, in DejaVu Sans so that names such as Şükran Yıldız print
    as written), larger headings, and the report's own: right-aligned figures and indented quotes."""
    base = getSampleStyleSheet()
    regular = pdf.font()
    styles = pdf.styles(title=18, h2=13, head=7.5)
    styles["h2"].spaceBefore = 10
    styles["figure"] = ParagraphStyle(
        "figure", parent=base["BodyText"], fontName=regular, fontSize=8, leading=9.5, alignment=TA_RIGHT
    )
    styles["quote"] = ParagraphStyle(
        "quote", parent=base["BodyText"], fontName=regular, fontSize=9.5, leading=12.5, leftIndent=10
    )
    return styles


def money(amount: Decimal | int | float | None) -> str:
    """An amount in euro as the report writes it: rondom.formats.money, the app's one money format ('€ 980.000',
    '€ -1.234,50' in Dutch, never Python's '980,000.00'); a dash for none."""
    if amount is None:
        return "—"
    return rondom_formats.money(amount)


def _table(rows: list[list[Any]], widths: list[float], s: dict[str, ParagraphStyle]) -> Table:
    """A table whose every cell wraps inside its column (a Paragraph), the header in bold and repeated on every
    page, figures right-aligned: no text runs into the next column however long a header or a name is."""
    wrapped = [
        [
            cell
            if isinstance(cell, Paragraph)
            else Paragraph(escape(str(cell)), s["head" if r == 0 else ("cell" if c == 0 else "figure")])
            for c, cell in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    table = Table(wrapped, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                # every cell is a Paragraph, but the table still sets its cells' font: never reportlab's default
                ("FONT", (0, 0), (-1, 0), pdf.bold(), 8),
                ("FONT", (0, 1), (-1, -1), pdf.font(), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e5eef7")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


BAR_LABEL = 175.0  # points for an indicator's name left of its bars
BAR_TEXT = 80.0  # points kept free right of the longest bar for its figure
ROW = 30.0  # points per indicator


def _chart(m: Monitoring) -> Drawing:
    """Per indicator two bars (pilot dark, comparison light), each pair scaled to its larger bar, the figure written
    next to every bar; a withheld figure is a hatched marker with 'afgeschermd (<5)', never a bar of zero."""
    chart = bar_chart(m)
    scope, other = chart["series"]
    height = len(chart["labels"]) * ROW + 6
    drawing = pdf.drawing(WIDTH, height)
    room = WIDTH - BAR_LABEL - BAR_TEXT
    for n, lines in enumerate(chart["labels"]):
        label = " ".join(lines)
        top = height - n * ROW
        words = label if len(label) <= 46 else label[:45] + "…"
        drawing.add(String(0, top - 16, words, fontName=pdf.font(), fontSize=6.5))
        for series, y, colour in ((scope, top - 13, DARK), (other, top - 24, LIGHT)):
            scaled = series["scaled"][n]
            if scaled is None:
                _marker(drawing, BAR_LABEL, y, series["withheld"][n])
                text = chart["withheld"] if series["withheld"][n] else chart["missing"]
                drawing.add(String(BAR_LABEL + 12, y + 1, text, fontName=pdf.font(), fontSize=6.5))
                continue
            width = room * scaled / 100
            drawing.add(Rect(BAR_LABEL, y, width, 9, fillColor=colour, strokeColor=None))
            drawing.add(String(BAR_LABEL + width + 3, y + 1.5, series["texts"][n], fontName=pdf.font(), fontSize=6.5))
    return drawing


def _marker(drawing: Drawing, x: float, y: float, withheld: bool) -> None:
    """A square outline, hatched when withheld: visibly not a bar."""
    drawing.add(Rect(x, y, 9, 9, fillColor=None, strokeColor=MARK, strokeWidth=0.8))
    if withheld:
        drawing.add(Line(x, y, x + 9, y + 9, strokeColor=MARK, strokeWidth=0.8))
        drawing.add(Line(x, y + 4.5, x + 4.5, y + 9, strokeColor=MARK, strokeWidth=0.8))
        drawing.add(Line(x + 4.5, y, x + 9, y + 4.5, strokeColor=MARK, strokeWidth=0.8))


def render(m: Monitoring, texts: list[ReportText]) -> bytes:
    """The report as PDF bytes, always in Dutch (texts, numbers and money by Django's l10n): it is the pilot's
    account to the municipality's council and the stuurgroep, whatever language the requester's pages are in."""
    with translation.override("nl"):
        return _render(m, texts)


def _render(m: Monitoring, texts: list[ReportText]) -> bytes:
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
    made = timezone.localtime().strftime("%d-%m-%Y %H:%M")  # the moment the PDF is made: its stamp, not a rule
    if m.refreshed_at is not None:
        made += " " + _("(figures as of %(when)s)") % {
            "when": timezone.localtime(m.refreshed_at).strftime("%d-%m-%Y %H:%M")
        }
    story.append(
        Paragraph(
            escape(
                _(
                    "%(size)s in the pilot, compared with %(compare)s: %(other)s. "
                    "Baseline: school year %(baseline)s. Made on %(made)s."
                )
                % {
                    "size": m.size_text,
                    "other": m.comparison_size_text,
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
    if m.running_until is not None:
        story.append(
            Paragraph(
                escape(
                    _(
                        "School year %(year)s is still running: its figures cover 1 August up to and including "
                        "%(until)s, not a whole year."
                    )
                    % {"year": m.year, "until": formats.date_format(m.running_until, "j F Y")}
                ),
                s["body"],
            )
        )
    header = [
        _("Indicator"),
        f"{_('Pilot')} {m.year_label}",
        f"{_('Baseline')} {m.baseline}",
        f"{_('Comparison')} {m.year_label}",
        f"{_('Comparison')} {m.baseline}",
        _("Unit"),
    ]
    rows: list[list[Any]] = [header]
    for i, now, base, other, other_base in m.summary:
        rows.append(
            [
                Paragraph(escape(i.description), s["cell"]),
                now.full_text,
                base.full_text,
                other.full_text,
                other_base.full_text,
                i.unit,
            ]
        )
    story.append(_table(rows, [WIDTH - 4 * 70 - 44, 70, 70, 70, 70, 44], s))
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
    rows = [[_("Indicator"), *m.year_labels]]
    for i, mine, _theirs in m.trend:
        rows.append([Paragraph(escape(i.description), s["cell"]), *[str(c) for c in mine]])
    story.append(_table(rows, [WIDTH - 62 * len(years), *[62] * len(years)], s))

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
                        money(y.budget),
                        money(y.actual),
                        money(y.difference),
                    ]
                )
            story.append(_table(rows, [WIDTH / 5] * 5, s))
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
