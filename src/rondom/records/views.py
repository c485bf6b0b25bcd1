"""Pages of the functioneel beheerder (issue 15, point 3): the organisation's people and their roles, inviting one
or a file of them, changing and ending an account; the school's support team; a provider's named contacts.

Thin: the services in records.staff decide and write (through records.administration's checks). None of these
pages shows a child's record (`serves_child_data = False`). An organisation outside the actor's task right
answers 404, as does a person who never held a role there."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from rondom.accounts.models import Membership, Organisation, User
from rondom.cases.models import ProviderContact
from rondom.core.roles import Role, role_fits_kind
from rondom.refusals import add_refusal, refusal_text
from rondom.registry.models import Wijk
from rondom.worklist import choice, paginate

from . import staff

#: The session key of a bulk file that passed its dry run (the file itself, base64, and its digest).
BULK_SESSION_KEY = "rondom_staff_bulk"
#: The largest bulk file kept between the dry run and the real run.
MAX_BULK_BYTES = 1 << 20


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _organisation(request: HttpRequest, organisation_id: int, task: str) -> Organisation:
    for organisation in staff.organisations(_user(request), task):
        if organisation.pk == organisation_id:
            return organisation
    raise Http404


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


class _Home(LoginRequiredMixin, View):
    """The menu's entry: the one organisation's page, or a choice when the actor administers several."""

    serves_child_data = False
    task = ""
    target = ""
    title: Any = ""

    def get(self, request: HttpRequest) -> HttpResponse:
        found = staff.organisations(_user(request), self.task)
        if not found:
            raise PermissionDenied
        if len(found) == 1:
            return redirect(self.target, organisation_id=found[0].pk)
        links = [(o, reverse(self.target, kwargs={"organisation_id": o.pk})) for o in found]
        return render(request, "staff/choose.html", {"links": links, "title": self.title})


class StaffHomeView(_Home):
    task, target, title = "manage_staff", "records:staff-list", gettext_lazy("People and roles")


class TeamHomeView(_Home):
    task, target, title = "keep_support_team", "records:team", gettext_lazy("Support-team members")


class ContactsHomeView(_Home):
    task, target, title = "keep_provider_contacts", "records:contacts", gettext_lazy("Contact persons")


# --- people -------------------------------------------------------------------------------------------------------


class StaffListView(LoginRequiredMixin, View):
    """The organisation's people with their current roles, as a work list (25 a page, a true count); filter: role."""

    serves_child_data = False

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        organisation = _organisation(request, organisation_id, "manage_staff")
        today = timezone.localdate()
        fitting = [r for r in Role.values if role_fits_kind(r, organisation.kind)]
        role = choice(request.GET.get("rol"), fitting)
        wp = paginate(staff.people(organisation, today=today, role=role), request.GET.get("page"), params={"rol": role})
        context = {
            "organisation": organisation,
            "wp": wp,
            "people": wp.items,
            "roles": [(r, Role(r).label) for r in fitting],
            "role": role,
            "today": today,
        }
        return render(request, "staff/list.html", context)


class AnyRoleField(forms.MultipleChoiceField):
    """Offers the roles the actor may give, but lets any known role through to the service, which names in Dutch
    why a role does not fit the organisation or may not be given (records.staff.invite), instead of Django's bare
    "not one of the available choices"."""

    def valid_value(self, value: str) -> bool:
        return value in Role.values


class InviteForm(forms.Form):
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    roles = AnyRoleField(label=gettext_lazy("Roles"), widget=forms.CheckboxSelectMultiple, choices=())

    def __init__(self, roles: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = [(r, Role(r).label) for r in roles]  # type: ignore[attr-defined]
        self.fields["roles"].help_text = _("Only the roles that fit this organisation and that you may give.")


class InviteView(LoginRequiredMixin, View):
    """Invite one person: an account without a password and an e-mail with a one-time link."""

    serves_child_data = False

    def _page(self, request: HttpRequest, organisation: Organisation, form: InviteForm, status: int = 200) -> Any:
        return render(request, "staff/invite.html", {"organisation": organisation, "form": form}, status=status)

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        organisation = _organisation(request, organisation_id, "manage_staff")
        return self._page(request, organisation, InviteForm(staff.grantable_roles(_user(request), organisation)))

    def post(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        organisation = _organisation(request, organisation_id, "manage_staff")
        user = _user(request)
        form = InviteForm(staff.grantable_roles(user, organisation), request.POST)
        if not form.is_valid():
            return self._page(request, organisation, form, 400)
        d = form.cleaned_data
        try:
            outcome = staff.invite(
                user,
                organisation,
                first_name=d["first_name"],
                last_name=d["last_name"],
                email=d["email"],
                roles=d["roles"],
                today=timezone.localdate(),
                now=timezone.now(),
                base_url=_base_url(request),
            )
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc) or _("You may not do this."))
            else:
                add_refusal(form, exc)
            return self._page(request, organisation, form, 400)
        if not outcome.roles:
            messages.info(request, _("This person already holds these roles here; nothing changed."))
        elif outcome.needs_link and not outcome.mailed:
            messages.warning(request, _("The account is made, but the e-mail could not be sent: send it again below."))
        elif outcome.needs_link:
            messages.success(request, _("The invitation has been sent by e-mail."))
        else:
            messages.success(request, _("The roles have been given."))
        return redirect("records:staff-person", organisation_id=organisation.pk, user_id=outcome.user.pk)


class BulkForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (CSV or XLSX)"),
        help_text=gettext_lazy(
            "Columns voornaam, achternaam, e-mail and rol; several roles in one cell separated by a comma."
        ),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    digest = forms.CharField(widget=forms.HiddenInput, required=False)


class BulkInviteView(LoginRequiredMixin, View):
    """Invite a file of people: first a dry run (nothing written) with the report per row, then the real run of the
    same file (kept in the session between the two). All or nothing."""

    serves_child_data = False

    def _page(self, request: HttpRequest, organisation: Organisation, form: BulkForm, **extra: Any) -> HttpResponse:
        status = extra.pop("status", 200)
        context = {"organisation": organisation, "form": form, **extra}
        return render(request, "staff/bulk.html", context, status=status)

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        organisation = _organisation(request, organisation_id, "manage_staff")
        return self._page(request, organisation, BulkForm())

    def post(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        organisation = _organisation(request, organisation_id, "manage_staff")
        user = _user(request)
        form = BulkForm(request.POST, request.FILES)
        form.is_valid()
        apply = request.POST.get("action") == "apply"
        kept = request.session.get(BULK_SESSION_KEY) or {}
        if apply:
            if (
                not kept
                or kept.get("organisation") != organisation.pk
                or kept.get("digest") != request.POST.get("digest")
            ):
                if kept.get("done") == request.POST.get("digest") and request.POST.get("digest"):
                    messages.info(request, _("This file has been handled already."))
                    return redirect("records:staff-list", organisation_id=organisation.pk)
                form.add_error("file", _("Check the file first (dry run), then invite."))
                return self._page(request, organisation, form, status=400)
            content = base64.b64decode(kept["content"])
        else:
            upload = form.cleaned_data.get("file") if form.is_valid() else None
            if upload is None:
                form.add_error("file", _("Choose a file."))
                return self._page(request, organisation, form, status=400)
            if upload.size > MAX_BULK_BYTES:
                form.add_error("file", _("The file is larger than 1 MB; split it."))
                return self._page(request, organisation, form, status=400)
            content = upload.read()
        report = staff.bulk_invite(
            user,
            organisation,
            io.BytesIO(content),
            dry_run=not apply,
            today=timezone.localdate(),
            now=timezone.now(),
            base_url=_base_url(request),
        )
        digest = hashlib.sha256(content).hexdigest()
        if not report.ok:
            request.session.pop(BULK_SESSION_KEY, None)
            form = BulkForm(data={})
            form.is_valid()
            form.add_error("file", _("The file was refused: nothing has been written. See the report below."))
            return self._page(request, organisation, form, report=report, status=400)
        if apply:
            request.session[BULK_SESSION_KEY] = {"done": digest}
            if report.unmailed:
                messages.warning(
                    request,
                    _("%(n)d e-mails could not be sent: send them again from the person's page.")
                    % {"n": report.unmailed},
                )
            messages.success(
                request, _("%(n)d people have been invited or given their roles.") % {"n": len(report.rows)}
            )
            return redirect("records:staff-list", organisation_id=organisation.pk)
        request.session[BULK_SESSION_KEY] = {
            "organisation": organisation.pk,
            "digest": digest,
            "content": base64.b64encode(content).decode(),
        }
        return self._page(request, organisation, BulkForm(initial={"digest": digest}), report=report, digest=digest)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=())
    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, roles: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]  # type: ignore[attr-defined]


