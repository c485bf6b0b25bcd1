"""A policy officer of the gemeente opens the monitoring dashboard, chooses a pilot, and downloads its
accountability report; the PDF opens and shows the same figures as the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .test_ib_day import log_in

pytestmark = pytest.mark.browser


def test_policy_officer_filters_a_pilot_and_downloads_its_report(page: Page, base_url: str, demo_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    log_in(page, base_url, demo_env, "beleid")
    page.get_by_role("link", name="Monitoring").first.click()
    expect(page.get_by_role("heading", name="Monitoring van de proeftuinen")).to_be_visible()

    page.get_by_label("Proeftuin", exact=True).select_option(label="Samen in de wijk")
    page.get_by_label("Uitsplitsen", exact=True).select_option("school")
    page.get_by_role("button", name="Toon").click()
    table = page.locator("#indicators")
    expect(table.locator("caption")).to_contain_text("Samen in de wijk")
    expect(page.locator("#breakdown-table")).to_contain_text("De Esch")
    row = table.locator("tr", has_text="Aantal thuiszitters")
    thuiszitters = row.locator("td").first.inner_text().strip()
    assert thuiszitters  # a number, a dash or "minder dan 5": whatever the page shows, the PDF shows too

    with page.expect_download() as download:
        page.get_by_role("link", name="Verantwoordingsrapportage").click()
    path = tmp_path / "rapport.pdf"
    download.value.save_as(path)
    reader = PdfReader(path)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert reader.metadata is not None and "Samen in de wijk" in (reader.metadata.title or "")
    assert "Samen in de wijk" in text and "Aantal thuiszitters" in text
    assert f"in het schooljaar {thuiszitters} " in text
