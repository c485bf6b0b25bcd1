"""Factories that build the world of the tests: organisations, people, children, consent."""

from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from rondom.accounts.models import Membership, MunicipalityOrganisation, Organisation, User
from rondom.consent.models import Consent, ConsentGiver
from rondom.registry.models import Child, ChildNote, GroupTeacher, Guardianship, Municipality, SchoolGroup

# One argon2 hash for every test user keeps the suite fast; the hasher itself is tested separately.
PASSWORD = "correct horse battery staple"
_HASH = make_password(PASSWORD)


def born_years_ago(years: int, days: int = 30) -> date:
    today = timezone.localdate()
    return date(today.year - years, today.month, 1) - timezone.timedelta(days=days)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = "Zwolle"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = "wijkteam"
    municipality = factory.SubFactory(MunicipalityFactory)

    @factory.post_generation
    def configured(obj: Organisation, create: bool, extracted: object, **kwargs: object) -> None:  # type: ignore[misc]
        """In the test world the platform administrator configured a gemeente as its municipality's gemeente
        (accounts.MunicipalityOrganisation), unless a test passes configured=False or another is configured."""
        if create and obj.kind == "municipality" and extracted is not False and obj.municipality_id:
            MunicipalityOrganisation.objects.get_or_create(
                municipality_id=obj.municipality_id, defaults={"organisation": obj}
            )


class SchoolFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"School {n}")
    kind = "school"
    #: "QQ": a BRIN no demo school has (De Esch is 12AB, the synthetic schools 50AA and up, without Q), so a test may
    #: build the demo and factory schools side by side in any order.
    brin = factory.Sequence(lambda n: f"{n % 100:02d}QQ")
    vestiging = "00"
    school_type = "po"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Persoon{n}")
    password = _HASH


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(SchoolFactory)
    role = "teacher"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    given_name = factory.Sequence(lambda n: f"Kind{n}")
    family_name = "Jansen"
    date_of_birth = factory.LazyFunction(lambda: born_years_ago(9))
    school = factory.SubFactory(SchoolFactory)
    home_municipality = factory.SubFactory(MunicipalityFactory)


class SchoolGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolGroup

    school = factory.SubFactory(SchoolFactory)
    school_year = "2026-2027"
    key = factory.Sequence(lambda n: f"groep-{n}")
    name = factory.Sequence(lambda n: f"Groep {n % 8 + 1}{chr(65 + n % 3)}")
    jaargroep = "6"


class GroupTeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupTeacher

    group = factory.SubFactory(SchoolGroupFactory)
    membership = factory.SubFactory(MembershipFactory)
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timezone.timedelta(days=30))


def teach(membership: Membership, *children: Child) -> GroupTeacher | None:
    """Let `membership` (a teacher at the children's school) teach the children's group from a month ago: each child
    without a group is put in one group of its school first (one group per school for the children given). Returns
    the last GroupTeacher row (None when no child is given). The access policy's group rule: access.rules."""
    found = None
    for child in children:
        if child.school_group_id is None:
            group = SchoolGroup.objects.filter(school_id=child.school_id, key="teach").first() or SchoolGroupFactory(
                school_id=child.school_id, key="teach", name=child.group or "Groep 6"
            )
            child.school_group = group
            child.save(update_fields=["school_group"])
        found = GroupTeacher.objects.filter(group_id=child.school_group_id, membership=membership).first()
        found = found or GroupTeacherFactory(group_id=child.school_group_id, membership=membership)
    return found


def teacher_of(*children: Child, **kwargs: object) -> Membership:
    """A teacher at the first child's school who teaches the children's group(s) (`teach`): the school-role ground of
    a teacher covers only the groups taught (issue 15). `kwargs` go to MembershipFactory (e.g. user=...)."""
    membership = MembershipFactory(organisation=children[0].school, role="teacher", **kwargs)
    teach(membership, *children)
    return membership


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    child = factory.SubFactory(ChildFactory)
    user = factory.SubFactory(UserFactory)
    has_authority = True


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChildNote

    child = factory.SubFactory(ChildFactory)
    category = "support"
    text = "Gesprek met ouders gevoerd."


def consent_for(child: Child, purpose: str, recipient: Organisation | None, categories: list[str]) -> Consent:
    """A consent as the family gave it, written directly (the service is tested on its own)."""
    consent = Consent.objects.create(child=child, purpose=purpose, recipient=recipient, categories=categories)
    for g in child.guardianships.filter(has_authority=True):
        ConsentGiver.objects.create(consent=consent, capacity="parent", guardianship=g)
    return consent


def make_bsn(seed: int) -> str:
    """A BSN that passes the elfproef, different for every seed (test data only)."""
    base = 10_000_000 + seed * 13
    while True:
        digits = f"{base:08d}"
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10:
            return digits + str(last)
        base += 1


def pupil_with_bsn(seed: int, **kwargs: object) -> Child:
    child = ChildFactory(**kwargs)
    child.set_bsn(make_bsn(seed))
    child.save()
    return child
