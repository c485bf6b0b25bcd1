"""The samenwerkingsverband's rules for deciding a request, as tables a consulent can read (docs/swv-decisions.md).

Each row says what it asks and where it comes from: the law (WPO, WVO 2020), or the project's seed value where the law
leaves the choice to the SWV (marked *seed*; an SWV may change those in its ondersteuningsplan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Expertise, RequestKind, RequestState, TlvCategory


@dataclass(frozen=True)
class AdviceRule:
    """The advice a kind of request needs before the loket decides: `count` advices of different experts, at least
    one of them of an expertise in `one_of` (empty: any expertise). `source`: where the rule comes from."""

    count: int
    one_of: frozenset[str]
    source: str


#: Which advice each kind of request needs.
ADVICE_RULES: dict[str, AdviceRule] = {
    # WPO art. 18a lid 6 and WVO 2020 art. 6.1.1 lid 3: the SWV decides on admissibility to special education after
    # the advice of at least two experts, one of them an orthopedagoog or psycholoog; the other depending on the
    # child (kinderarts, kinderpsychiater, maatschappelijk werker; Besluit bekostiging WPO / Besluit deskundigen).
    RequestKind.TLV: AdviceRule(
        2,
        frozenset({Expertise.ORTHOPEDAGOOG, Expertise.PSYCHOLOOG}),
        "WPO art. 18a lid 6; WVO 2020 art. 6.1.1 lid 3",
    ),
    # Seed: extra support with funding is decided on the advice of the SWV's orthopedagoog.
    RequestKind.ARRANGEMENT: AdviceRule(1, frozenset({Expertise.ORTHOPEDAGOOG}), "seed (ondersteuningsplan)"),
    # Seed: a consultation or a short intervention is decided by the loket alone.
    RequestKind.CONSULTATION: AdviceRule(0, frozenset(), "seed (ondersteuningsplan)"),
    RequestKind.SHORT_INTERVENTION: AdviceRule(0, frozenset(), "seed (ondersteuningsplan)"),
}

#: The funding categories of a TLV for special education (Besluit bekostiging WEC: laag, midden, hoog).
TLV_CATEGORIES = frozenset(TlvCategory.values)

#: A TLV holds for a period the SWV sets, with a start and an end date (WPO art. 18a lid 10, WVO 2020 art. 6.1.1:
#: the SWV states the duration in the declaration), of at least one school year: at least this many days ...
TLV_MIN_DAYS = 365 - 1
#: ... and, seed, at most five years (the pilot SWVs' longest; the law sets no maximum, a TLV can be renewed).
TLV_MAX_DAYS = 5 * 366
#: Seed: an arrangement (extra support with funding) holds for at most one school year at a time.
ARRANGEMENT_MAX_DAYS = 366

#: After a refusal, or a granted decision without a validity (a consultation, a short intervention), the SWV's loket
#: and experts still read the child during the objection period: six weeks (Awb art. 6:7), so they can handle an
#: objection. Then the ground ends (rondom.swv.grounds).
ACCESS_AFTER_DECISION_DAYS = 42

#: Kinds of which a granted decision holds for a period (valid_from .. valid_until required).
KINDS_WITH_VALIDITY = frozenset({RequestKind.TLV, RequestKind.ARRANGEMENT})
#: Kinds that start and end (record_start / record_end; start within settings.SWV_ARRANGEMENT_START_WEEKS).
KINDS_THAT_START = frozenset({RequestKind.ARRANGEMENT})

S = RequestState

#: The allowed changes of a request's state: (from, to) -> what makes it. Everything else is refused.
TRANSITIONS: dict[tuple[str, str], Any] = {
    (S.SUBMITTED, S.PLANNED): _("The loket plans the request on the weekly meeting."),
    (S.PLANNED, S.PLANNED): _("The loket moves the request to another meeting."),
    (S.ADVISED, S.ADVISED): _("Another expert advises, or the loket moves the meeting."),
    (S.SUBMITTED, S.ADVISED): _("An expert advises."),
    (S.PLANNED, S.ADVISED): _("An expert advises."),
    (S.PLANNED, S.GRANTED): _("The loket grants the request."),
    (S.ADVISED, S.GRANTED): _("The loket grants the request."),
    (S.PLANNED, S.REFUSED): _("The loket refuses the request."),
    (S.ADVISED, S.REFUSED): _("The loket refuses the request."),
    (S.SUBMITTED, S.WITHDRAWN): _("The school or the family withdraws the request."),
    (S.PLANNED, S.WITHDRAWN): _("The school or the family withdraws the request."),
    (S.ADVISED, S.WITHDRAWN): _("The school or the family withdraws the request."),
}

#: States in which the request still waits for a decision (the loket's queue counts its deadline).
OPEN_STATES = frozenset({S.SUBMITTED, S.PLANNED, S.ADVISED})


def may_move(current: str, to: str) -> bool:
    """Whether TRANSITIONS allows the change."""
    return (current, to) in TRANSITIONS


def advice_missing(kind: str, advices: list[tuple[int, str]]) -> str | None:
    """Why the advice given (a list of (the expert's user id, expertise): two
    memberships of one person are one expert) is not yet enough for `kind`, or None.
    Returns a Dutch-translatable reason."""
    rule = ADVICE_RULES[kind]
    source = shown_source(rule)
    experts = {expert for expert, _e in advices}
    if len(experts) < rule.count:
        return ngettext(
            "This request needs the advice of %(count)s expert (%(source)s); %(given)s given.",
            "This request needs the advice of %(count)s experts (%(source)s); %(given)s given.",
            rule.count,
        ) % {"count": rule.count, "source": source, "given": len(experts)}
    if rule.one_of and not any(expertise in rule.one_of for _m, expertise in advices):
        return str(
            _("One of the advices must be of an orthopedagoog or psycholoog (%(source)s).")
            if RequestKind(kind) == RequestKind.TLV
            else _("This request needs the advice of the orthopedagoog (%(source)s).")
        ) % {"source": source}
    return None


def shown_source(rule: AdviceRule) -> str:
    """The rule's source as a page or a message names it: the law's articles as they are; a *seed* value (the
    project's choice where the law leaves it to the SWV) as the SWV's ondersteuningsplan, never the word "seed"."""
    if rule.source.startswith("seed"):
        return str(_("the samenwerkingsverband's ondersteuningsplan"))
    return rule.source
