"""The month grid of the order calendar: weeks as rows, Monday first, orders by target date."""

import calendar
import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from salesorders.models import SalesOrder

# Enough to read a busy day at a glance; the rest is one click away in the order list.
ORDERS_PER_DAY = 4
# Realistic bounds that keep the previous/next month and the spill-over weeks valid dates.
FIRST_MONTH = datetime.date(1900, 1, 1)
LAST_MONTH = datetime.date(2999, 12, 1)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, today: datetime.date) -> datetime.date:
    """The first day of the month named `YYYY-MM`; today's month when the value is empty.

    Raises ValueError with a sentence a person can act on."""
    if value is None or not value.strip():
        return today.replace(day=1)
    match = _MONTH.match(value.strip())
    message = (
        f"“{value}” is not a month. Use the form YYYY-MM, e.g. {today:%Y-%m}, "
        f"between {FIRST_MONTH:%Y-%m} and {LAST_MONTH:%Y-%m}."
    )
    if not match:
        raise ValueError(message)
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not FIRST_MONTH.year <= year <= LAST_MONTH.year:
        raise ValueError(message)
    first = datetime.date(year, month, 1)
    if not FIRST_MONTH <= first <= LAST_MONTH:
        raise ValueError(message)
    return first


def add_months(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    orders: list[SalesOrder] = field(default_factory=list)
    more: int = 0
    more_url: str = ""


@dataclass
class MonthGrid:
    month: datetime.date
    weeks: list[list[Day]]
    previous: datetime.date | None
    next: datetime.date | None

    @property
    def start(self) -> datetime.date:
        return self.weeks[0][0].date

    @property
    def end(self) -> datetime.date:
        return self.weeks[-1][-1].date

    @property
    def days_with_orders(self) -> list[Day]:
        """The month's own days that have orders, in date order (the phone's day list)."""
        return [day for week in self.weeks for day in week if day.in_month and day.orders]

    @property
    def order_count(self) -> int:
        return sum(len(day.orders) + day.more for week in self.weeks for day in week)


def month_days(first: datetime.date) -> list[list[datetime.date]]:
    """The dates shown for the month: whole weeks, Monday first, spilling into the months
    either side."""
    return calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        first.year, first.month
    )


def build_grid(
    first: datetime.date,
    orders: Iterable[SalesOrder],
    *,
    today: datetime.date,
    more_url: Callable[[datetime.date], str],
    per_day: int = ORDERS_PER_DAY,
) -> MonthGrid:
    """Place orders (already limited to the grid's dates, in display order) on their days.

    An order carrying `day_total` (selectors.month_orders) says how many its day has in all,
    so a day's "more" link needs only the orders shown."""
    by_date: dict[datetime.date, list[SalesOrder]] = defaultdict(list)
    for order in orders:
        by_date[order.target_date].append(order)
    weeks = []
    for week in month_days(first):
        row = []
        for date in week:
            on_day = by_date.get(date, [])
            day = Day(
                date=date,
                in_month=date.month == first.month,
                is_today=date == today,
                orders=on_day[:per_day],
                more=max(0, getattr(on_day[0], "day_total", len(on_day)) - per_day)
                if on_day
                else 0,
            )
            if day.more:
                day.more_url = more_url(date)
            row.append(day)
        weeks.append(row)
    previous = add_months(first, -1) if first > FIRST_MONTH else None
    following = add_months(first, 1) if first < LAST_MONTH else None
    return MonthGrid(month=first, weeks=weeks, previous=previous, next=following)