class PersonView(LoginRequiredMixin, View):
    """One person at the organisation: the roles (current and ended), give another role, end one, end the account.
    A change posted from a page that someone else changed meanwhile answers 409 (unless it is done already: a
    double submit changes nothing and goes back to the page)."""

    serves_child_data = False

    def _load(self, request: HttpRequest, organisation_id: int, user_id: int) -> tuple[Organisation, User]:
        organisation = _organisation(request, organisation_id, "manage_staff")
        person = staff.person(organisation, user_id)
        if person is None:
            raise Http404
        return organisation, person

    def _page(
        self, request: HttpRequest, organisation: Organisation, person: User, form: RoleForm | None = None, **kw: Any
    ) -> HttpResponse:
        today = timezone.localdate()
        version = staff.version_of(organisation, person)
        roles = staff.grantable_roles(_user(request), organisation)
        memberships = Membership.objects.filter(user=person, organisation=organisation).order_by("-valid_from", "pk")
        rows = [(m, m.valid_until is None or m.valid_until >= today) for m in memberships]
        context = {
            "organisation": organisation,
            "person": person,
            "rows": rows,
            "version": version,
            "form": form or RoleForm(roles, initial={"version": version}),
            "current": any(current for _m, current in rows),
            "message": kw.get("message", ""),
        }
        return render(request, "staff/person.html", context, status=kw.get("status", 200))

    def get(self, request: HttpRequest, organisation_id: int, user_id: int) -> HttpResponse:
        organisation, person = self._load(request, organisation_id, user_id)
        return self._page(request, organisation, person)

    def post(self, request: HttpRequest, organisation_id: int, user_id: int) -> HttpResponse:
        organisation, person = self._load(request, organisation_id, user_id)
        actor, today, now = _user(request), timezone.localdate(), timezone.now()
        action = request.POST.get("action", "")
        stale = request.POST.get("version") != staff.version_of(organisation, person)
        back = redirect("records:staff-person", organisation_id=organisation.pk, user_id=person.pk)
        roles = staff.grantable_roles(actor, organisation)
        form = RoleForm(roles, request.POST if action == "add_role" else None)
        try:
            if action == "add_role":
                if not form.is_valid():
                    return self._page(request, organisation, person, form, status=400)
                role = form.cleaned_data["role"]
                held = staff.people(organisation, today=today, role=role).filter(pk=person.pk).exists()
                if held:
                    messages.info(request, _("This role is held already; nothing changed."))
                    return back
                if stale:
                    return self._stale(request, organisation, person)
                staff.add_role(actor, organisation, person, role, today=today)
                messages.success(request, _("The role has been given."))
            elif action == "end_role":
                membership = Membership.objects.filter(
                    pk=request.POST.get("membership") or 0, organisation=organisation, user=person
                ).first()
                if membership is None:
                    raise Http404
                if membership.valid_until is not None and membership.valid_until < today:
                    messages.info(request, _("This role has ended already; nothing changed."))
                    return back
                if stale:
                    return self._stale(request, organisation, person)
                staff.end_membership(actor, organisation, membership, today=today)
                messages.success(request, _("The role has ended."))
            elif action == "resend":
                if staff.resend_invitation(
                    actor, organisation, person, today=today, now=now, base_url=_base_url(request)
                ):
                    messages.success(request, _("The invitation has been sent by e-mail."))
                else:
                    messages.warning(request, _("The e-mail could not be sent; try again later."))
            elif action == "end_account":
                if not staff.people(organisation, today=today).filter(pk=person.pk).exists():
                    messages.info(request, _("This account has ended here already; nothing changed."))
                    return back
                if request.POST.get("confirm") != "yes":  # ending acts at once: the box must be ticked first
                    text = _("Tick “Yes, I am sure” to end the account.")
                    return self._page(request, organisation, person, message=text, status=400)
                if stale:
                    return self._stale(request, organisation, person)
                staff.end_account(actor, organisation, person, today=today, now=now)
                messages.success(
                    request, _("The account has ended here: its roles, team seats and group links, at once.")
                )
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            status = 403 if isinstance(exc, PermissionDenied) else 400
            text = (str(exc) or _("You may not do this.")) if isinstance(exc, PermissionDenied) else refusal_text(exc)
            if form.is_bound:  # the role form: its own error summary, the typed choice kept
                form.add_error("role" if isinstance(exc, ValidationError) else None, text)
                return self._page(request, organisation, person, form, status=status)
            return self._page(request, organisation, person, message=text, status=status)
        return back

    def _stale(self, request: HttpRequest, organisation: Organisation, person: User) -> HttpResponse:
        message = _(
            "Someone else changed this person's roles after you opened the page. Nothing of yours was saved: "
            "check the roles below and try again."
        )
        return self._page(request, organisation, person, message=message, status=409)


# --- the school's support team --------------------------------------------------------------------------------------


