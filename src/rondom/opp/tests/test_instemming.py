"""Instemming with the OPP's handelingsdeel (issue 16, part 2): the version hash, who is asked, how it was given,
and a refusal that starts a conversation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from rondom.audit.models import AccessLogEntry
from rondom.notifications.models import Notification
from rondom.opp import instemming as service
from rondom.opp.hashing import handelingsdeel_hash
from rondom.opp.models import Instemming
from rondom.opp.tests.conftest import NOW, TODAY, found_for, opp_content, save_version
from tests.factories import ChildFactory, GuardianshipFactory, UserFactory, born_years_ago

pytestmark = pytest.mark.django_db
EMAIL = Instemming.Method.EMAIL_CODE


def _give(world: dict[str, Any], who: str = "mother", agrees: bool = True, **kwargs: Any) -> Instemming:
    user = world[who].user if who in ("mother", "father") else world[who]
    params = {
        "agrees": agrees,
        "own_words": "" if agrees else "Te weinig uren.",
        "shown_hash": handelingsdeel_hash(world["plan"].content),
        "method": EMAIL,
        "now": NOW,
        **kwargs,
    }
    return service.give_instemming(user, found_for(user, world["child"]), **params)


def test_an_instemming_records_version_hash_person_and_method(world) -> None:  # type: ignore[no-untyped-def]
    row = _give(world)
    assert row.plan_version == 1 and row.content_hash == handelingsdeel_hash(world["plan"].content)
    assert row.guardianship == world["mother"] and row.capacity == "parent" and row.method == EMAIL
    assert row.recorded_at == NOW and row.recorded_by == world["mother"].user
    assert AccessLogEntry.objects.filter(object_type="instemming", object_id=str(row.pk), action="create").exists()


def test_both_parents_with_authority_agree_before_the_version_is_agreed(world) -> None:  # type: ignore[no-untyped-def]
    _give(world)
    status = service.instemming_status(world["plan"], TODAY)
    assert status is not None and status.state == service.OPEN
    assert [p.decider.guardianship for p in status.waiting] == [world["father"]]
    _give(world, "father")
    assert service.instemming_status(world["plan"], TODAY).state == service.AGREED  # type: ignore[union-attr]


def test_a_new_version_with_the_same_handelingsdeel_keeps_the_instemming(world) -> None:  # type: ignore[no-untyped-def]
    _give(world)
    _give(world, "father")
    before = handelingsdeel_hash(world["plan"].content)
    save_version(world["plan"], opp_content(onderbouwing="Nieuwe toets: leest nog beter"))  # only the reasoning
    assert world["plan"].version == 2 and handelingsdeel_hash(world["plan"].content) == before
    status = service.instemming_status(world["plan"], TODAY)
    assert status.state == service.AGREED and status.version == 2  # type: ignore[union-attr]


def test_a_changed_handelingsdeel_asks_again_and_the_old_hash_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    old_hash = handelingsdeel_hash(world["plan"].content)
    _give(world)
    _give(world, "father")
    save_version(world["plan"], opp_content(support="Eén keer per week leesles"))
    status = service.instemming_status(world["plan"], TODAY)
    assert status.state == service.OPEN and len(status.waiting) == 2  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as refused:
        _give(world, shown_hash=old_hash)
    assert "shown_hash" in refused.value.message_dict
    assert Instemming.objects.count() == 2  # nothing written
    row = _give(world)
    assert row.plan_version == 2 and row.content_hash != old_hash


def test_a_parent_whose_authority_ended_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    user = world["mother"].user
    found = found_for(user, world["child"])  # the page was opened while she had authority
    world["mother"].has_authority = False
    world["mother"].save()
    with pytest.raises(ValidationError) as refused:
        service.give_instemming(
            user,
            found,
            agrees=True,
            own_words="",
            shown_hash=handelingsdeel_hash(world["plan"].content),
            method=EMAIL,
            now=NOW,
        )
    assert "guardianship" in refused.value.message_dict and not Instemming.objects.exists()
    assert [d.guardianship for d in service.deciders(world["child"], TODAY)] == [world["father"]]


def test_without_an_opp_there_is_nothing_to_agree_with(world) -> None:  # type: ignore[no-untyped-def]
    world["plan"].opp_basis = ""
    world["plan"].save()
    with pytest.raises(ValidationError) as refused:
        _give(world)
    assert "plan" in refused.value.message_dict
    assert service.instemming_status(world["plan"], TODAY) is None


def test_who_is_asked_follows_the_age_rule() -> None:
    child = ChildFactory(date_of_birth=born_years_ago(9))
    parent = GuardianshipFactory(child=child)
    GuardianshipFactory(child=child, has_authority=False)
    assert [(d.capacity, d.guardianship) for d in service.deciders(child, TODAY)] == [("parent", parent)]
    child.date_of_birth = born_years_ago(14)
    assert [d.capacity for d in service.deciders(child, TODAY)] == ["parent", "youth"]
    child.date_of_birth = born_years_ago(17)
    assert [d.capacity for d in service.deciders(child, TODAY)] == ["parent", "youth"]
    child.date_of_birth = born_years_ago(18, days=400)
    assert [d.capacity for d in service.deciders(child, TODAY)] == ["youth"]


def test_the_youth_of_14_answers_beside_the_parents(world) -> None:  # type: ignore[no-untyped-def]
    child = world["child"]
    child.date_of_birth = born_years_ago(14)
    child.youth_account = UserFactory()
    child.save()
    _give(world)
    _give(world, "father")
    assert service.instemming_status(world["plan"], TODAY).state == service.OPEN  # type: ignore[union-attr]
    youth = child.youth_account
    row = service.give_instemming(
        youth,
        found_for(youth, child),
        agrees=True,
        own_words="",
        shown_hash=handelingsdeel_hash(world["plan"].content),
        method=EMAIL,
        now=NOW,
    )
    assert row.capacity == "youth" and row.guardianship is None
    assert service.instemming_status(world["plan"], TODAY).state == service.AGREED  # type: ignore[union-attr]


def test_a_refusal_needs_own_words_and_asks_the_school_for_a_conversation(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        _give(world, agrees=False, own_words="  ")
    assert "own_words" in refused.value.message_dict and not Instemming.objects.exists()
    row = _give(world, agrees=False, own_words="Wij willen liever hulp buiten de klas.")
    told = set(Notification.objects.filter(key=f"instemming-refused:{row.pk}").values_list("recipient", flat=True))
    assert told == {world["ib"].pk, world["zc"].pk}
    assert all(world["child"].given_name not in n.title for n in Notification.objects.all())
    status = service.instemming_status(world["plan"], TODAY)
    assert status.state == service.REFUSED and status.conversation_needed  # type: ignore[union-attr]
    assert status.refused[0].answer.own_words == "Wij willen liever hulp buiten de klas."  # type: ignore[union-attr]


def test_a_double_submit_writes_one_row(world) -> None:  # type: ignore[no-untyped-def]
    assert _give(world).pk == _give(world).pk
    assert Instemming.objects.count() == 1


def test_the_method_follows_how_the_session_was_signed_in() -> None:
    assert service.method_of_session({"_auth_user_backend": service.DIGID_BACKEND}) == "digid"
    assert (
        service.method_of_session({"_auth_user_backend": "django.contrib.auth.backends.ModelBackend"}) == "email_code"
    )
    with pytest.raises(ValidationError):
        service._check_method(Instemming.Method.PAPER)  # paper only through the staff page
