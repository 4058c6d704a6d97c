"""One pagination helper for every list: Django's Paginator over a window Redis serves.

The Paginator never sees the whole list, only its length and the one slice a page shows, so a
page costs the same with a million entries. Any page or per_page value is clamped, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_OPEN_ROWS = 10_000  # deepest row a list paginated without a count may page to


def clamp_int(value: str | None, default: int, low: int, high: int) -> int:
    """Return `value` as an int within [low, high]; `default` if it is not a number."""
    try:
        number = int(str(value)[:20])
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


class Window:
    """A list of known length whose slices are fetched on demand."""

    def __init__(self, total: int, fetch: Callable[[int, int], Sequence[Any]]) -> None:
        self.total = total
        self.fetch = fetch

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, slice):
            return self.fetch(index, 1)[0]
        start, stop = index.start or 0, min(index.stop or self.total, self.total)
        return list(self.fetch(start, stop - start)) if stop > start else []


def paginate(
    request: HttpRequest, total: int, fetch: Callable[[int, int], Sequence[Any]]
) -> tuple[Page, list[Any]]:
    """Return the requested page (clamped into range) and the page numbers to link to."""
    per_page = clamp_int(request.GET.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE)
    paginator: Paginator[Any] = Paginator(Window(total, fetch), per_page)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page", "")[:20])
    return page, list(paginator.get_elided_page_range(page.number))


def paginate_open(
    request: HttpRequest, fetch: Callable[[int, int], Sequence[Any]]
) -> tuple[Page, list[Any], bool]:
    """Paginate a list whose length is costly to count: fetch one row past the page instead.

    Returns the page, the page numbers to link to, and whether more rows follow; the count
    the Paginator sees is a lower bound (rows up to this page plus one). Finding a deep page
    means walking every row before it, so pages stop MAX_OPEN_ROWS deep (narrow the filter to
    see further); a page past the end falls back to the first.
    """
    per_page = clamp_int(request.GET.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE)
    deepest = max(MAX_OPEN_ROWS // per_page, 1)
    number = clamp_int(request.GET.get("page"), 1, 1, deepest)
    offset = (number - 1) * per_page
    rows = list(fetch(offset, per_page + 1))
    if not rows and offset:
        number, offset = 1, 0
        rows = list(fetch(0, per_page + 1))
    more = len(rows) > per_page
    linked = rows[:per_page] if number == deepest else rows  # no link past the deepest page
    window = Window(
        offset + len(linked), lambda start, n: rows[start - offset : start - offset + n]
    )
    paginator: Paginator[Any] = Paginator(window, per_page)  # type: ignore[arg-type]
    page = paginator.get_page(number)
    return page, list(paginator.get_elided_page_range(page.number)), more
