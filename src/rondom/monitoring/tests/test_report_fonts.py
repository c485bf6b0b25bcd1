"""Every PDF the product makes embeds a font that holds the Latin letters of names in the Netherlands (issue 11
point 9): the report text of realworld file 15 comes out of the pilot's PDF report as written, and so do other
letters (ğ, ő, ž, Ø, ß ...). No code draws with reportlab's built-in fonts, which lack them."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from pypdf import PdfReader

from rondom.core.schoolyear import SchoolYear
from rondom.funding.models import Pilot
from rondom.monitoring.models import ReportText
from tests.factories import MembershipFactory, OrganisationFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_fixed_school_day():  # type: ignore[no-untyped-def]
    """Nothing here depends on the wall clock: a Tuesday in school year 2025-2026, 10:00 in Amsterdam."""
    with time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False):
        yield


REALWORLD_15 = Path(__file__).parent / "data" / "15-report-text-diacritics.txt"
SRC = Path(__file__).resolve().parents[2]


def realworld_15() -> tuple[str, str]:
    """(signed_as, text) as the file gives them."""
    fields = dict(line.split(": ", 1) for line in REALWORLD_15.read_text(encoding="utf-8").splitlines() if ": " in line)
    return fields["signed_as"], fields["text"]


def report(login, texts: list[tuple[str, str]]) -> tuple[str, PdfReader]:  # type: ignore[no-untyped-def]
    """The pilot's PDF report as the policy officer downloads it, with these (signed_as, text) report texts."""
    school = SchoolFactory()
    pilot = Pilot.objects.get(kind="specific_care")
    pilot.schools.add(school)
    gemeente = OrganisationFactory(kind="municipality", municipality=school.municipality)
    officer = MembershipFactory(organisation=gemeente, role="policy_officer").user
    year = str(SchoolYear.current())
    for signed_as, text in texts:
        ReportText.objects.create(
            pilot=pilot, school_year=year, perspective="parent", signed_as=signed_as, text=text, written_by=officer
        )
    client = login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    response = client.get("/monitoring/rapport/", {"pilot": pilot.pk, "year": year})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text, reader


def fonts_of(reader: PdfReader) -> set[str]:
    """The base names of the fonts the pages use, and whether each one is embedded (name + '+embedded')."""
    found = set()
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"])
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.add(name + ("+embedded" if embedded else ""))
    return found


def test_realworld_15_names_come_out_of_the_pdf_report_as_written(login) -> None:  # type: ignore[no-untyped-def]
    signed_as, text = realworld_15()
    assert signed_as == "Şükran Yıldız, moeder"
    pdf_text, reader = report(login, [(signed_as, text)])
    for word in ("Şükran Yıldız, moeder", "Łucja", "Dvořák", "Onze dochter Łucja kreeg hulp op school"):
        assert word in pdf_text, word
    for letter in "ŞıŁř":
        assert letter in pdf_text
    assert "■" not in pdf_text
    fonts = fonts_of(reader)
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+DejaVuSans(-Bold)?\+embedded", f) for f in fonts), fonts


def test_other_letters_of_names_in_the_netherlands_come_out_as_written(login) -> None:  # type: ignore[no-untyped-def]
    names = "Doğan Öztürk; Erdős Ágnes; Žofie Nováková; Søren Ørsted; Jürgen Meißner; Ștefan Țurcanu; Ćosić Đorđe"
    pdf_text, _reader = report(login, [("Çiğdem Kılıç", names), ("Ævar Þórsson", "Ĳsbrand van Ŷ en Ő")])
    for word in (*names.split("; "), "Çiğdem Kılıç", "Ævar Þórsson"):
        assert word in pdf_text, word


def test_no_pdf_code_draws_with_a_font_that_lacks_these_letters() -> None:
    """reportlab's 14 standard fonts (Helvetica, Times, Courier, Symbol, ZapfDingbats) hold WinAnsi only."""
    builtin = re.compile(r"""["'](Helvetica|Times|Courier|Symbol|ZapfDingbats)[-"']""")
    found = [
        f"{p.relative_to(SRC)}:{n}"
        for p in SRC.rglob("*.py")
        if "tests" not in p.relative_to(SRC).parts
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if builtin.search(line)
    ]
    assert not found, found
