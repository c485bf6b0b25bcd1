"""Declared access: a view says what part of a child's record it touches and what it does with it, per HTTP
method; one resolver does the rest (issue 13, point 1; in the spirit of Open Zaak's `required_scopes`/`audit`
viewset attributes and the HackSoft styleguide's base API class).

    class PlanView(ChildRecordView):
        declaration = Declaration(get=read(SUPPORT), post=update(SUPPORT), object_type="plan")

        def get(self, request, child_id):
            ...  # self.child and self.decision are set; the read row is written

The resolver (`resolve`), used by the web mixin `ChildRecordView`, the DRF bases `ChildRecordAPIView` /
`ChildRecordViewSetMixin` and the function-view decorator `declares`:

- finds the child named by the URL kwarg (`Declaration.child_kwarg`, default ``child_id``) once, asks the policy
  once for the method's (action, category) and keeps the result as ``child`` and ``decision``;
- answers 404 when the child does not exist or is outside the user's scope, 403 when it is in scope but the action
  is not allowed (``Access.also``: a further action the user must be allowed, e.g. an edit form that only writers
  open but whose showing is a read);
- finds a nested object under the child when the view has a finder (404 when it is not this child's);
- for a read (read, export, print) writes one access-log row, *after the whole lookup succeeded*, naming the
  nested object's own id (or the child's); changes (create, update, delete) are not logged here: the service that
  makes the change logs it inside its own transaction (docs/access-log.md), so nothing is logged twice;
- for a list (``child_kwarg=None``, action search) resolves nothing: the view logs one row per child shown with
  `log_shown`.

A view that serves no child data says so with ``serves_child_data = False`` (or `guard.serves_no_child_data`).
tests/test_declared_access.py walks every route and calls each declared one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.views import View
from rest_framework.request import Request
from rest_framework.views import APIView

from rondom.accounts.models import User
from rondom.audit import services as audit
from rondom.core.categories import READ_ACTIONS, WRITE_ACTIONS, Action, DataCategory
from rondom.registry.models import Child

from . import policy
from .log import LogItem, log_many
from .policy import Basis, Decision

V = TypeVar("V", bound=Callable[..., Any])
#: Finds the object under the child that the URL names: (request, child, URL kwargs) -> the object, or None (404).
Finder = Callable[[HttpRequest, Child, Mapping[str, Any]], Any]

METHODS = ("get", "post", "put", "patch", "delete")
#: The category of an `Access` that is not fixed: the found object's own (`Declaration.category_of`, e.g. a note's
#: category), or one chosen in the request (then the service decides: ``create(PER_OBJECT, service_decides=True)``).
#: Outside scope is still 404 before anything else: scope is a read of basic details.
PER_OBJECT = "per_object"


@dataclass(frozen=True)
class Access:
    """One method's access: an `Action` on a `DataCategory`.

    `also`: a further action the user must be allowed on the same category (403 otherwise), while `action` is what
    is decided, kept and logged — e.g. a form page that only writers open: ``read(SUPPORT, also=Action.UPDATE)``.
    `service_decides` (changes only): the service decides who may do this by its own rule (e.g. raising a signal:
    a signal role or the family), so the resolver only answers 404 outside scope (and 403 on `also`) and keeps
    the decision it asked for, allowed or not; the service refuses (403) and logs. E.g. handling an absence signal:
    ``update(ABSENCE, service_decides=True, also=Action.READ)``."""

    action: str
    category: str
    also: str | None = None
    service_decides: bool = False

    @property
    def is_read(self) -> bool:
        return self.action in READ_ACTIONS and self.action != Action.SEARCH

    @property
    def is_change(self) -> bool:
        return self.action in WRITE_ACTIONS


#: A method that shows no child data (an empty form on a page whose other method touches a record): nothing is
#: resolved or logged for it.
NO_CHILD_DATA = Access("", "")


def read(category: str, *, also: str | None = None) -> Access:
    """Reading one child's `category` (logged by the resolver as one `read` row)."""
    return Access(Action.READ, category, also)


