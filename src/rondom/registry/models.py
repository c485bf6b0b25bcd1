from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rondom.core.categories import DataCategory

from . import bsn as bsn_module
from .names import search_key

CBS_CODE_VALIDATOR = RegexValidator(r"\AGM[0-9]{4}\Z", _("A CBS municipality code is GM and four digits, e.g. GM0193."))


class Municipality(models.Model):
    """A municipality, identified by its CBS code (``GM0796``, CBS "Gemeentelijke indeling"); the name is a label
    (``'s-Hertogenbosch``) that imports never change. The code is blank only for a municipality entered by hand."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    cbs_code = models.CharField(
        _("CBS code"),
        max_length=6,
        blank=True,
        validators=[CBS_CODE_VALIDATOR],
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(
                fields=["cbs_code"], condition=~models.Q(cbs_code=""), name="unique_municipality_cbs_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Wijk(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="wijken")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["municipality__name", "name"]
        verbose_name = _("wijk")
        verbose_name_plural = _("wijken")
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="unique_wijk")]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})"


#: The fields a child's search name (`Child.search_name`) is computed from.
NAME_FIELDS = frozenset({"given_name", "family_name", "anonymised_at"})


class ChildQuerySet(models.QuerySet["Child"]):
    """Bulk writers keep `Child.search_name` current as `Child.save` does (docs/search.md): `bulk_create` fills it
    (and an upsert's `update_fields` with a name field writes it too),
    `bulk_update` recomputes and writes it whenever a name field is written, and `update()` of a name field without
    the search name is refused (ValueError): the database cannot compute the key, so a caller must pass it."""

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Child]:  # type: ignore[override]
        objs = list(objs)
        for child in objs:
            child.search_name = child.computed_search_name()
        update_fields = kwargs.get("update_fields")  # an upsert writes only these on a row that exists
        if update_fields and NAME_FIELDS & set(update_fields) and "search_name" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_name"]
        return list(super().bulk_create(objs, *args, **kwargs))

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        fields = list(fields)
        if NAME_FIELDS & set(fields):
            objs = list(objs)
            for child in objs:
                child.search_name = child.computed_search_name()
            if "search_name" not in fields:
                fields.append("search_name")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        if NAME_FIELDS & set(kwargs) and "search_name" not in kwargs:
            raise ValueError("Child names changed by update() need search_name too (registry.names.search_key).")
        return super().update(**kwargs)


class Child(models.Model):
    """A child or youth (jeugdige / leerling). Only reachable through rondom.access."""

    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    bsn_encrypted = models.TextField(blank=True, editable=False)
    bsn_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    school = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pupils",
        limit_choices_to={"kind": "school"},
    )
    group = models.CharField(_("group / class"), max_length=20, blank=True)
    #: The group (groep/klas) the school's administration system puts the pupil in (roster import, issue 15);
    #: `group` keeps its name for lists. A teacher's school-role ground depends on it (access.rules).
    school_group = models.ForeignKey(
        "registry.SchoolGroup",
        verbose_name=_("group / class"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pupils",
    )
    #: The onderwijsnummer (DUO's number for a pupil without a BSN) as a keyed hash only, to match a roster row.
    onderwijsnummer_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    home_municipality = models.ForeignKey(
        Municipality, verbose_name=_("home municipality"), on_delete=models.PROTECT, related_name="children"
    )
    wijk = models.ForeignKey(
        Wijk, verbose_name=_("wijk"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    youth_account = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="own_record"
    )
    youth_care_ended_on = models.DateField(_("youth care ended on"), null=True, blank=True)
    left_school_on = models.DateField(_("left school on"), null=True, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Optimistic concurrency (rondom.versioning): an edit names the version it read; a stale version conflicts.
    version = models.PositiveIntegerField(default=1, editable=False)
    #: The name in its search form (registry.names.search_key: " chloe berg van der"), kept current by `save` and
    #: by every bulk writer (`ChildQuerySet`); empty once anonymised. Indexed outside the ORM, per database
    #: (migration 0006): a pg_trgm GIN index on PostgreSQL, the FTS5 table `registry_child_name_fts` on SQLite.
    search_name = models.TextField(blank=True, default="", editable=False)

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.UniqueConstraint(fields=["bsn_index"], condition=~models.Q(bsn_index=""), name="unique_bsn"),
        ]
        # The lists' order (by name, then id): a page of a large scope walks this index instead of sorting every
        # match (issue 17: a leerplicht officer's region).
        indexes = [models.Index(fields=["family_name", "given_name", "id"], name="child_name_order")]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def computed_search_name(self) -> str:
        """What `search_name` must hold: `search_key(given, family)`, or "" for an anonymised child."""
        return "" if self.anonymised_at else search_key(self.given_name, self.family_name)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves with `search_name` recomputed (added to `update_fields` when a name field is among them)."""
        self.search_name = self.computed_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and NAME_FIELDS & set(update_fields) and "search_name" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "search_name"]
        super().save(*args, **kwargs)

    @property
    def short_name(self) -> str:
        """Given name, the voorvoegsel as written and the initial of the surname: "Sophie de V.", "Daan B.",
        "Noor van der B." (how a work list names a child in a line). The voorvoegsel is the run of leading words
        in lower case ("de", "van der", "'t"), as Dutch writes it after a given name."""
        words = self.family_name.split()
        prefix = []
        while len(words) > 1 and words[0][:1] == words[0][:1].lower() and not words[0][:1].isdigit():
            prefix.append(words.pop(0))
        initial = f"{words[0][:1].upper()}." if words else ""
        return " ".join([self.given_name, *prefix, initial]).strip()

    @property
    def bsn(self) -> str:
        return bsn_module.decrypt(self.bsn_encrypted) if self.bsn_encrypted else ""

    def set_bsn(self, value: str) -> None:
        if value:
            normalised = bsn_module.normalise_bsn(value)
            self.bsn_encrypted = bsn_module.encrypt(normalised)
            self.bsn_index = bsn_module.blind_index(normalised)
        else:
            self.bsn_encrypted = ""
            self.bsn_index = ""

    @property
    def masked_bsn(self) -> str:
        return bsn_module.mask(self.bsn)

    def age_on(self, day: date | None = None) -> int:
        day = day or timezone.localdate()
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class Guardianship(models.Model):
    """A parent (or carer) of a child, with or without parental authority (gezag)."""

    class Relation(models.TextChoices):
        PARENT = "parent", _("Parent")
        GUARDIAN = "guardian", _("Guardian (voogd)")
        FOSTER_PARENT = "foster_parent", _("Foster parent")
        STEP_PARENT = "step_parent", _("Step-parent")
        OTHER = "other", _("Other carer")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardianships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships")
    has_authority = models.BooleanField(_("has parental authority"), default=True)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices, default=Relation.PARENT)

    class Meta:
        verbose_name = _("parent")
        verbose_name_plural = _("parents")
        constraints = [models.UniqueConstraint(fields=["child", "user"], name="unique_guardianship")]


