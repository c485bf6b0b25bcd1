"""A small world for the samenwerkingsverband side's tests: an SWV with a loket and two experts, a school of it, a
pupil with a parent, and requests written directly (the school side's service is tested on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from rondom.accounts.models import Membership, Organisation
from rondom.consent.models import Consent
from rondom.registry.models import Child
from rondom.swv.models import Advice, RequestKind, RequestState, SwvRequest
from tests.factories import (
    ChildFactory,
    GuardianshipFactory,
    MembershipFactory,
    OrganisationFactory,
    SchoolFactory,
    consent_for,
)


@dataclass
class World:
    swv: Organisation
    school: Organisation
    loket: Membership
    ortho: Membership
    psycho: Membership
    ib: Membership
    child: Child


def world() -> World:
    swv = OrganisationFactory(kind="swv", name="SWV Zwolle PO")
    school = SchoolFactory(samenwerkingsverband=swv)
    start = timezone.localdate() - timedelta(days=400)
    child = ChildFactory(school=school)
    GuardianshipFactory(child=child)
    return World(
        swv=swv,
        school=school,
        loket=MembershipFactory(organisation=swv, role="swv_loket", valid_from=start),
        ortho=MembershipFactory(organisation=swv, role="swv_expert", valid_from=start),
        psycho=MembershipFactory(organisation=swv, role="swv_expert", valid_from=start),
        ib=MembershipFactory(organisation=school, role="intern_begeleider", valid_from=start),
        child=child,
    )


def request_for(
    w: World,
    kind: str = RequestKind.TLV,
    *,
    child: Child | None = None,
    consent: Consent | None = None,
    categories: list[str] | None = None,
    received_on: date | None = None,
    decide_by: date | None = None,
    **fields: Any,
) -> SwvRequest:
    """A submitted request of `w.school` to `w.swv` about `child` (default: w.child), on a consent naming the SWV."""
    child = child or w.child
    received_on = received_on or timezone.localdate()
    consent = consent or consent_for(child, "swv", w.swv, categories or ["support"])
    return SwvRequest.objects.create(
        child=child,
        school=w.school,
        swv=w.swv,
        kind=kind,
        question="Past het speciaal onderwijs beter bij dit kind?",
        snapshot={"parts": [{"title": "Onderwijsbehoeften", "text": "Veel structuur."}]},
        consent=consent,
        received_on=received_on,
        decide_by=decide_by or received_on + timedelta(days=7),
        **fields,
    )


def advise(request: SwvRequest, expert: Membership, expertise: str, recommends: bool = True) -> Advice:
    request.state = RequestState.ADVISED
    request.save(update_fields=["state"])
    return Advice.objects.create(request=request, expert=expert, expertise=expertise, recommends=recommends, text="Ja.")
