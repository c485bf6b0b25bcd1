"""What a page in Dutch may not show: code words and numbers that Django's l10n did not format.

Used by the browser crawl (tests/e2e/test_crawl.py) on the visible text of every page, and by the template tests
(tests/test_dutch_formatting.py). The list of code words is built from the code itself: every string value of a
model field's choices and of every `models.Choices` enum (Role, Concern, ...), minus the values that are also Dutch
words (any word of a Dutch translation in our django.po: "school", "open", ...). On top of that, any
`snake_case` word is a code word.

Numbers in Dutch (Django's nl formats): a decimal comma, a dot between thousands when grouped ("€ 980.000",
"12,5"). A number with a decimal point ("12.5"), in scientific notation ("4E+1"), money without a thousands dot
("€ 980000", "980000,00") or in English grouping ("€ 980,000.00") was not localised."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PO_FILE = ROOT / "src" / "rondom" / "locale" / "nl" / "LC_MESSAGES" / "django.po"
#: Nouns that are counted on pages; "1 <plural>" means {% blocktranslate count %} is missing.
PLURALS = [
    "leerlingen",
    "kinderen",
    "casussen",
    "signalen",
    "meldingen",
    "scholen",
    "dagen",
    "weken",
    "uren",
    "maanden",
    "jaren",
    "gesprekken",
    "verzoeken",
    "aanvragen",
    "doelen",
    "afspraken",
    "deelnemers",
    "betrokkenen",
    "professionals",
    "acties",
    "pilots",
    "thuiszitters",
    "vragen",
    "ouders",
    "jongeren",
    "rijen",
    "organisaties",
    "aanbieders",
    "toestemmingen",
    "verwijzingen",
    "regels",
    "bestanden",
    "beoordelingen",
]
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]*[a-z]\b")
NUMBER_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d(?:[.,]\d+)?E[+-]?\d+"), "a number in scientific notation"),
    (re.compile(r"€\s*-?\d{1,3}(?:,\d{3})+(?:\.\d+)?"), "money in English format"),
    (re.compile(r"\b\d{1,3}(?:,\d{3})+\.\d+\b"), "a number in English format"),
    (re.compile(r"€\s*-?\d{4,}"), "money without a thousands separator"),
    (re.compile(r"(?<![\d.,])\d{4,},\d{2}\b"), "an amount without a thousands separator"),
    # A decimal point; a Dutch thousands dot (980.000) and dotted dates/versions are told apart below.
    (re.compile(r"(?<![\w.,])\d+\.\d+(?:\.\d+)*(?![\w.,]*\d)"), "a number with a decimal point"),
]
DUTCH_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")
#: Where a dotted number is a name, not a number: standards and their versions.
DOTTED_NAMES = re.compile(r"(?:WCAG|versie|SC|succescriterium|criterium|NEN|ISO|HTTP|v)\s*$", re.IGNORECASE)


def _choice_enums(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _choice_enums(sub)


@functools.cache
def dutch_words() -> frozenset[str]:
    """Every word of a Dutch translation in django.po, as written (case kept)."""
    words: set[str] = set()
    in_msgstr = False
    for line in PO_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgstr"):
            in_msgstr = True
        elif not line.startswith('"'):
            in_msgstr = False
        if in_msgstr:
            words.update(re.findall(r"[A-Za-zÀ-ÿ]+", line.partition('"')[2]))
    return frozenset(words)


@functools.cache
def code_words() -> frozenset[str]:
    """The string values of every choice in the code that are not also a Dutch word.

    Needs Django set up (the models are read); imports every module of rondom so that enums outside models count."""
    from django.apps import apps
    from django.db import models

    import rondom

    for module in pkgutil.walk_packages(rondom.__path__, "rondom."):
        if not re.search(r"\.(migrations|management|tests?)\b|config\.(asgi|wsgi)", module.name):
            importlib.import_module(module.name)
    values: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "choices", None):
                values.update(v for v, _label in field.flatchoices if isinstance(v, str))
    for enum in _choice_enums(models.Choices):
        values.update(v for v in enum.values if isinstance(v, str))
    dutch = {w.lower() for w in dutch_words()}
    return frozenset(v for v in values if re.fullmatch(r"[A-Za-z_]+", v) and v.lower() not in dutch)


def text_problems(text: str, words: frozenset[str] | None = None) -> list[str]:
    """What is wrong with a text shown in Dutch: one line per finding, quoting the offending bit.

    `words`: the code words (default: `code_words()`, which needs Django set up)."""
    words = code_words() if words is None else words
    found: list[str] = []
    for match in SNAKE_CASE.finditer(text):
        found.append(f"code word {match.group()!r}")
    if words:
        alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
        pattern = re.compile(r"(?<![\w@./-])(" + alternatives + r")(?![\w@/-])")
        for match in pattern.finditer(text):
            if not SNAKE_CASE.fullmatch(match.group()):
                found.append(f"code word {match.group()!r} in {_around(text, match)!r}")
    for rule, what in NUMBER_RULES:
        for match in rule.finditer(text):
            number = match.group()
            if what == "a number with a decimal point" and (
                DUTCH_THOUSANDS.match(number) or number.count(".") > 1 or DOTTED_NAMES.search(text[: match.start()])
            ):
                continue
            found.append(f"{what}: {number!r} in {_around(text, match)!r}")
    for match in re.finditer(r"\b1 (" + "|".join(PLURALS) + r")\b", text):
        found.append(f"a plural after 1: {_around(text, match)!r}")
    return list(dict.fromkeys(found))


def _around(text: str, match: re.Match[str], width: int = 30) -> str:
    return " ".join(text[max(0, match.start() - width) : match.end() + width].split())