class ChildNote(models.Model):
    """An entry in one part (data category) of a child's record."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="notes")
    category = models.CharField(_("part of the record"), max_length=20, choices=DataCategory.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_organisation = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Optimistic concurrency: an update names the version it read; a stale version is a conflict.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")


class RefusedBsn(models.Model):
    """A refused attempt to record a BSN that belongs to another child, for the privacy officer's review.

    The person who tried gets the same neutral answer as for any other refused BSN (it must not reveal that the
    number is known elsewhere); this row holds who tried and on which record, never the number itself or the
    other child."""

    occurred_at = models.DateTimeField(_("when"), db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    #: The record being edited (null when the attempt was a new registration).
    child_id_edited = models.BigIntegerField(_("record being edited"), null=True, blank=True)
    school = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("refused BSN attempt")
        verbose_name_plural = _("refused BSN attempts")


class SchoolMove(models.Model):
    """A pupil leaving a school, as recorded by the school or taken from BRON/DUO: where to and of what kind. The
    monitoring counts drop-out (left without a startkwalificatie) and afstroom (to a lower level or to special
    education) from these rows."""

    class Kind(models.TextChoices):
        DROP_OUT = "drop_out", _("Left without a basic qualification (voortijdig schoolverlaten)")
        DOWN = "down", _("To a lower level or to special education (afstroom)")
        UP = "up", _("To a higher level (opstroom)")
        SAME = "same", _("To another school at the same level")
        QUALIFIED = "qualified", _("Left with a basic qualification or diploma")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="moves")
    from_school = models.ForeignKey(
        "accounts.Organisation", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("from school")
    )
    to_school = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("to school"),
    )
    kind = models.CharField(_("kind of move"), max_length=10, choices=Kind.choices)
    moved_on = models.DateField(_("moved on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["from_school", "moved_on"], name="move_school_date")]


class SchoolGroup(models.Model):
    """A group of one school in one school year, as the school's administration system keeps it: a *groep* in
    primary education, a *klas* or stamgroep in secondary (EDEXML 2.1 ``groep``: key, naam, jaargroep). Loaded by
    the roster import (rondom.roster); never typed by hand. A group that is no longer in the school's export is
    ended (``ended_on``), not deleted, so that the access log keeps naming it."""

    school = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("school"), on_delete=models.PROTECT, related_name="school_groups"
    )
    #: '2026-2027' (rondom.core.schoolyear.SchoolYear).
    school_year = models.CharField(_("school year"), max_length=9)
    #: The source system's key of the group (EDEXML ``groep/@key``), unique per school and year.
    key = models.CharField(_("key in the school's system"), max_length=64)
    name = models.CharField(_("name"), max_length=40)
    #: EDEXML ``jaargroep``: '1'..'8' in po, the leerjaar in vo, 'SBO'/'SO' values as the file gives them.
    jaargroep = models.CharField(_("year group"), max_length=8, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        ordering = ["school", "school_year", "name"]
        verbose_name = _("group / class")
        verbose_name_plural = _("groups / classes")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "key"], name="unique_school_group_key"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupTeacher(models.Model):
    """A teacher or mentor who teaches a group, through his or her role at the school (EDEXML ``leerkracht`` with
    its ``groepen``). A teacher's school-role ground covers only the pupils of the groups he or she teaches now
    (access.rules, issue 15: need-to-know). Ending the role or the group ends this too."""

    group = models.ForeignKey(
        SchoolGroup, verbose_name=_("group / class"), on_delete=models.CASCADE, related_name="teachers"
    )
    membership = models.ForeignKey(
        "accounts.Membership", verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="groups_taught"
    )
    valid_from = models.DateField(_("valid from"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("group teacher")
        verbose_name_plural = _("group teachers")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "membership"],
                condition=models.Q(ended_on__isnull=True),
                name="unique_open_group_teacher",
            ),
        ]


class PupilKey(models.Model):
    """The key a school's administration system gives a pupil (EDEXML ``leerling/@key``, the spreadsheet's pupil
    number), per school: how a roster import finds the child again when the file carries no BSN or
    onderwijsnummer. Also the ECK iD when the file gives it (a pseudonymous chain id, never shown)."""

    school = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=64)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="roster_keys")
    eck_id = models.CharField(max_length=256, blank=True)

    class Meta:
        verbose_name = _("pupil key")
        verbose_name_plural = _("pupil keys")
        constraints = [models.UniqueConstraint(fields=["school", "key"], name="unique_pupil_key")]
