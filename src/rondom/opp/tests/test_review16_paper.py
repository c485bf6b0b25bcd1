"""Review of issue 16: a paper signature belongs to the handelingsdeel that was printed, not to a later one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from rondom.opp import instemming as service
from rondom.opp.models import Instemming
from rondom.opp.tests.conftest import NOW, TODAY, opp_content, save_version
from rondom.opp.tests.test_instemming_pages import PDF, _scan

pytestmark = pytest.mark.django_db


def _record(world: dict[str, Any], signed_on: Any) -> Instemming:
    return service.record_paper_instemming(
        world["ib"],
        world["plan"],
        world["mother"],
        agrees=True,
        signed_on=signed_on,
        scan=_scan("s.pdf", PDF, "application/pdf"),
        today=TODAY + timedelta(days=7),
    )


def test_a_paper_signed_before_the_handelingsdeel_changed_does_not_count_for_the_new_one(world) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        save_version(world["plan"], opp_content(support="Dagelijks remedial teaching"), by=world["ib"])
    with pytest.raises(ValidationError) as refused:
        _record(world, TODAY + timedelta(days=1))  # signed on the first handelingsdeel, recorded after the change
    assert "signed_on" in refused.value.message_dict
    assert not Instemming.objects.exists()


def test_a_paper_signed_before_the_plan_existed_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        _record(world, TODAY - timedelta(days=3))
    assert "signed_on" in refused.value.message_dict


def test_a_change_outside_the_handelingsdeel_after_signing_keeps_the_paper_valid(world) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        save_version(world["plan"], opp_content(onderbouwing="Anders verwoord"), by=world["ib"])
    row = _record(world, TODAY + timedelta(days=1))
    assert row.content_hash == service.current_hash(world["plan"])


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scan.pdf", b"<html><script>alert(1)</script></html>"),
        ("scan.png", PDF),
        ("scan.jpg", b"GIF89a" + b"\x00" * 20),
        ("scan.pdf", b"%PDF-1.4\n garbage that is no pdf"),
    ],
)
def test_a_scan_is_checked_by_its_content_not_its_name(world, name, data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        service.record_paper_instemming(
            world["ib"],
            world["plan"],
            world["mother"],
            agrees=True,
            signed_on=TODAY,
            scan=_scan(name, data, "application/pdf"),
            today=TODAY,
        )
    assert "scan" in refused.value.message_dict
    assert not Instemming.objects.exists()
