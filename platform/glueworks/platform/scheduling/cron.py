"""AWS cron expressions, as Glue triggers use them: ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``.

All times are UTC. Supported, per field:

- Minutes ``0-59``, Hours ``0-23``: ``*``, ``,``, ``-``, ``/``.
- Day-of-month ``1-31``: ``*``, ``,``, ``-``, ``/``, ``?``, ``L`` (last day), ``L-n`` (n days before the last day),
  ``nW`` (weekday nearest to day n, never crossing the month), ``LW`` (last weekday of the month).
- Month ``1-12`` or ``JAN-DEC``: ``*``, ``,``, ``-``, ``/``.
- Day-of-week ``1-7`` or ``SUN-SAT`` (SUN=1, as AWS): ``*``, ``,``, ``-``, ``/``, ``?``, ``L`` (Saturday),
  ``nL`` (last weekday n of the month), ``n#k`` (k-th weekday n of the month, k in 1-5).
- Year ``1970-2199``: ``*``, ``,``, ``-``, ``/``.

Exactly one of Day-of-month and Day-of-week must be ``?`` (Glue rejects both set, and both ``?``). A range must
not run backwards (``FRI-MON`` is rejected rather than wrapped). ``a/b`` means "from a to the field's maximum, every b".

Glue documents a minimum interval of 5 minutes between firings; :func:`parse_cron` does not enforce it, the
trigger service does through :func:`min_gap_minutes` (configurable, see ``Settings.scheduler_min_interval_minutes``).
"""

from __future__ import annotations

import calendar
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["CronSchedule", "min_gap_minutes", "parse_cron"]

MIN_YEAR = 1970
MAX_YEAR = 2199

_MONTHS = {
    name: i
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}
_DAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_CRON_RE = re.compile(r"^\s*cron\((?P<body>[^()]*)\)\s*$", re.IGNORECASE)
_FIELD_NAMES = ("Minutes", "Hours", "Day-of-month", "Month", "Day-of-week", "Year")


@dataclass(frozen=True)
class _DayOfMonth:
    """The Day-of-month field: plain days plus the ``L``/``L-n``/``nW``/``LW`` specials."""

    days: frozenset[int]
    last_offsets: frozenset[int]  # L -> 0, L-3 -> 3
    nearest_weekday: frozenset[int]  # 15W -> 15
    last_weekday: bool  # LW

    def matching(self, year: int, month: int) -> set[int]:
        last = calendar.monthrange(year, month)[1]
        out = {d for d in self.days if d <= last}
        out.update(last - off for off in self.last_offsets if last - off >= 1)
        for day in self.nearest_weekday:
            if day <= last:
                out.add(_nearest_weekday(year, month, day, last))
        if self.last_weekday:
            out.add(_nearest_weekday(year, month, last, last))
        return out


