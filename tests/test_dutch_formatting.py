"""Dutch formatting by Django's l10n, specified without a browser: money "€ 980.000", numbers "12,5" and "40" (never
"4E+1"), percentages "73,5 %"; tables that stack on a phone; and the text rules the browser crawl applies to every
page (tests/dutch_text.py: code words, unlocalised numbers, "1 leerlingen")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import strip_tags

from rondom.formats import Money, Percent, figure, money, number, percent
from rondom.formfields import LocalDecimalField
from tests.dutch_text import code_words, text_problems

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("980000"), f"€{NBSP}980.000"),
        (Decimal("980000.00"), f"€{NBSP}980.000"),
        (Decimal("961081.27"), f"€{NBSP}961.081,27"),
        (Decimal("-27994.69"), f"€{NBSP}-27.994,69"),
        (72.5, f"€{NBSP}72,50"),
        (0, f"€{NBSP}0"),
        (None, ""),
    ],
)
def test_money_in_dutch_is_euros_with_a_thousands_dot_and_cents_only_when_there_are_any(value, expected) -> None:  # type: ignore[no-untyped-def]
    with translation.override("nl"):
        assert money(value) == expected


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (40, 2, "40"),
        (Decimal("4E+1"), 2, "40"),  # a normalized Decimal, as weights are stored
        (12.5, 2, "12,5"),
        (Decimal("12.50"), 2, "12,5"),
        (Decimal("0.5714"), 4, "0,5714"),
        (Decimal("0.57142"), 2, "0,57"),
        (1234567, 2, "1.234.567"),
        (Decimal("-262.00"), 2, "-262"),
    ],
)
def test_numbers_in_dutch_have_a_decimal_comma_no_trailing_zeros_and_no_exponent(value, places, expected) -> None:  # type: ignore[no-untyped-def]
    with translation.override("nl"):
        assert number(value, places) == expected


def test_percentages_and_table_cells_are_formatted_by_their_kind() -> None:
    with translation.override("nl"):
        assert percent(Decimal("73.5")) == f"73,5{NBSP}%"
        assert figure(Money("980000.00")) == f"€{NBSP}980.000"
        assert figure(Percent("26.5")) == f"26,5{NBSP}%"
        assert figure(Decimal("68.60")) == "68,6"
        assert figure("2025-2026") == "2025-2026"
    with translation.override("en"):
        assert money(Decimal("980000")) == f"€{NBSP}980,000" and number(12.5) == "12.5"


def test_the_template_filters_format_in_the_active_language() -> None:
    template = Template("{% load rondom_format %}{{ a|money }}|{{ w|number }}|{{ s|percent }}|{{ i|number:4 }}")
    context = Context({"a": Decimal("980000"), "w": Decimal("4E+1"), "s": Decimal("12.5"), "i": Decimal("0.3750")})
    with translation.override("nl"):
        assert template.render(context) == f"€{NBSP}980.000|40|12,5{NBSP}%|0,375"


def test_a_weight_stored_as_a_normalized_decimal_shows_in_its_form_field_as_40_not_4e_plus_1() -> None:
    field = LocalDecimalField(max_digits=5, decimal_places=2)
    with translation.override("nl"):
        assert field.prepare_value(Decimal("4E+1")) == "40"
        assert field.prepare_value(Decimal("12.50")) == "12,5"
        assert field.prepare_value(Decimal("1234.5")) == "1234,5"  # no thousands dot in a field: it reads back
        assert field.clean(field.prepare_value(Decimal("4E+1"))) == Decimal(40)


def test_a_budget_table_in_dutch_shows_euros_stacks_on_a_phone_and_labels_every_cell() -> None:
    table = (["Partij", "Huidige uitgaven", "Aandeel (%)"], [["Gemeente Zwolle", Money("720000.00"), Percent("73.5")]])
    with translation.override("nl"):
        html = render_to_string("funding/budget_table.html", {"table": table, "table_id": "t", "caption": "Nulmeting"})
    assert 'class="utrecht-table rondom-stack"' in html
    assert f'data-label="Huidige uitgaven">€{NBSP}720.000</td>' in html
    assert f'data-label="Aandeel (%)">73,5{NBSP}%</td>' in html
    assert text_problems(strip_tags(html), frozenset()) == []


def test_the_crawl_rules_catch_what_a_new_user_met_in_the_dutch_interface() -> None:
    met = {
        "980000,00": "an amount without a thousands separator",
        "Budget: € 980,000.00": "money in English format",
        "€ 980000": "money without a thousands separator",
        "Gewicht 4E+1": "a number in scientific notation",
        "Uren: 12.5": "a number with a decimal point",
        "Er is 1 leerlingen": "a plural after 1",
        "Gedeeld: absence_primary": "code word 'absence_primary'",
    }
    for text, finding in met.items():
        found = text_problems(text, frozenset())
        assert any(f.startswith(finding) for f in found), (text, found)
    fine = "€ 980.000 · 12,5 uur · 1 leerling · 3 leerlingen · WCAG 2.2 · 12-03-2026 · 1.234 kinderen · 2025-2026"
    assert text_problems(fine, frozenset()) == []


@pytest.mark.django_db
def test_code_words_are_the_choice_values_of_the_code_that_are_not_dutch_words() -> None:
    words = code_words()
    assert {"youth_care", "teacher", "provider_contact", "support", "home"} <= words
    assert "school" not in words  # a Dutch word as well ("school")
    found = text_problems("Gedeeld: support, youth_care · Rol: teacher", words)
    assert any("'support'" in f for f in found) and any("'teacher'" in f for f in found)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("980000", Decimal("980000.00")),
        ("980.000", Decimal("980000.00")),  # a Dutch thousands dot: not 980 euros
        ("980.000,50", Decimal("980000.50")),
        ("980000,5", Decimal("980000.50")),
        ("€ 1.250.000", Decimal("1250000.00")),
        ("980000.50", Decimal("980000.50")),  # a single decimal point keeps working
    ],
)
def test_a_baseline_amount_is_read_as_people_write_it(typed: str, amount: Decimal) -> None:
    from rondom.funding.services import parse_parties

    assert parse_parties(f"Gemeente Zwolle; {typed}") == {"Gemeente Zwolle": amount}


def test_the_baseline_field_shows_the_amounts_as_the_user_would_type_them_in_dutch() -> None:
    from types import SimpleNamespace

    from rondom.funding.pages import BaselineForm
    from rondom.funding.services import parse_parties

    pilot = SimpleNamespace(baseline={"Gemeente Zwolle": "720000.00", "Bloz": "260000.50"}, shrink_percent=2)
    with translation.override("nl"):
        text = BaselineForm.initial_for(pilot)["baseline"]  # type: ignore[arg-type]
    assert text == "Gemeente Zwolle; 720000\nBloz; 260000,5"
    assert parse_parties(text) == {"Gemeente Zwolle": Decimal("720000.00"), "Bloz": Decimal("260000.50")}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_saved_absence_mapping_shows_its_kinds_by_label_not_by_code_and_reads_them_back(language: str) -> None:
    from types import SimpleNamespace

    from rondom.attendance.services import mapping_codes_text, parse_kind_codes

    kinds = {"O": "unauthorised", "G": "authorised", "Z": "sick", "L": "late", "V": "exemption"}
    mapping = SimpleNamespace(kind_codes=kinds, skip_codes=["HV"])
    with translation.override(language):
        text = mapping_codes_text(mapping)  # type: ignore[arg-type]
        assert parse_kind_codes(text) == (kinds, ["HV"])
    if language == "nl":
        assert text.startswith("O = ongeoorloofd\nG = geoorloofd\nZ = ziek\nL = te laat\nV = vrijstelling")
        assert text_problems(text, frozenset(kinds.values())) == []
