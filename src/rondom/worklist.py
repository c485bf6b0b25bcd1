"""Work lists (issue 14, point 1): server-side paging with true counts, and the query-string plumbing that keeps a
list's filters and sort order while paging. Every list of children pages with `paginate` and shows the shared
pager (``templates/worklist_pager.html``): "1–25 van 478", previous/next and the page numbers around the current
one. Never a silent cap: the count is the count of everything the filters select.

Filters travel as GET query parameters (a plain ``<form method="get">``), except a child's name: search terms
travel in a POST body, never in the URL (docs/security.md), so a paged name search pages with POST buttons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

#: Rows per page of a work list.
PER_PAGE = 25
#: Page numbers shown either side of the current one in the pager.
AROUND = 2


@dataclass
class WorkPage:
    """One page of a work list, with what the pager needs.

    `items`: the rows of this page; `count`: every row the filters select (true, never capped); `start`/`end`:
    1-based numbers of the first and last row shown (0 and 0 when there are none); `params`: the list's other
    parameters (filters, sort) as (name, value) pairs, kept on every pager link; `post`: page with POST buttons
    (a name search) instead of links."""

    page: Page[Any]
    params: list[tuple[str, str]] = field(default_factory=list)
    post: bool = False

    @property
    def items(self) -> list[Any]:
        return list(self.page.object_list)

    @property
    def count(self) -> int:
        return int(self.page.paginator.count)

    @property
    def number(self) -> int:
        return int(self.page.number)

    @property
    def num_pages(self) -> int:
        return int(self.page.paginator.num_pages)

    @property
    def start(self) -> int:
        return int(self.page.start_index()) if self.count else 0

    @property
    def end(self) -> int:
        return int(self.page.end_index()) if self.count else 0

    @property
    def has_other_pages(self) -> bool:
        return bool(self.page.has_other_pages())

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.page.has_previous() else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.page.has_next() else None

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to offer: the first, the last and `AROUND` either side of the current one; None marks a gap."""
        last = self.num_pages
        wanted = sorted({1, last, *range(max(1, self.number - AROUND), min(last, self.number + AROUND) + 1)})
        shown: list[int | None] = []
        for n in wanted:
            if shown and shown[-1] is not None and n - shown[-1] > 1:  # type: ignore[operator]
                shown.append(None)
            shown.append(n)
        return shown

    @property
    def links(self) -> list[tuple[int | None, str]]:
        """(page number, its query string) for the pager; (None, "") marks a gap."""
        return [(n, self.url(n) if n is not None else "") for n in self.numbers]

    @property
    def previous_url(self) -> str:
        return self.url(self.previous) if self.previous else ""

    @property
    def next_url(self) -> str:
        return self.url(self.next) if self.next else ""

    def url(self, number: int) -> str:
        """The query string (with ``?``) for page `number`, keeping the list's other parameters."""
        return "?" + urlencode([*self.params, ("page", str(number))])


def paginate(
    rows: Sequence[Any] | Any,
    number: object,
    *,
    params: Mapping[str, object] | None = None,
    per_page: int = PER_PAGE,
    post: bool = False,
) -> WorkPage:
    """Page `rows` (a QuerySet, counted with one COUNT query, or a list) at page `number` (from the request: any
    text; not a number gives page 1, past the end gives the last page — never an error). `params`: the list's
    filters and sort order to keep on the pager's links (empty values are left out)."""
    paginator = Paginator(rows, per_page, allow_empty_first_page=True)
    page = paginator.get_page(str(number) if number is not None else None)
    kept = [(k, str(v)) for k, v in (params or {}).items() if v not in (None, "", False)]
    return WorkPage(page, kept, post)


def choice(value: object, allowed: Sequence[str], default: str = "") -> str:
    """A filter or sort value from the request, or `default` when it is not one of `allowed` (bad input never
    breaks a list: it falls back)."""
    text = str(value or "")
    return text if text in allowed else default


def int_or_none(value: object) -> int | None:
    """An id filter from the request: a positive whole number, else None."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