@dataclass(frozen=True)
class _DayOfWeek:
    """The Day-of-week field (SUN=1): plain weekdays plus ``nL`` and ``n#k``."""

    weekdays: frozenset[int]
    last_of: frozenset[int]  # 6L -> 6 (last Friday)
    nth: frozenset[tuple[int, int]]  # 3#2 -> (3, 2) (second Tuesday)

    def matching(self, year: int, month: int) -> set[int]:
        last = calendar.monthrange(year, month)[1]
        out: set[int] = set()
        for day in range(1, last + 1):
            wd = _aws_weekday(year, month, day)
            if wd in self.weekdays:
                out.add(day)
            if wd in self.last_of and day + 7 > last:
                out.add(day)
            if (wd, (day - 1) // 7 + 1) in self.nth:
                out.add(day)
        return out


def _aws_weekday(year: int, month: int, day: int) -> int:
    """Day of week with SUN=1 ... SAT=7 (Python's weekday() has MON=0)."""
    return (calendar.weekday(year, month, day) + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int, last: int) -> int:
    """The weekday (Mon-Fri) nearest to ``day``, staying inside the month (Quartz/AWS ``W``)."""
    wd = calendar.weekday(year, month, day)  # MON=0 .. SUN=6
    if wd < 5:
        return day
    if wd == 5:  # Saturday: Friday before, unless that leaves the month
        return day - 1 if day > 1 else day + 2
    return day + 1 if day < last else day - 2  # Sunday: Monday after, unless that leaves the month


@dataclass(frozen=True)
class CronSchedule:
    """A parsed AWS cron expression; see the module docstring for the syntax."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    years: tuple[int, ...]
    day_of_month: _DayOfMonth | None
    day_of_week: _DayOfWeek | None

    def days(self, year: int, month: int) -> list[int]:
        """The days of ``year``/``month`` on which the schedule fires, ascending."""
        spec = self.day_of_month if self.day_of_month is not None else self.day_of_week
        assert spec is not None  # parse_cron guarantees exactly one is set
        return sorted(spec.matching(year, month))

    def matches(self, dt: datetime) -> bool:
        """Whether the schedule fires in the minute of ``dt`` (naive = UTC)."""
        dt = _to_utc(dt)
        return (
            dt.minute in self.minutes
            and dt.hour in self.hours
            and dt.month in self.months
            and dt.year in self.years
            and dt.day in self.days(dt.year, dt.month)
        )

    def next_after(self, dt: datetime) -> datetime | None:
        """The first firing strictly after ``dt`` (naive = UTC), as an aware UTC datetime; None past year 2199."""
        start = _to_utc(dt).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for year in self.years:
            if year < start.year:
                continue
            y_same = year == start.year
            for month in self.months:
                if y_same and month < start.month:
                    continue
                m_same = y_same and month == start.month
                for day in self.days(year, month):
                    if m_same and day < start.day:
                        continue
                    d_same = m_same and day == start.day
                    for hour in self.hours:
                        if d_same and hour < start.hour:
                            continue
                        h_same = d_same and hour == start.hour
                        for minute in self.minutes:
                            if h_same and minute < start.minute:
                                continue
                            return datetime(year, month, day, hour, minute, tzinfo=UTC)
        return None

    def ticks_between(self, after: datetime, until: datetime) -> Iterable[datetime]:
        """Every firing in ``(after, until]``, ascending."""
        limit = _to_utc(until)
        tick = self.next_after(after)
        while tick is not None and tick <= limit:
            yield tick
            tick = self.next_after(tick)


def _to_utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def min_gap_minutes(schedule: CronSchedule) -> int:
    """The smallest gap, in minutes, between two firings on the same or consecutive hours.

    Exact for the minute/hour fields; day-level gaps are always >= the hour-level ones, so this is the bound the
    trigger service checks against Glue's 5-minute minimum.
    """
    mins = schedule.minutes
    gaps = [b - a for a, b in itertools.pairwise(mins)]
    hours = set(schedule.hours)
    # The wrap from the last minute of an hour to the first of the next hour counts when both hours fire.
    if any((h + 1) % 24 in hours for h in hours):
        gaps.append(60 - mins[-1] + mins[0])
    return min(gaps) if gaps else 24 * 60


def parse_cron(text: str) -> CronSchedule:
    """Parse ``cron(m h dom mon dow year)``.

    Args:
        text: The expression, e.g. ``cron(0/15 * * * ? *)``.

    Returns:
        The schedule.

    Raises:
        ValueError: The expression is malformed; the message names the offending field.
    """
    if not isinstance(text, str):
        raise ValueError("Schedule: expected a string like 'cron(0 12 * * ? *)'")
    match = _CRON_RE.match(text)
    if match is None:
        raise ValueError(
            f"Schedule {text!r}: expected the form cron(Minutes Hours Day-of-month Month Day-of-week Year)"
        )
    fields = match.group("body").split()
    if len(fields) != 6:
        raise ValueError(f"Schedule {text!r}: expected 6 fields ({' '.join(_FIELD_NAMES)}), got {len(fields)}")
    minute_f, hour_f, dom_f, month_f, dow_f, year_f = fields
    if (dom_f == "?") == (dow_f == "?"):
        raise ValueError(
            f"Schedule {text!r}: Day-of-month and Day-of-week: exactly one of them must be '?' "
            f"(got {dom_f!r} and {dow_f!r})"
        )
    try:
        minutes = _parse_plain(minute_f, "Minutes", 0, 59, None)
        hours = _parse_plain(hour_f, "Hours", 0, 23, None)
        months = _parse_plain(month_f, "Month", 1, 12, _MONTHS)
        years = _parse_plain(year_f, "Year", MIN_YEAR, MAX_YEAR, None)
        dom = None if dom_f == "?" else _parse_dom(dom_f)
        dow = None if dow_f == "?" else _parse_dow(dow_f)
    except ValueError as exc:
        raise ValueError(f"Schedule {text!r}: {exc}") from None
    return CronSchedule(
        expression=text.strip(),
        minutes=tuple(sorted(minutes)),
        hours=tuple(sorted(hours)),
        months=tuple(sorted(months)),
        years=tuple(sorted(years)),
        day_of_month=dom,
        day_of_week=dow,
    )


def _number(token: str, field: str, lo: int, hi: int, names: dict[str, int] | None) -> int:
    upper = token.upper()
    if names is not None and upper in names:
        return names[upper]
    if not token.isdigit():
        raise ValueError(f"{field}: {token!r} is not a number" + (" or a name" if names else ""))
    value = int(token)
    if not lo <= value <= hi:
        raise ValueError(f"{field}: {value} is out of range {lo}-{hi}")
    return value


def _parse_item(item: str, field: str, lo: int, hi: int, names: dict[str, int] | None) -> set[int]:
    """One comma-separated item: ``*``, ``a``, ``a-b``, with an optional ``/step``."""
    if item == "?":
        raise ValueError(f"{field}: '?' is only allowed in Day-of-month or Day-of-week")
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) < 1:
            raise ValueError(f"{field}: step {step_text!r} must be a positive integer")
        step = int(step_text)
    if base == "*":
        start, end = lo, hi
    elif "-" in base:
        a, _, b = base.partition("-")
        start, end = _number(a, field, lo, hi, names), _number(b, field, lo, hi, names)
        if start > end:
            raise ValueError(f"{field}: range {base!r} runs backwards")
    else:
        start = _number(base, field, lo, hi, names)
        end = hi if slash else start
    return set(range(start, end + 1, step))


def _parse_plain(text: str, field: str, lo: int, hi: int, names: dict[str, int] | None) -> set[int]:
    out: set[int] = set()
    for item in text.split(","):
        if not item:
            raise ValueError(f"{field}: empty list item in {text!r}")
        out |= _parse_item(item, field, lo, hi, names)
    return out


def _parse_dom(text: str) -> _DayOfMonth:
    field = "Day-of-month"
    days: set[int] = set()
    offsets: set[int] = set()
    nearest: set[int] = set()
    last_weekday = False
    for item in text.split(","):
        upper = item.upper()
        if upper == "L":
            offsets.add(0)
        elif upper == "LW":
            last_weekday = True
        elif upper.startswith("L-"):
            off = upper[2:]
            if not off.isdigit() or not 0 <= int(off) <= 30:
                raise ValueError(f"{field}: {item!r} must be L-n with n in 0-30")
            offsets.add(int(off))
        elif upper.endswith("W"):
            nearest.add(_number(upper[:-1], field, 1, 31, None))
        elif "L" in upper or "W" in upper or "#" in upper:
            raise ValueError(f"{field}: {item!r} is not a valid day (use L, L-n, nW or LW)")
        elif not item:
            raise ValueError(f"{field}: empty list item in {text!r}")
        else:
            days |= _parse_item(item, field, 1, 31, None)
    return _DayOfMonth(frozenset(days), frozenset(offsets), frozenset(nearest), last_weekday)


def _parse_dow(text: str) -> _DayOfWeek:
    field = "Day-of-week"
    weekdays: set[int] = set()
    last_of: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in text.split(","):
        upper = item.upper()
        if upper == "L":
            weekdays.add(7)  # 'L' alone is the last day of the week: Saturday
        elif "#" in upper:
            day, _, k = upper.partition("#")
            if not k.isdigit() or not 1 <= int(k) <= 5:
                raise ValueError(f"{field}: {item!r}: the occurrence after '#' must be 1-5")
            nth.add((_number(day, field, 1, 7, _DAYS), int(k)))
        elif upper.endswith("L") and upper not in _DAYS:
            last_of.add(_number(upper[:-1], field, 1, 7, _DAYS))
        elif not item:
            raise ValueError(f"{field}: empty list item in {text!r}")
        else:
            weekdays |= _parse_item(item, field, 1, 7, _DAYS)
    return _DayOfWeek(frozenset(weekdays), frozenset(last_of), frozenset(nth))
