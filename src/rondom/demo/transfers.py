"""The demo's warm transfer (issue 16, part 4): Daan, in groep 8 at De Esch (po), offered by the ib'er (login `ib`)
to Thomas a Kempis College (vo) with his parent's consent, waiting for the vo zorgcoördinator (login `zorgco`) to
open and accept it. Every date is relative to the passed `today`. Idempotent: nothing is added when a transfer
exists."""

from __future__ import annotations

from datetime import date, timedelta

from rondom.accounts.models import Organisation, User
from rondom.consent.models import Consent, ConsentGiver, Purpose
from rondom.core.schoolyear import SchoolYear
from rondom.registry.models import Child, Guardianship
from rondom.transfers import services
from rondom.transfers.models import Transfer


def generate(today: date) -> int:
    """Build the transfer; returns how many were added (0 or 1)."""
    if Transfer.objects.exists():
        return 0
    esch = Organisation.objects.filter(kind="school", brin="12AB").first()
    kempis = Organisation.objects.filter(kind="school", brin="34CD").first()
    ib = User.objects.filter(username="ib").first()
    if esch is None or kempis is None or ib is None:
        return 0
    zwolle = esch.municipality
    child = Child.objects.create(
        given_name="Daan",
        family_name="Kuipers",
        date_of_birth=today - timedelta(days=11 * 365 + 200),  # 11 and a half: groep 8
        school=esch,
        group="8",
        home_municipality=zwolle,  # type: ignore[misc]
    )
    parent, _created = User.objects.get_or_create(
        username="demo-ouder-kuipers", defaults={"first_name": "Petra", "last_name": "Kuipers", "is_active": True}
    )
    parent.set_unusable_password()
    parent.save()
    guardianship = Guardianship.objects.create(child=child, user=parent, has_authority=True)
    moves_on = SchoolYear.of(today).last_day + timedelta(days=1)
    services.offer_transfer(
        ib,
        child,
        to_school=kempis,
        kind="po_vo",
        moves_on=moves_on,
        previous_access_until=moves_on + timedelta(days=60),
        message="Daan werkt goed met een vaste mentor en een rustige plek in de klas. Rekenen op eigen niveau.",
        help_ids=[],
        professional_ids=[],
        today=today,
    )
    consent = Consent.objects.create(
        child=child,
        purpose=Purpose.TRANSFER,
        categories=list(services.TRANSFER_CATEGORIES),
        recipient=kempis,
        valid_from=today,
        recorded_by=ib,
    )
    ConsentGiver.objects.create(consent=consent, capacity="parent", guardianship=guardianship)
    return 1
