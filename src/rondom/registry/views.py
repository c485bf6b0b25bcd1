"""Web pages for a child's record. Thin: the policy decides, services write, every look is logged."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rondom.access import emergency, policy, rules, tasks
from rondom.access import services as access_services
from rondom.access.declared import (
    NO_CHILD_DATA,
    PER_OBJECT,
    ChildRecordView,
    Declaration,
    create,
    read,
    search,
)
from rondom.accounts.models import Organisation, OrganisationKind, User
from rondom.cases.models import Case
from rondom.cases.workflow import OPEN_STATES
from rondom.core.categories import Action, DataCategory
from rondom.limits import FREE_TEXT_MAX
from rondom.records import selectors, services
from rondom.refusals import add_refusal
from rondom.worklist import choice, int_or_none, paginate

from .bsn import bsn_error
from .models import ChildNote, SchoolGroup


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search by name"), required=False, max_length=100)


class NoteForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("Part of the record"),
        choices=[(c, label) for c, label in DataCategory.choices if c != DataCategory.IDENTITY],
    )
    text = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=FREE_TEXT_MAX
    )


class EmergencyForm(forms.Form):
    bsn = forms.CharField(
        label=gettext_lazy("BSN of the child"), max_length=11, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    reason = forms.CharField(
        label=gettext_lazy("Why do you need access now?"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_bsn(self) -> str:
        value = self.cleaned_data["bsn"]
        error = bsn_error(value)
        if error:
            raise forms.ValidationError(error)
        return str(value)


#: Sort orders of the children list: value -> ORM ordering.
CHILD_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("family_name", "given_name", "pk"),
    "-name": ("-family_name", "-given_name", "-pk"),
    "group": ("group", "family_name", "given_name", "pk"),
    "school": ("school__name", "family_name", "given_name", "pk"),
}
CHILD_SORT_LABELS = (
    ("name", gettext_lazy("Name A–Z")),
    ("-name", gettext_lazy("Name Z–A")),
    ("group", gettext_lazy("Group / class")),
    ("school", gettext_lazy("School")),
)
OPEN_CASE_CHOICES = (
    ("", gettext_lazy("All")),
    ("yes", gettext_lazy("With an open case")),
    ("no", gettext_lazy("Without an open case")),
)


class ChildListView(ChildRecordView):
    """The children list ('Mijn leerlingen' for school staff, 'Leerlingen' for other roles): every child in the
    user's scope, paged with a true count (issue 14: never a silent cap), filtered by school, group / class and open
    case (GET), sorted by name, group or school. The name search travels in a POST body, never in the URL
    (docs/security.md): a paged search pages with POST buttons. One access-log row per child shown on the page."""

    declaration = Declaration(get=search(DataCategory.IDENTITY), post=search(DataCategory.IDENTITY), child_kwarg=None)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, SearchForm(), request.GET)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, SearchForm(request.POST), request.POST)

    def _render(self, request: HttpRequest, form: SearchForm, params: Any) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        # A search the form refuses (a term over max_length) finds no one: it must not fall back to the whole scope.
        refused = form.is_bound and not form.is_valid()
        term = form.cleaned_data.get("q", "") if form.is_valid() else ""
        scope = policy.children_in_scope(user)
        # The school filter's choices: the schools with a child in the scope, one index probe per school rather than
        # a pass over the whole scope (a leerplicht officer's scope is a region: issue 17). The group filter lists
        # the groups of the chosen school (or of the only one): a list of every group of eighty schools helps no one.
        schools = list(
            Organisation.objects.filter(kind=OrganisationKind.SCHOOL)
            .filter(Exists(scope.filter(school_id=OuterRef("pk")).order_by()))
            .only("pk", "name")
            .order_by("name")
        )
        school = int_or_none(params.get("school"))
        school = school if school in {o.pk for o in schools} else None
        in_school = scope.filter(school_id=school) if school else scope
        group_school = school or (schools[0].pk if len(schools) == 1 else None)
        groups = (
            sorted(
                g
                for g in scope.filter(school_id=group_school).order_by().values_list("group", flat=True).distinct()
                if g
            )
            if group_school
            else []
        )
        group = choice(params.get("group"), groups)
        # Whether a child has an open case is support information (issue 15, new-user trial: the functioneel beheerder
        # saw it for every pupil). The filter is offered only to school roles that read support, and filters only
        # the children of those schools; the column shows it per child only where the policy allows reading support.
        support_schools = {
            m.organisation_id
            for m in user.roles()
            if "r" in rules.SCHOOL_ROLE_RULES.get(m.role, {}).get(DataCategory.SUPPORT, "")
        }
        open_case = choice(params.get("open_case"), ("yes", "no")) if support_schools else ""
        sort = choice(params.get("sort"), list(CHILD_SORTS), "name")
        children = selectors.search_children(user, term, scope=in_school).annotate(
            has_open_case=Exists(Case.objects.filter(child=OuterRef("pk"), status__state__in=OPEN_STATES))
        )
        if refused:
            children = children.none()
        if group:
            children = children.filter(group=group)
        if open_case:
            children = children.filter(school_id__in=support_schools, has_open_case=open_case == "yes")
        children = children.order_by(*CHILD_SORTS[sort])
        filters = {"school": school or "", "group": group, "open_case": open_case, "sort": sort}
        wp = paginate(children, params.get("page"), params={**filters, "q": term} if term else filters, post=bool(term))
        shown = wp.items
        self.log_shown(shown, decisions=policy.decide_many(user, shown, Action.SEARCH, DataCategory.IDENTITY).values())
        # Whether the open-case column may show per child: the policy's list scope narrowed to the page (a bounded
        # number of queries; deciding per child cost a query per row for a leerplicht officer, issue 17).
        support = set(
            policy.allowed_children(user, Action.READ, DataCategory.SUPPORT)
            .filter(pk__in=[child.pk for child in shown])
            .values_list("pk", flat=True)
        )
        for child in shown:
            child.case_shown = child.pk in support  # type: ignore[attr-defined]
        taught = teaching_groups(user)
        context = {
            "form": form,
            "children": shown,
            "wp": wp,
            "term": term,
            "filters": filters,
            "filtered": bool(school or group or open_case),
            "schools": schools,
            "groups": groups,
            "sorts": CHILD_SORT_LABELS,
            "open_case_choices": OPEN_CASE_CHOICES if support_schools else (),
            "case_column": any(child.case_shown for child in shown),  # type: ignore[attr-defined]
            "taught": taught,
            "title": child_list_title(user),
        }
        return render(request, "registry/child_list.html", context)


def teaching_groups(user: User) -> list[str]:
    """The names of the groups `user` teaches today as a group-bound school role (a teacher: access.rules
    GROUP_BOUND_SCHOOL_ROLES), for the line that tells a teacher why she sees these pupils; empty for every other
    role. One query. Raises nothing."""
    taught = policy.groups_taught(user.roles(), timezone.localdate())
    ids = {group for groups in taught.values() for group in groups}
    return list(SchoolGroup.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True)) if ids else []


def child_list_title(user: User) -> str:
    """The children list's name for this user: 'Mijn leerlingen' for school staff (their own pupils), else
    'Leerlingen' (a provider, the gemeente, leerplicht, the youth doctor: the pupils they work for)."""
    return _("My pupils") if works_at_a_school(user) else _("Pupils")


def works_at_a_school(user: User) -> bool:
    """Whether the user holds a school role (access.rules.SCHOOL_ROLE_RULES) at a school: the children list is then
    the user's own pupils. Reads the cached roles (no query)."""
    return any(
        m.role in rules.SCHOOL_ROLE_RULES and m.organisation.kind == OrganisationKind.SCHOOL for m in user.roles()
    )


