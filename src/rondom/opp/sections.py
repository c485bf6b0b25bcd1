"""The parts of an ontwikkelingsperspectief (OPP) as a table: what the school writes, what the parents read, what the
law requires (WPO art. 40a, WVO 2020 art. 8.10, WEC art. 41a; Besluit ontwikkelingsperspectief; issue 16).

The OPP lives in the one plan, `cases.Plan.content["opp"]`, versioned with the goals:

    {
        "uitstroombestemming": str,        # required: the expected destination (e.g. "vmbo basis/kader", "havo")
        "uitstroomprofiel": str,           # special education: vervolgonderwijs / arbeidsmarkt / dagbesteding
        "onderbouwing": str,               # the reasoning behind the destination
        "onderwijsbehoeften": str,
        "bevorderende_factoren": str,
        "belemmerende_factoren": str,
        "handelingsdeel": [                # what support, by whom, where, how long (instemmingsrecht)
            {"id": str, "support": str, "by": str, "where": str, "hours_per_week": str (decimal, "" if none),
             "from": "YYYY-MM-DD", "until": "YYYY-MM-DD"},
        ],
        "child_voice": {section key: str}, # the child's own words per section
        "parents_view": {section key: str},# the parents' view per section
    }
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class OppBasis:
    """Why a plan is an OPP (`cases.Plan.opp_basis`)."""

    EXTRA_SUPPORT = "extra_support"
    SPECIAL_EDUCATION = "special_education"
    CHOICES = (
        (EXTRA_SUPPORT, _("The school gives extra support")),
        (SPECIAL_EDUCATION, _("The child is in special education")),
    )


@dataclass(frozen=True)
class Section:
    """One text part of the OPP: its key in `content["opp"]`, the professional's label, the parents' plain-language
    label, and whether an OPP is incomplete without it."""

    key: str
    label: Promise
    plain: Promise
    required: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        "uitstroombestemming",
        _("Expected destination (uitstroombestemming)"),
        _("Where we expect your child to go after this school"),
        required=True,
    ),
    Section(
        "uitstroomprofiel", _("Destination profile (uitstroomprofiel)"), _("The kind of future we are working towards")
    ),
    Section("onderbouwing", _("Reasoning behind the destination"), _("Why we expect this")),
    Section(
        "onderwijsbehoeften", _("Educational needs (onderwijsbehoeften)"), _("What your child needs to learn well")
    ),
    Section("bevorderende_factoren", _("Supporting factors"), _("What helps your child")),
    Section("belemmerende_factoren", _("Hindering factors"), _("What makes it harder for your child")),
)

#: The keys of one row of the handelingsdeel, in the order they are shown.
HANDELINGSDEEL_KEYS = ("id", "support", "by", "where", "hours_per_week", "from", "until")

#: The destination profiles of special education (WEC art. 14a, Besluit ontwikkelingsperspectief): the value stored in
#: `content["opp"]["uitstroomprofiel"]` is one of these keys or "".
UITSTROOMPROFIELEN: tuple[tuple[str, Promise], ...] = (
    ("vervolgonderwijs", _("Further education (vervolgonderwijs)")),
    ("arbeidsmarkt", _("Work (arbeidsmarkt)")),
    ("dagbesteding", _("Day activities (dagbesteding)")),
)

#: The sections on which the child's voice and the parents' view are asked (`child_voice` / `parents_view` keys):
#: every text section and the handelingsdeel.
VOICE_KEYS: tuple[str, ...] = (*(s.key for s in SECTIONS), "handelingsdeel")

#: The school types whose pupils are in special education (rondom.core.roles.SchoolType): a plan of a pupil there is
#: an OPP by law (WEC art. 41a), so the school is offered the special-education basis.
SPECIAL_EDUCATION_SCHOOL_TYPES = frozenset({"so", "vso", "sbo"})


def section_label(key: str) -> Promise:
    """The professional's label of a section key (or of "handelingsdeel")."""
    for section in SECTIONS:
        if section.key == key:
            return section.label
    return _("Action plan (handelingsdeel)")


def empty_opp() -> dict[str, object]:
    """An OPP with nothing filled in, in the shape of `content["opp"]`."""
    return {
        **{s.key: "" for s in SECTIONS},
        "handelingsdeel": [],
        "child_voice": {},
        "parents_view": {},
    }