def search(category: str) -> Access:
    """A list of children (`child_kwarg=None`): the view logs one `search` row per child shown (`log_shown`)."""
    return Access(Action.SEARCH, category)


def export(category: str) -> Access:
    """Exporting one child's `category` (logged by the resolver as one `export` row)."""
    return Access(Action.EXPORT, category)


def create(category: str, *, service_decides: bool = False, also: str | None = None) -> Access:
    """Creating something in one child's `category`: checked here (404/403), logged by the service."""
    return Access(Action.CREATE, category, also, service_decides)


def update(category: str, *, service_decides: bool = False, also: str | None = None) -> Access:
    """Changing something in one child's `category`: checked here (404/403), logged by the service."""
    return Access(Action.UPDATE, category, also, service_decides)


@dataclass(frozen=True)
class Declaration:
    """What a view touches: per HTTP method an `Access` (HEAD follows GET), the object type of its read rows, and
    the URL kwarg that names the child. `child_kwarg=None`: the base resolves no child — a list (no child in the
    URL; the view logs what it shows), an action on an object found otherwise (a request for help addressed to
    the user), or a child outside the user's scope by design (the emergency button); the service decides and logs.
    `find` finds a nested object under the child (class-based views may override `find_object` instead)."""

    get: Access | None = None
    post: Access | None = None
    put: Access | None = None
    patch: Access | None = None
    delete: Access | None = None
    object_type: str = "child"
    child_kwarg: str | None = "child_id"
    find: Finder | None = None
    #: The read row names the found object's own id (False: the child's, when what the page reads is not the
    #: object the URL names, e.g. the consent list on a form under a case).
    logs_found: bool = True
    #: For an `Access` on `PER_OBJECT`: the category of the found object (e.g. ``lambda note: note.category``).
    category_of: Callable[[Any], str] | None = None
    #: Another way to open the child, on the grounds of one door only: ``opens(user, child_id)`` returns an object
    #: with ``.child`` and ``.decision`` (the ground it opened on) or raises Http404 — the family portal's
    #: `portal.services.opened` (family grounds only). The declared action is then taken on that ground, as the
    #: portal always did; its services decide the changes.
    opens: Callable[[User, Any], Any] | None = None

    def access_for(self, method: str) -> Access | None:
        """The access declared for an HTTP method (``"GET"``, ``"head"`` …), or None."""
        name = method.lower()
        return getattr(self, "get" if name == "head" else name, None) if name in (*METHODS, "head") else None

    def accesses(self) -> dict[str, Access]:
        """Every declared method's access, by lower-case method name."""
        return {m: a for m in METHODS if (a := getattr(self, m)) is not None}


@dataclass(frozen=True)
class Resolved:
    """What the resolver found: the child (None for a list), the decision asked for, the nested object if any."""

    child: Child | None
    decision: Decision | None
    access: Access
    found: Any = None
    #: What `Declaration.opens` returned (the portal's FamilyChild), else None.
    opened: Any = None
    #: The read row written, if any.
    logged: Any = None
    #: The read row not yet written (`resolve(defer_read=True)`): (decision, item); the view writes it once.
    pending: tuple[Decision, audit.LogItem] | None = None