class ChildDetailView(ChildRecordView):
    # The record: basic details (the declared read), and one row per note category shown.
    declaration = Declaration(get=read(DataCategory.IDENTITY))
    # The read row and the parts' rows in one statement (one log transaction per page, issue 17).
    read_with_parts = True

    def get(
        self, request: HttpRequest, child_id: int, note_form: NoteForm | None = None, status: int = 200
    ) -> HttpResponse:
        """The record; `note_form` (from NoteCreateView, after an error) is the posted note form, shown again bound
        with what was typed, answered with `status`."""
        child, decision = self.child, self.decision
        # Read every ground once; decide per part of the record from that.
        bases = policy.bases_for(request.user, child)  # type: ignore[arg-type]
        readable = sorted({c for b in bases for c, m in b.permissions.items() if "r" in m})
        shown = [c for c in readable if c != DataCategory.IDENTITY]
        self.log_parts(((c, "notes", c) for c in shown), bases=bases)
        notes: dict[str, list[ChildNote]] = {c: [] for c in shown}
        for note in child.notes.filter(category__in=shown).select_related("author_organisation"):
            notes[note.category].append(note)
        writable = [
            c
            for c in DataCategory.values
            if c != DataCategory.IDENTITY and policy.decide_with(bases, Action.CREATE, c).allowed
        ]
        sections = [
            {"category": c, "label": DataCategory(c).label, "notes": notes[c], "can_write": c in writable}
            for c in shown
        ]
        form = note_form or NoteForm()
        form.fields["category"].choices = [(c, DataCategory(c).label) for c in writable]  # type: ignore[attr-defined]
        return render(
            request,
            "registry/child_detail.html",
            {
                "child": child,
                "decision": decision,
                "sections": sections,
                "note_form": form if writable else None,
                "can_read_support": DataCategory.SUPPORT in readable,
                # Documents from the family are support information: read only with that right, in one query.
                "family_documents": list(child.family_documents.all()) if DataCategory.SUPPORT in readable else [],
                "can_read_absence": DataCategory.ABSENCE in readable,
            },
            status=status,
        )


