"""The samenwerkingsverband's queue in the demo (issue 16): requests of De Esch and Thomas a Kempis to
Samenwerkingsverband Zwolle in every state, on the families' consents, relative to the `today` the demo is built
for. The demo login `loket` decides them, `orthopedagoog` advises; a psycholoog (no login) has advised already.

Written directly (not through rondom.swv.decisions, whose checks run on the wall clock's roles): the same fields a
decision sets, numbers from rondom.swv.numbers. Idempotent: nothing is added when the demo's requests exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from rondom.accounts.models import Membership, Organisation, User
from rondom.consent.models import Capacity, Consent, ConsentGiver, Purpose
from rondom.core.roles import Role
from rondom.registry.models import Child
from rondom.schoolcalendar.services import add_working_days, is_working_day
from rondom.swv import rules
from rondom.swv.models import Advice, Expertise, RequestKind, RequestState, SwvRequest, TlvCategory
from rondom.swv.numbers import next_number

MARK = "[demo]"


@dataclass(frozen=True)
class Spec:
    school: str  # "esch" or "kempis"
    kind: str
    state: str
    received_days_ago: int
    question: str


#: One request in every state, and one overdue (submitted long ago, not yet decided).
SPECS = [
    Spec("esch", RequestKind.TLV, RequestState.SUBMITTED, 1, "Is speciaal basisonderwijs passend voor deze leerling?"),
    Spec("esch", RequestKind.ARRANGEMENT, RequestState.PLANNED, 3, "Extra begeleiding bij lezen en plannen."),
    Spec("kempis", RequestKind.TLV, RequestState.ADVISED, 6, "Past voortgezet speciaal onderwijs beter?"),
    Spec("esch", RequestKind.TLV, RequestState.GRANTED, 40, "Toelaatbaarheid speciaal onderwijs."),
    Spec("kempis", RequestKind.ARRANGEMENT, RequestState.GRANTED, 70, "Ambulante begeleiding twee dagdelen."),
    Spec("esch", RequestKind.CONSULTATION, RequestState.REFUSED, 30, "Multidisciplinair overleg over gedrag."),
    Spec("kempis", RequestKind.SHORT_INTERVENTION, RequestState.WITHDRAWN, 12, "Korte inzet bij faalangst."),
    Spec(
        "kempis", RequestKind.CONSULTATION, RequestState.SUBMITTED, 20, "Overleg over schoolverzuim en thuissituatie."
    ),
]


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(11, 0)))


def _working_day_on_or_after(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _expert(swv: Organisation, username: str, first: str, last: str, today: date) -> Membership:
    user, made = User.objects.get_or_create(username=username, defaults={"first_name": first, "last_name": last})
    if made:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership, _ = Membership.objects.get_or_create(
        user=user, organisation=swv, role=Role.SWV_EXPERT, defaults={"valid_from": today - timedelta(days=365)}
    )
    return membership


def _consent(child: Child, swv: Organisation, day: date) -> Consent:
    consent = Consent.objects.create(
        child=child, purpose=Purpose.SWV, recipient=swv, categories=["support"], valid_from=day
    )
    guardianship = child.guardianships.filter(has_authority=True).first()
    if guardianship is not None:
        ConsentGiver.objects.create(consent=consent, capacity=Capacity.PARENT, guardianship=guardianship)
    else:
        ConsentGiver.objects.create(consent=consent, capacity=Capacity.YOUTH)
    return consent


def _snapshot(child: Child, spec: Spec) -> dict[str, object]:
    return {
        "parts": [
            {"title": "Onderwijsbehoeften", "text": "Een vaste plek, korte instructie en herhaling."},
            {"title": "Wat de school al deed", "text": "Twee periodes extra begeleiding; handelingsplan geëvalueerd."},
            {"title": "Vraag van de school", "text": spec.question},
        ]
    }


def generate(today: date) -> dict[str, int]:
    """Add the demo's requests (once). Returns how many per state were made."""
    if SwvRequest.objects.filter(question__startswith=MARK).exists():
        return {}
    swv = Organisation.objects.filter(kind="swv", name="Samenwerkingsverband Zwolle").first()
    found = {
        "esch": Organisation.objects.filter(name="Basisschool De Esch").first(),
        "kempis": Organisation.objects.filter(name="Thomas a Kempis College").first(),
    }
    schools = {key: school for key, school in found.items() if school is not None}
    loket = User.objects.filter(username="loket").first()
    ortho = Membership.objects.filter(user__username="orthopedagoog", organisation=swv, role=Role.SWV_EXPERT).first()
    if swv is None or loket is None or ortho is None or len(schools) < len(found):
        return {}
    psycho = _expert(swv, "swv-psycholoog", "Petra", "de Wit", today)
    senders = {
        "esch": User.objects.filter(username="ib").first(),
        "kempis": User.objects.filter(username="zorgco").first(),
    }
    pupils: dict[str, list[Child]] = {}
    for key, school in schools.items():
        pupils[key] = list(
            Child.objects.filter(school=school, anonymised_at__isnull=True)
            .exclude(swv_requests__isnull=False)
            .order_by("-pk")[:10]
        )
    counts: dict[str, int] = {}
    with transaction.atomic():
        for spec in SPECS:
            if not pupils[spec.school]:
                continue
            child = pupils[spec.school].pop(0)
            received = today - timedelta(days=spec.received_days_ago)
            request = SwvRequest.objects.create(
                child=child,
                school=schools[spec.school],
                swv=swv,
                kind=spec.kind,
                question=f"{MARK} {spec.question}",
                snapshot=_snapshot(child, spec),
                consent=_consent(child, swv, received - timedelta(days=1)),
                funding_requested=Decimal("6000.00") if spec.kind == RequestKind.ARRANGEMENT else None,
                submitted_by=senders[spec.school],
                received_on=received,
                decide_by=add_working_days(received, settings.SWV_DECISION_WORKING_DAYS),
            )
            _advance(request, spec, today, loket, ortho, psycho)
            state = RequestState(spec.state).value  # the plain word in the console, not the enum's repr
            counts[state] = counts.get(state, 0) + 1
    return counts


