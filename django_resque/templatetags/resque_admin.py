"""Template filters of the Resque admin pages: `{{ value|resque_time }}` for any stored time.

Times as every Resque writes them are read here, in one place, and shown in the reader's
time zone. This module imports nothing of django_resque.admin, whose import registers the
pages with the admin site: Django loads every app's template libraries, admin or not.

Stored forms: ISO 8601 (`2026-12-01T20:54:18Z`, `…+00:00`, with or without fractions), Ruby's
failure time (`2026/12/01 20:54:27 UTC`), Ruby's Time#to_s (`2026-12-01 20:54:18 +0000`), a
time without a zone (`2026-12-01 20:54:18`, read as UTC), and epoch seconds. A page shows each
in the current time zone with the stored text and the exact UTC time in its `title`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import dateformat
from django.utils import timezone as django_timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

SHOWN = "Y-m-d H:i:s T"  # Django date format: 2026-12-01 21:54:18 CET
MAX_EPOCH = 253402300799  # 9999-12-31
_SHAPE = re.compile(r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d:\d\d:\d\d(?:\.\d+)?)\s*(\S*)")
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)")
_UTC_NAMES = {"", "Z", "UTC", "GMT"}


@register.filter
def resque_time(value: object, empty: str = "") -> SafeString:
    """Show a time in the reader's time zone; `empty` when there is none."""
    return html(value, empty)


def parse(value: object) -> datetime | None:
    """Return an aware datetime for any stored form of a time, or None if it is none of them."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC) if 0 <= value <= MAX_EPOCH else None
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if stripped.isdigit() and len(stripped) < 13:
        return parse(int(stripped))
    match = _SHAPE.fullmatch(stripped)
    if match is None:
        return None
    year, month, day, clock, zone = match.groups()
    tz = _zone(zone)
    try:
        moment = datetime.fromisoformat(f"{year}-{month}-{day}T{clock}")
    except ValueError:
        return None
    return None if tz is None else moment.replace(tzinfo=tz)


def _zone(name: str) -> tzinfo | None:
    if name in _UTC_NAMES:
        return UTC
    offset = _OFFSET.fullmatch(name)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)  # CET, EST, Europe/Paris; not an abbreviation such as PDT
    except (ZoneInfoNotFoundError, ValueError):
        return None


def label(value: object) -> str:
    """Return a time as plain text in the current time zone (the stored text if unreadable)."""
    moment = parse(value)
    if moment is None:
        return _text(value)
    return dateformat.format(django_timezone.localtime(moment), SHOWN)


def html(value: object, empty: str = "") -> SafeString:
    """Return a `<time>` element: the current time zone's reading, stored and UTC in `title`."""
    if value is None or value == "":
        return format_html("{}", empty)
    moment = parse(value)
    if moment is None:
        return format_html("{}", _text(value))
    exact = moment.astimezone(UTC).isoformat()
    stored = _text(value) if isinstance(value, str | bytes) else ""
    title = exact if not stored or stored == exact else f"{stored} ({exact})"
    return format_html('<time datetime="{}" title="{}">{}</time>', exact, title, label(moment))


def _text(value: object) -> str:
    """Return the stored text UTF-8 can carry (lone surrogates escaped), cut at 100."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")[:100]