def resolve(
    request: HttpRequest,
    declaration: Declaration,
    kwargs: Mapping[str, Any],
    *,
    find: Finder | None = None,
    defer_read: bool = False,
) -> Resolved:
    """Resolve the child of a request by its declaration (see the module docstring).

    `defer_read`: the read row is not written here but kept as `Resolved.pending` (decision, item), for the view
    to write together with the parts of the record it shows, in one statement (`_Declared.log_parts`); the web
    base writes it after the handler in any case, also when the handler raised (`_ResolveOnDispatch`).

    Raises Http404 (no such child, outside scope, nested object not this child's), PermissionDenied (in scope, not
    allowed), ImproperlyConfigured (a method the view answers is not declared: deny by default)."""
    access = declaration.access_for(request.method or "GET")
    if access is None:
        raise ImproperlyConfigured(f"No access declared for {request.method} (rondom.access.declared)")
    if declaration.child_kwarg is None or access == NO_CHILD_DATA:
        return Resolved(None, None, access)
    user: User = request.user  # type: ignore[assignment]
    child_id = kwargs.get(declaration.child_kwarg)
    per_object = access.category == PER_OBJECT
    action, category = (Action.READ, DataCategory.IDENTITY) if per_object else (access.action, access.category)
    opened = None
    if declaration.opens is not None:
        opened = declaration.opens(user, child_id)
        child, ground = opened.child, opened.decision
        # A read on the ground it opened on (NotAllowedOnBasis if that ground does not read the category); a change
        # keeps the ground: the portal's services decide it.
        decision = ground.for_action(access.action, access.category) if access.is_read else ground
    elif access.service_decides:
        child = _child_or_404(child_id)
        decision = policy.decide(user, child, action, category)
        if not decision.in_scope:
            raise Http404
    else:
        child, decision = policy.get_child_or_404(user, child_id, action, category)  # type: ignore[arg-type]
    if access.also and opened is None and not policy.decide(user, child, access.also, category).allowed:
        raise PermissionDenied
    finder = find or declaration.find
    found = finder(request, child, kwargs) if finder else None
    if finder and found is None:
        raise Http404
    if per_object and not access.service_decides:
        if declaration.category_of is None or found is None:
            raise ImproperlyConfigured("An access on PER_OBJECT needs a finder and Declaration.category_of")
        decision = policy.require(user, child, access.action, declaration.category_of(found))
    row = None
    pending = None
    if access.is_read:
        named = found if declaration.logs_found else None
        item = audit.LogItem(child.pk, declaration.object_type, str(_id_of(named, child) or ""))
        if defer_read:
            pending = (decision, item)
        else:
            row = audit.record_many(user, decision, [item])[0]
    return Resolved(child, decision, access, found, opened, row, pending)