def _advance(request: SwvRequest, spec: Spec, today: date, loket: User, ortho: Membership, psycho: Membership) -> None:
    """Move a new request to the state of its spec, as the loket and experts would have."""
    state = spec.state
    if state == RequestState.SUBMITTED:
        return
    request.meeting_on = _working_day_on_or_after(request.received_on + timedelta(days=2))
    if state == RequestState.WITHDRAWN:
        request.state = state
        request.withdrawn_at = _aware(request.received_on + timedelta(days=3))
        request.save()
        return
    if state == RequestState.PLANNED:
        request.meeting_on = _working_day_on_or_after(today + timedelta(days=2))
        request.state = state
        request.save()
        return
    needed = rules.ADVICE_RULES[request.kind].count
    for expert, expertise in [(ortho, Expertise.ORTHOPEDAGOOG), (psycho, Expertise.PSYCHOLOOG)][:needed]:
        advice = Advice.objects.create(
            request=request,
            expert=expert,
            expertise=expertise,
            recommends=state != RequestState.REFUSED,
            text="Onderzoek en gesprek met ouders en school: de ondersteuningsbehoefte is groot en blijvend.",
        )
        # Given on the meeting, before the decision (given_at is auto_now_add: the load's clock otherwise).
        Advice.objects.filter(pk=advice.pk).update(given_at=_aware(min(request.meeting_on, today)))
    if state == RequestState.ADVISED:
        request.state = state
        request.save()
        return
    decided = min(request.decide_by, today)
    request.state = state
    request.decided_at = _aware(decided)
    request.decided_by = loket
    request.beschikkingsnummer = next_number(request.swv_id, decided.year)
    if state == RequestState.REFUSED:
        request.decision_reason = "Het overleg is op school al gevoerd; de school kan dit zelf organiseren."
        request.access_until = decided + timedelta(days=rules.ACCESS_AFTER_DECISION_DAYS)
    elif request.kind == RequestKind.TLV:
        request.decision_reason = (
            "Beide deskundigen adviseren positief; de school heeft haar basisondersteuning ingezet."
        )
        request.tlv_category = TlvCategory.LOW
        request.valid_from = decided
        request.valid_until = date(decided.year + 2, 7, 31)
        request.access_until = request.valid_until
    else:  # an arrangement granted long enough ago that it should have started: it shows in the queue's attention
        request.decision_reason = "Extra begeleiding voor een half jaar; start binnen acht weken."
        request.valid_from = decided
        request.valid_until = decided + timedelta(days=180)
        request.funding_granted = Decimal("4500.00")
        request.start_by = decided + timedelta(weeks=settings.SWV_ARRANGEMENT_START_WEEKS)
        request.access_until = request.valid_until
    request.save()
