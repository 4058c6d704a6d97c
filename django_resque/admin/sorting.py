"""Sort a table by its columns as Django's changelist does: the `o` parameter and its headers.

`o` names column numbers (1-based), `-` in front for descending, joined by dots: `o=-3.1` sorts
by the third column descending, then by the first ascending. Terms that name no column are
dropped, so a bad `o` sorts by the page's default. The headers carry the changelist's classes
and links (sort by this column first, toggle it, remove it), which the admin's base.css draws
as its sort arrows and priority numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_TERMS = 20  # an `o` with more terms than this is cut there
_TERM = re.compile(r"(-?)([1-9][0-9]{0,2})")

Ordering = list[tuple[int, bool]]  # (column index from 0, descending)


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    attr: str  # the attribute of a row this column sorts by


@dataclass(frozen=True, slots=True)
class Header:
    title: str
    classes: str  # the changelist's th classes: sortable, sorted, ascending/descending
    priority: int  # 1 for the first sort key, 0 when the column is not sorted on
    ascending: bool
    o_primary: str  # `o` that sorts by this column first (toggled if it already is)
    o_toggle: str  # `o` that flips this column's direction in place
    o_remove: str  # `o` without this column


def parse(o: str | None, count: int, default: str) -> Ordering:
    """Read `o` for a table of `count` columns; the `default` ordering if nothing in it is valid."""
    ordering: Ordering = []
    for term in (o or "").split(".")[:MAX_TERMS]:
        match = _TERM.fullmatch(term)
        index = int(match[2]) - 1 if match else count
        if index < count and index not in {i for i, _ in ordering}:
            ordering.append((index, match is not None and match[1] == "-"))
    return ordering or (parse(default, count, "") if default else [])


def _term(index: int, *, descending: bool) -> str:
    return f"{'-' if descending else ''}{index + 1}"


def headers(columns: Sequence[Column], ordering: Ordering) -> list[Header]:
    """Return each column's header as the changelist builds it (admin_list.result_headers)."""
    sorted_on = dict(ordering)
    result = []
    for index, column in enumerate(columns):
        descending = sorted_on.get(index)
        others = [_term(i, descending=d) for i, d in ordering if i != index]
        flipped = _term(index, descending=descending is False)
        toggled = [_term(i, descending=d != (i == index)) for i, d in ordering]
        classes = ["sortable", f"column-{column.attr}"]
        if descending is not None:
            classes.append(f"sorted {'descending' if descending else 'ascending'}")
        result.append(
            Header(
                title=column.title,
                classes=" ".join(classes),
                priority=[i for i, _ in ordering].index(index) + 1 if descending is not None else 0,
                ascending=descending is False,
                o_primary=".".join([flipped, *others]),
                o_toggle=".".join(toggled),
                o_remove=".".join(others),
            )
        )
    return result


def sort(rows: Sequence[Any], columns: Sequence[Column], ordering: Ordering) -> list[Any]:
    """Sort rows by the ordering's columns in turn; empty values (None) go last either way."""
    result = list(rows)
    for index, descending in reversed(ordering):
        result.sort(key=_key(columns[index].attr, descending=descending), reverse=descending)
    return result


def _key(attr: str, *, descending: bool) -> Callable[[Any], tuple[bool, Any]]:
    def key(row: Any) -> tuple[bool, Any]:
        value = getattr(row, attr)
        missing = value is None
        return (not missing if descending else missing, 0 if missing else value)

    return key
