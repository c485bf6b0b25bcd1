"""The demo's transfer: a child of De Esch offered to Thomas a Kempis with consent, waiting for `zorgco`."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from rondom.access import policy
from rondom.accounts.models import User
from rondom.demo import transfers as demo_transfers
from rondom.transfers.models import Transfer, TransferState

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_child_in_transfer_waiting_for_the_vo_zorgcoordinator() -> None:
    today = date(2026, 3, 10)
    call_command("load_demo", "--small", "--today", today.isoformat(), "--no-progress", stdout=io.StringIO())
    transfer = Transfer.objects.get()
    assert transfer.state == TransferState.OFFERED
    assert transfer.from_school.brin == "12AB" and transfer.to_school.brin == "34CD"
    assert transfer.child.group == "8"
    zorgco = User.objects.get(username="zorgco")
    decision = policy.decide(zorgco, transfer.child, "read", "support")
    assert decision.allowed and decision.ground == "transfer"
    assert not policy.decide(zorgco, transfer.child, "update", "support").allowed
    assert demo_transfers.generate(today) == 0  # idempotent