def _child_or_404(child_id: Any) -> Child:
    try:
        return Child.objects.select_related("school", "home_municipality", "wijk").get(pk=int(child_id))
    except (Child.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _id_of(found: Any, child: Child) -> object:
    return getattr(found, "pk", None) or child.pk


def log_shown_again(
    request: HttpRequest, resolved: Resolved, declaration: Declaration, *, object_id: object = None
) -> Decision:
    """Log a read of the resolved child after a change was refused and the page is shown again (a page shown is a
    read). Uses the kept decision when it is a read; otherwise asks the policy for a read of the same category
    (403 when not allowed). Returns the read decision."""
    assert resolved.child is not None and resolved.decision is not None
    user: User = request.user  # type: ignore[assignment]
    decision = resolved.decision
    if decision.action != Action.READ or not decision.allowed:
        decision = policy.require(user, resolved.child, Action.READ, decision.category)
    object_id = object_id if object_id is not None else _id_of(resolved.found, resolved.child)
    audit.record(user, decision, resolved.child.pk, object_type=declaration.object_type, object_id=object_id)
    return decision


def log_parts(
    user: User,
    child: Child,
    parts: Iterable[tuple[str, str, object]],
    *,
    bases: list[Basis] | None = None,
    first: tuple[Decision, audit.LogItem] | None = None,
) -> None:
    """Further read rows for parts of one child's record shown on the same page, as (category, object type, object
    id), e.g. each note category on the record page; each on the ground the policy gives for that category (the
    grounds read once). Parts the user may not read are not logged (and must not be shown). `first`: the page's
    own read row not yet written (`Resolved.pending`), written before the parts in the same statement."""
    wanted = list(parts)
    rows: list[tuple[Decision, audit.LogItem]] = [first] if first is not None else []
    if wanted:
        bases = bases if bases is not None else policy.bases_for(user, child)
        for category, object_type, object_id in wanted:
            decision = policy.decide_with(bases, Action.READ, category)
            if decision.allowed:
                rows.append((decision, audit.LogItem(child.pk, object_type, str(object_id))))
    if rows:
        audit.record_many(user, rows[0][0], [item for _d, item in rows], decisions=[d for d, _i in rows])


def log_shown(
    user: User,
    children: Iterable[Child],
    category: str,
    *,
    decisions: Iterable[Decision] | None = None,
    object_type: str = "child",
    object_ids: Iterable[object] | None = None,
    action: str = Action.SEARCH,
) -> None:
    """One access-log row per child shown in a list (docs/access-log.md: every list is a search), in one
    transaction, on the ground that put each child there. `decisions` (one per child, made by the selector that built
    the list, e.g. `cases.selectors.readable_cases`) are used as they are: a refused one is not shown and not
    logged, one for another action or category is turned into this one on its own ground (`Decision.for_action`,
    NotAllowedOnBasis when that ground does not allow it). Without them the policy is asked once per child.
    `object_ids` (e.g. the first request per child in an inbox) name the logged object; default the child. A child
    listed twice is logged once."""
    shown = list(children)
    made: list[Decision | None] = list(decisions) if decisions is not None else [None] * len(shown)
    ids = list(object_ids) if object_ids is not None else [child.pk for child in shown]
    rows: dict[int, tuple[Decision, object]] = {}
    for child, decision, object_id in zip(shown, made, ids, strict=True):
        if child.pk in rows:
            continue
        if decision is None:
            decision = policy.decide(user, child, action, category)
        elif decision.allowed and (decision.action, decision.category) != (action, category):
            decision = decision.for_action(action, category)
        if decision.allowed:
            rows[child.pk] = (decision, object_id)
    if rows:  # log_many writes them in one transaction of its own (one INSERT statement)
        log_many(
            user,
            [decision for decision, _id in rows.values()],
            [LogItem(pk, object_type, str(object_id)) for pk, (_d, object_id) in rows.items()],
        )


# --- The three bases ---------------------------------------------------------------------------------------------


class _Declared:
    """What the web mixin and the DRF base share: the declaration, the resolved child and decision."""

    serves_child_data = True
    declaration: Declaration
    #: Set by the resolver before the handler runs (not on a list route: there is no child in the URL).
    child: Child
    decision: Decision
    found: Any = None
    #: What `Declaration.opens` returned (the portal's FamilyChild), else None.
    opened: Any = None
    resolved: Resolved | None = None

    def find_object(self, child: Child) -> Any:
        """The nested object under `child` that the URL names (None: 404); by default the declaration's `find`."""
        find = self.declaration.find
        return find(self.request, child, self.kwargs) if find else None  # type: ignore[attr-defined]

    def _has_finder(self) -> bool:
        return self.declaration.find is not None or type(self).find_object is not _Declared.find_object

    #: Keep the page's read row until the handler logs the parts it shows (`log_parts`), to write them in one
    #: statement; a web view's base writes it after the handler if the handler did not (`_ResolveOnDispatch`).
    read_with_parts = False

    def resolve_declared(self, request: HttpRequest, kwargs: Mapping[str, Any], *, defer_read: bool = False) -> None:
        declaration = getattr(self, "declaration", None)
        if not isinstance(declaration, Declaration):
            raise ImproperlyConfigured(f"{type(self).__name__} serves child data but declares no Declaration")
        finder: Finder | None = (lambda _r, child, _k: self.find_object(child)) if self._has_finder() else None
        self.resolved = resolve(request, declaration, kwargs, find=finder, defer_read=defer_read)
        self.child, self.decision = self.resolved.child, self.resolved.decision  # type: ignore[assignment]
        self.found, self.opened = self.resolved.found, self.resolved.opened

    def log_shown_again(self, *, object_id: object = None) -> Decision:
        """See `log_shown_again`: a page shown again after a refused change."""
        assert self.resolved is not None
        self._shown_again = True
        return log_shown_again(self.request, self.resolved, self.declaration, object_id=object_id)  # type: ignore[attr-defined]

    def log_parts(self, parts: Iterable[tuple[str, str, object]], *, bases: list[Basis] | None = None) -> None:
        """See `log_parts`, for the resolved child; with the page's own read row first when it is still pending."""
        first = self._take_pending()
        log_parts(self.request.user, self.child, parts, bases=bases, first=first)  # type: ignore[attr-defined]

    def _take_pending(self) -> tuple[Decision, audit.LogItem] | None:
        """The resolved read row not yet written, once (None after it was taken)."""
        resolved = self.resolved
        if resolved is None or resolved.pending is None or getattr(self, "_pending_taken", False):
            return None
        self._pending_taken = True
        return resolved.pending

    def _write_pending(self) -> None:
        pending = self._take_pending()
        if pending is not None:
            audit.record_many(self.request.user, pending[0], [pending[1]])  # type: ignore[attr-defined]

    def log_shown(self, children: Iterable[Child], **kwargs: Any) -> None:
        """See `log_shown`: on a list route the declared category and action; on a page about one child (a list
        of brothers and sisters on it) a search on the declared category."""
        assert self.resolved is not None
        access = self.resolved.access
        kwargs.setdefault("action", access.action if self.declaration.child_kwarg is None else Action.SEARCH)
        log_shown(self.request.user, children, access.category, **kwargs)  # type: ignore[attr-defined]


def _answers(view: Any, method: str) -> bool:
    """Whether the view has a handler for a method that touches the record (not OPTIONS; not a 405)."""
    name = method.lower()
    return name in (*METHODS, "head") and name in view.http_method_names and hasattr(view, name)


class _ResolveOnDispatch(_Declared, View):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _answers(self, request.method or "GET"):
            self.resolve_declared(request, kwargs, defer_read=self.read_with_parts)
        try:
            response = super().dispatch(request, *args, **kwargs)
        finally:
            self._write_pending()  # the read row of a page whose handler logged no parts (or raised)
        self._log_page_shown_again(request, response)
        return response

    def _log_page_shown_again(self, request: HttpRequest, response: HttpResponseBase) -> None:
        """A refused change answered with the page itself (a form with its errors, 4xx, HTML) shows the child's
        record again: that is a read, logged once on the read ground of the page's category, unless the handler
        logged it already (`log_shown_again`). Without a read right nothing of the record is on such a page (the
        handler shows only what the user typed), so nothing is logged then. docs/access-log.md."""
        resolved = self.resolved
        if (
            resolved is None
            or resolved.child is None
            or resolved.decision is None
            or resolved.access.action in READ_ACTIONS
            or getattr(self, "_shown_again", False)
            or not 400 <= response.status_code < 500
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return
        decision = resolved.decision
        if decision.action != Action.READ or not decision.allowed:
            decision = policy.decide(request.user, resolved.child, Action.READ, decision.category)  # type: ignore[arg-type]
        if decision.allowed:
            self.log_shown_again()


class ChildRecordView(LoginRequiredMixin, _ResolveOnDispatch):
    """A web page about one child (or a list of children): login first, then the declared access. Another login
    mixin goes before it: ``class ChildView(PortalLoginRequired, ChildRecordView)``."""


class ChildRecordViewSetMixin(_Declared):
    """For DRF views and viewsets: resolve after authentication, permissions and throttling (`initial`)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if _answers(self, request.method or "GET"):
            self.resolve_declared(request, kwargs)  # type: ignore[arg-type]


class ChildRecordAPIView(ChildRecordViewSetMixin, APIView):
    """An API endpoint about one child (or a list of children)."""


def declares(declaration: Declaration) -> Callable[[V], V]:
    """Declare a function view's access: the view is called as ``view(request, resolved, **kwargs)`` with the
    `Resolved` (child, decision, nested object), after the resolver answered 404/403 or logged the read."""

    def wrap(view: V) -> V:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if declaration.access_for(request.method or "GET") is None:
                return HttpResponseNotAllowed([m.upper() for m in declaration.accesses()])
            return view(request, resolve(request, declaration, kwargs), *args, **kwargs)

        wrapper.serves_child_data = True  # type: ignore[attr-defined]
        wrapper.declaration = declaration  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return wrap


def declaration_of(callback: Any) -> Declaration | None:
    """The declaration of a URL pattern's callback (function view, class-based view or DRF view), or None."""
    for holder in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        found = getattr(holder, "declaration", None) if holder is not None else None
        if isinstance(found, Declaration):
            return found
    return None