class NoteCreateView(ChildRecordView):
    # The category is chosen in the form; the service decides on it (403) and logs.
    declaration = Declaration(post=create(PER_OBJECT, service_decides=True))

    def post(self, request: HttpRequest, child_id: int) -> HttpResponse:
        form = NoteForm(request.POST)
        if form.is_valid():
            category, child = form.cleaned_data["category"], self.child
            try:
                services.add_note(request.user, child, category, form.cleaned_data["text"])  # type: ignore[arg-type]
            except ValidationError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, _("The note was saved."))
                return redirect("registry:child-detail", child_id=child.pk)
        # The record page again (400) with the note as typed and the error summary; the page logs what it shows
        # (the record's parts), and the declared path logs the page shown again as a read.
        return ChildDetailView.get(cast(ChildDetailView, self), request, self.child.pk, note_form=form, status=400)


class EmergencyAccessView(ChildRecordView):
    """The emergency button ('noodknop'): find a child by BSN (in the POST body, never the URL), write down why,
    and read the record for a few hours. Every look is logged as emergency access and reviewed afterwards."""

    # Outside the user's scope by design: the service finds the child, decides and logs the button pressed.
    declaration = Declaration(
        get=NO_CHILD_DATA,
        post=create(DataCategory.IDENTITY, service_decides=True),
        object_type="emergency_access",
        child_kwarg=None,
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        if not tasks.may(request.user, "use_emergency_access"):  # type: ignore[arg-type]
            raise PermissionDenied
        return render(request, "registry/emergency.html", {"form": EmergencyForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        user: User = request.user  # type: ignore[assignment]
        if not tasks.may(user, "use_emergency_access"):
            raise PermissionDenied
        form = EmergencyForm(request.POST)
        status = 400
        if form.is_valid():
            child = selectors.child_by_bsn(form.cleaned_data["bsn"])
            membership = emergency.membership_for(user, child) if child is not None else None
            if child is None or membership is None:
                form.add_error("bsn", _("No child with this BSN is registered in Rondom."))
            else:
                try:
                    access_services.start_emergency_access(user, child, membership, form.cleaned_data["reason"])
                except ValidationError as exc:
                    form.add_error("reason", " ".join(exc.messages))
                except emergency.EmergencyLimitReached as exc:
                    form.add_error(None, exc.message)
                    status = 429
                except PermissionDenied as exc:
                    form.add_error("bsn", str(exc) or _("You cannot use the emergency button for this child."))
                    status = 403
                else:
                    messages.warning(request, _("Emergency access is on. It is logged and will be reviewed."))
                    return redirect("registry:child-detail", child_id=child.pk)
        return render(request, "registry/emergency.html", {"form": form}, status=status)