class MemberForm(forms.Form):
    membership: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Person"), queryset=Membership.objects.none()
    )

    def __init__(self, candidates: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = candidates  # type: ignore[attr-defined]
        field.label_from_instance = lambda m: f"{m.user.display_name} — {m.get_role_display()}, {m.organisation}"  # type: ignore[attr-defined]


class TeamView(LoginRequiredMixin, View):
    """The school's support team: its members (own staff and people of other organisations) kept by the school's
    intern begeleider, zorgcoördinator or functioneel beheerder."""

    serves_child_data = False

    def _page(self, request: HttpRequest, school: Organisation, form: MemberForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
        today = timezone.localdate()
        team = staff.team_of(school)
        members = team.members.select_related("user", "organisation").order_by(
            "organisation__name", "user__last_name", "user__first_name"
        )
        context = {
            "organisation": school,
            "members": members,
            "form": form or MemberForm(staff.team_candidates(school, today=today)),
        }
        return render(request, "staff/team.html", context, status=status)

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        return self._page(request, _organisation(request, organisation_id, "keep_support_team"))

    def post(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        school = _organisation(request, organisation_id, "keep_support_team")
        actor, today = _user(request), timezone.localdate()
        if request.POST.get("action") == "remove":
            membership = Membership.objects.filter(pk=request.POST.get("membership") or 0).first()
            if membership is None:
                raise Http404
            if staff.remove_support_team_member(actor, school, membership, now=timezone.now()):
                messages.success(request, _("The member has been taken out of the support team."))
            else:
                messages.info(request, _("This person was no longer in the support team; nothing changed."))
            return redirect("records:team", organisation_id=school.pk)
        # Someone already added (a double submit) is no longer a candidate; look for him or her first.
        already = staff.team_of(school).members.filter(pk=request.POST.get("membership") or 0).exists()
        if already:
            messages.info(request, _("This person is in the support team already; nothing changed."))
            return redirect("records:team", organisation_id=school.pk)
        form = MemberForm(staff.team_candidates(school, today=today), request.POST)
        if not form.is_valid():
            return self._page(request, school, form, 400)
        try:
            staff.add_support_team_member(actor, school, form.cleaned_data["membership"], today=today)
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._page(request, school, form, 400)
        messages.success(request, _("The member has been added to the support team."))
        return redirect("records:team", organisation_id=school.pk)


# --- the providers' named contacts ----------------------------------------------------------------------------------


class ContactForm(forms.Form):
    membership: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Contact person"), queryset=Membership.objects.none()
    )
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("School"), queryset=Organisation.objects.none(), required=False
    )
    wijk: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Wijk"), queryset=Wijk.objects.none(), required=False
    )

    def __init__(self, provider: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["membership"].queryset = staff.contact_people(provider, today=today)  # type: ignore[attr-defined]
        self.fields["membership"].label_from_instance = lambda m: m.user.display_name  # type: ignore[attr-defined]
        self.fields["school"].queryset = staff.contact_schools(provider).order_by("name")  # type: ignore[attr-defined]
        self.fields["wijk"].queryset = staff.contact_wijken(provider)  # type: ignore[attr-defined]
        self.fields["school"].help_text = _("Choose a school or a wijk (one of the two).")


class ContactsView(LoginRequiredMixin, View):
    """A provider's (or wijkteam's) one named contact per school or wijk: whom a school brings in (erbij halen)."""

    serves_child_data = False

    def _page(self, request: HttpRequest, provider: Organisation, form: ContactForm | None = None, status: int = 200):  # type: ignore[no-untyped-def]
        contacts = (
            ProviderContact.objects.filter(provider=provider)
            .select_related("membership__user", "school", "wijk__municipality")
            .order_by("school__name", "wijk__name", "pk")
        )
        context = {"organisation": provider, "contacts": contacts, "form": form or ContactForm(provider)}
        return render(request, "staff/contacts.html", context, status=status)

    def get(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        return self._page(request, _organisation(request, organisation_id, "keep_provider_contacts"))

    def post(self, request: HttpRequest, organisation_id: int) -> HttpResponse:
        provider = _organisation(request, organisation_id, "keep_provider_contacts")
        actor = _user(request)
        if request.POST.get("action") == "remove":
            if staff.remove_contact(actor, provider, int(request.POST.get("contact") or 0)):
                messages.success(request, _("The contact person has been removed."))
            else:
                messages.info(request, _("This contact person was removed already; nothing changed."))
            return redirect("records:contacts", organisation_id=provider.pk)
        form = ContactForm(provider, request.POST)
        if not form.is_valid():
            return self._page(request, provider, form, 400)
        d = form.cleaned_data
        try:
            staff.set_contact(
                actor, provider, d["membership"], school=d["school"], wijk=d["wijk"], today=timezone.localdate()
            )
        except ValidationError as exc:
            add_refusal(form, exc)
            return self._page(request, provider, form, 400)
        messages.success(request, _("The contact person has been saved."))
        return redirect("records:contacts", organisation_id=provider.pk)
