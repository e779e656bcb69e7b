"""AWS cron: parsing, Glue's rejections, and next_after against an independent brute-force scan."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glueworks.platform.scheduling import min_gap_minutes, parse_cron

MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


# --- A reference model: each field is a list of items whose meaning the test states independently. ---------------


@dataclass(frozen=True)
class Item:
    kind: str  # "star", "one", "range", "from" (a/step)
    a: int = 0
    b: int = 0
    step: int = 1

    def render(self, names: list[str] | None, offset: int) -> str:
        def n(v: int) -> str:
            return names[v - offset] if names is not None and v % 2 == 0 else str(v)

        if self.kind == "star":
            return "*" if self.step == 1 else f"*/{self.step}"
        if self.kind == "one":
            return n(self.a)
        if self.kind == "from":
            return f"{n(self.a)}/{self.step}"
        text = f"{n(self.a)}-{n(self.b)}"
        return text if self.step == 1 else f"{text}/{self.step}"

    def contains(self, v: int, lo: int, hi: int) -> bool:
        if self.kind == "star":
            return (v - lo) % self.step == 0
        if self.kind == "one":
            return v == self.a
        if self.kind == "from":
            return v >= self.a and (v - self.a) % self.step == 0
        return self.a <= v <= self.b and (v - self.a) % self.step == 0


def items(lo: int, hi: int) -> st.SearchStrategy[list[Item]]:
    value = st.integers(lo, hi)
    step = st.integers(1, max(1, (hi - lo) // 2))
    one = st.builds(Item, st.just("one"), value)
    star = st.builds(Item, st.just("star"), step=st.one_of(st.just(1), step))
    frm = st.builds(Item, st.just("from"), value, step=step)
    rng = st.tuples(value, value, step).map(lambda t: Item("range", min(t[0], t[1]), max(t[0], t[1]), t[2]))
    return st.lists(st.one_of(one, star, frm, rng), min_size=1, max_size=3)


def is_weekday(y: int, m: int, d: int) -> bool:
    return datetime(y, m, d).isoweekday() <= 5


def aws_dow(y: int, m: int, d: int) -> int:
    return datetime(y, m, d).isoweekday() % 7 + 1


def nearest_weekday(y: int, m: int, n: int) -> int | None:
    last = calendar.monthrange(y, m)[1]
    if n > last:
        return None
    weekdays = [d for d in range(1, last + 1) if is_weekday(y, m, d)]
    return min(weekdays, key=lambda d: abs(d - n))


@dataclass(frozen=True)
class DaySpec:
    """Day-of-month specials ('L', 'L-3', '15W', 'LW') or Day-of-week specials ('6L', '3#2')."""

    text: str

    def matches_dom(self, y: int, m: int, d: int) -> bool:
        last = calendar.monthrange(y, m)[1]
        if self.text == "L":
            return d == last
        if self.text == "LW":
            return d == max(x for x in range(1, last + 1) if is_weekday(y, m, x))
        if self.text.startswith("L-"):
            return d == last - int(self.text[2:])
        return d == nearest_weekday(y, m, int(self.text[:-1]))

    def matches_dow(self, y: int, m: int, d: int) -> bool:
        if self.text.endswith("L"):
            wd = 7 if self.text == "L" else int(self.text[:-1])
            if self.text == "L":
                return aws_dow(y, m, d) == 7
            same = [x for x in range(1, calendar.monthrange(y, m)[1] + 1) if aws_dow(y, m, x) == wd]
            return d == same[-1]
        wd, k = (int(p) for p in self.text.split("#"))
        same = [x for x in range(1, calendar.monthrange(y, m)[1] + 1) if aws_dow(y, m, x) == wd]
        return len(same) >= k and d == same[k - 1]


@dataclass(frozen=True)
class Expr:
    minutes: list[Item]
    hours: list[Item]
    months: list[Item]
    years: list[Item]
    use_dom: bool
    day_items: list[Item]
    day_specials: list[DaySpec]

    def render(self) -> str:
        def field(xs: list[Item], names: list[str] | None = None, offset: int = 0) -> str:
            return ",".join(x.render(names, offset) for x in xs)

        day = ",".join(
            [field(self.day_items, None if self.use_dom else DAY_NAMES, 1)] * bool(self.day_items)
            + [s.text for s in self.day_specials]
        )
        dom, dow = (day, "?") if self.use_dom else ("?", day)
        return (
            f"cron({field(self.minutes)} {field(self.hours)} {dom} {field(self.months, MONTH_NAMES, 1)} "
            f"{dow} {field(self.years)})"
        )

    def day_ok(self, y: int, m: int, d: int) -> bool:
        if self.use_dom:
            return any(i.contains(d, 1, 31) for i in self.day_items) or any(
                s.matches_dom(y, m, d) for s in self.day_specials
            )
        return any(i.contains(aws_dow(y, m, d), 1, 7) for i in self.day_items) or any(
            s.matches_dow(y, m, d) for s in self.day_specials
        )

    def first_after(self, start: datetime, horizon_days: int) -> datetime | None:
        """Scan day by day (reference day rule), then minute by minute within matching days."""
        t = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = t.replace(hour=0, minute=0)
        for _ in range(horizon_days):
            y, m, d = day.year, day.month, day.day
            if (
                any(i.contains(y, 1970, 2199) for i in self.years)
                and any(i.contains(m, 1, 12) for i in self.months)
                and self.day_ok(y, m, d)
            ):
                minute = day
                for _ in range(24 * 60):
                    if (
                        minute >= t
                        and any(i.contains(minute.hour, 0, 23) for i in self.hours)
                        and any(i.contains(minute.minute, 0, 59) for i in self.minutes)
                    ):
                        return minute
                    minute += timedelta(minutes=1)
            day += timedelta(days=1)
        return None


dom_specials = st.sampled_from(["L", "LW", "L-2", "L-5", "1W", "15W", "30W", "31W"]).map(DaySpec)
dow_specials = st.one_of(
    st.just(DaySpec("L")),
    st.integers(1, 7).map(lambda n: DaySpec(f"{n}L")),
    st.tuples(st.integers(1, 7), st.integers(1, 5)).map(lambda t: DaySpec(f"{t[0]}#{t[1]}")),
)


@st.composite
def expressions(draw: st.DrawFn) -> Expr:
    use_dom = draw(st.booleans())
    specials = draw(st.lists(dom_specials if use_dom else dow_specials, max_size=2))
    day_items = draw(items(1, 31) if use_dom else items(1, 7)) if not specials or draw(st.booleans()) else []
    return Expr(
        minutes=draw(items(0, 59)),
        hours=draw(items(0, 23)),
        months=draw(st.one_of(st.just([Item("star")]), items(1, 12))),
        years=draw(st.one_of(st.just([Item("star")]), st.just([Item("range", 2024, 2030)]))),
        use_dom=use_dom,
        day_items=day_items,
        day_specials=specials,
    )


HORIZON_DAYS = 400


@settings(max_examples=150, deadline=None)
@given(expr=expressions(), start=st.datetimes(datetime(2024, 1, 1), datetime(2029, 12, 31)))
def test_next_after_matches_brute_force(expr: Expr, start: datetime) -> None:
    schedule = parse_cron(expr.render())
    got = schedule.next_after(start)
    want = expr.first_after(start, HORIZON_DAYS)
    if want is not None:
        assert got == want.replace(tzinfo=UTC)
        assert schedule.matches(got)
    else:
        assert got is None or got > (start + timedelta(days=HORIZON_DAYS - 1)).replace(tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(expr=expressions(), start=st.datetimes(datetime(2024, 1, 1), datetime(2029, 12, 31)))
def test_ticks_are_increasing_and_consecutive(expr: Expr, start: datetime) -> None:
    schedule = parse_cron(expr.render())
    ticks = []
    tick = schedule.next_after(start)
    while tick is not None and len(ticks) < 5:
        ticks.append(tick)
        tick = schedule.next_after(tick)
    assert ticks == sorted(set(ticks))
    # Nothing in between two consecutive ticks fires (checked at minute granularity on the first gap).
    if len(ticks) >= 2 and ticks[1] - ticks[0] <= timedelta(days=2):
        minute = ticks[0] + timedelta(minutes=1)
        while minute < ticks[1]:
            assert not schedule.matches(minute)
            minute += timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("cron(15 12 * * ? *)", datetime(2026, 3, 1, 12, 15), datetime(2026, 3, 2, 12, 15)),
        ("cron(0/15 * * * ? *)", datetime(2026, 3, 1, 0, 7), datetime(2026, 3, 1, 0, 15)),
        ("cron(0 10 ? * 6#3 *)", datetime(2026, 1, 1), datetime(2026, 1, 16, 10, 0)),  # third Friday
        ("cron(0 10 ? * 6L *)", datetime(2026, 1, 1), datetime(2026, 1, 30, 10, 0)),  # last Friday
        ("cron(0 10 LW * ? *)", datetime(2026, 1, 1), datetime(2026, 1, 30, 10, 0)),  # Jan 31 2026 is a Saturday
        ("cron(0 10 1W * ? *)", datetime(2025, 11, 1), datetime(2025, 11, 3, 10, 0)),  # Nov 1 2025: Saturday
        ("cron(0 0 L * ? *)", datetime(2028, 2, 1), datetime(2028, 2, 29, 0, 0)),  # leap year
        ("cron(0 8 ? * MON-FRI *)", datetime(2026, 1, 2, 9, 0), datetime(2026, 1, 5, 8, 0)),
        ("cron(0 0 1 JAN ? 2199)", datetime(2199, 1, 1), None),
    ],
)
def test_known_ticks(text: str, after: datetime, expected: datetime | None) -> None:
    got = parse_cron(text).next_after(after)
    assert got == (expected.replace(tzinfo=UTC) if expected else None)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("cron(0 12 * * * *)", "Day-of-month and Day-of-week"),  # both day fields set: Glue rejects
        ("cron(0 12 1 * MON *)", "Day-of-month and Day-of-week"),
        ("cron(0 12 ? * ? *)", "Day-of-month and Day-of-week"),
        ("cron(60 12 * * ? *)", "Minutes"),
        ("cron(0 24 * * ? *)", "Hours"),
        ("cron(0 12 32 * ? *)", "Day-of-month"),
        ("cron(0 12 * 13 ? *)", "Month"),
        ("cron(0 12 * FOO ? *)", "Month"),
        ("cron(0 12 ? * 8 *)", "Day-of-week"),
        ("cron(0 12 ? * 2#6 *)", "Day-of-week"),
        ("cron(0 12 * * ? 1969)", "Year"),
        ("cron(0 12 * * ? 2200)", "Year"),
        ("cron(0 12 10-5 * ? *)", "Day-of-month"),
        ("cron(0/0 12 * * ? *)", "Minutes"),
        ("cron(? 12 * * ? *)", "Minutes"),
        ("cron(0 12 * * ?)", "6 fields"),
        ("rate(5 minutes)", "cron("),
        ("cron(0 12 1,,2 * ? *)", "Day-of-month"),
    ],
)
def test_bad_cron_names_the_field(text: str, field: str) -> None:
    with pytest.raises(ValueError, match=field.replace("(", r"\(")):
        parse_cron(text)


@pytest.mark.parametrize(
    ("text", "gap"),
    [
        ("cron(0/15 * * * ? *)", 15),
        ("cron(0,3 * * * ? *)", 3),
        ("cron(58 * * * ? *)", 60),
        ("cron(0,58 5 * * ? *)", 58),  # one hour a day: the wrap to the next hour does not fire
        ("cron(0,58 5,6 * * ? *)", 2),
        ("cron(0 12 * * ? *)", 24 * 60),
    ],
)
def test_min_gap(text: str, gap: int) -> None:
    assert min_gap_minutes(parse_cron(text)) == gap
