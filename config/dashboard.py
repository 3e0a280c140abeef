"""The dashboard's sections, one per role the user holds: each card is a work queue with a
bounded count that links to the list filtered to exactly the rows it counts.

A card's count and its link are built from the same query params run through the list's own
FilterSet (orders, shipments, backorders, invoices), so the figure and the list it opens
cannot disagree. One COUNT query per card (a card shown in two sections is counted once), one
for the chart: a constant number for the whole page.

The order figures at the top and the chart are sums over the open orders and the orders issued
in the last twelve months, read from the running totals per day that database triggers keep
(salesorders.totals): a few rows per day whatever the number of orders. They are kept in the
cache until orders change (`kept_until_orders_change`): between two writes, every view reads
them with one primary-key query; the first view after a write sums the totals again."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone

from accounting.models import base_currency
from approvals.selectors import waiting_count
from core.lists import bounded_count, bounded_label
from core.numbers import format_money
from invoicing.filters import InvoiceFilter
from invoicing.models import Invoice
from salesorders import totals
from salesorders.filters import MINE, REJECTED, SHIPPED_NOT_INVOICED, SalesOrderFilter
from salesorders.models import OPEN_STATUSES, SalesOrder
from salesorders.selectors import salesorder_dashboard_figures, salesorder_sales_by_month
from shipping.filters import BackorderFilter, ShipmentFilter
from shipping.models import Shipment
from shipping.selectors import backorder_lines

# Dashboard cards count up to this many rows: past it, "1,000+".
CARD_LIMIT = 1_000
# The order figures and the chart stay cached this long at most (seconds) if nothing changes.
KEPT_FOR = 24 * 3600

SALES, WAREHOUSE, MANAGERS, ACCOUNTS, CREDIT = (
    "Sales",
    "Warehouse",
    "Managers",
    "Accounts",
    "Credit Control",
)


@dataclass(frozen=True)
class Card:
    key: str  # data-testid "card-<key>", "<key>-count"
    title: str
    count: int
    url: str
    note: str = ""

    @property
    def label(self) -> str:
        return bounded_label(self.count, CARD_LIMIT)


@dataclass(frozen=True)
class Bar:
    label: str  # the month under the bar: "Jan", "Jan 2027" at a year's start
    title: str  # the bar's <title>: "January 2027: 1,234.00 EUR"
    value_label: str  # above the bar: "1.2k"
    x: float
    y: float
    width: float
    height: float

    @property
    def label_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 6, 1)


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    total: str
    width: int
    height: int
    baseline: float

    @property
    def label_y(self) -> int:
        return self.height - 12


@dataclass
class Section:
    key: str
    title: str
    cards: list[Card] = field(default_factory=list)
    chart: Chart | None = None


# --- the cards --------------------------------------------------------------------------------


class Cards:
    """Builds each card once per request (a user in several roles sees a card in each of its
    sections, counted once)."""

    def __init__(self, request: HttpRequest, today: datetime.date):
        self.request = request
        self.user = request.user
        self.today = today
        self.built: dict[str, Card | None] = {}

    def get(self, key: str) -> Card | None:
        if key not in self.built:
            self.built[key] = getattr(self, "card_" + key.replace("-", "_"))()
        return self.built[key]

    def may(self, permission: str) -> bool:
        return self.user.has_perm(permission)

    def _orders(self, key: str, title: str, params: dict, note: str = "") -> Card | None:
        if not self.may("salesorders.view_salesorder"):
            return None
        filterset = SalesOrderFilter(
            _query(params), queryset=SalesOrder.objects.all(), request=self.request
        )
        url = f"{reverse('salesorders:list')}?{urlencode(params, doseq=True)}"
        return Card(key, title, bounded_count(filterset.qs, CARD_LIMIT), url, note)

    # Sales: my orders.
    def card_my_drafts(self):
        params = {"status": SalesOrder.Status.PENDING, "salesperson": MINE}
        return self._orders("my-drafts", "My drafts", params, "Pending orders of mine")

    def card_my_rejected(self):
        params = {"approval": REJECTED, "salesperson": MINE}
        return self._orders("my-rejected", "Rejected", params, "Approval refused: change, resubmit")

    def card_my_awaiting_approval(self):
        params = {"status": SalesOrder.Status.PENDING_APPROVAL, "salesperson": MINE}
        return self._orders("my-awaiting-approval", "Awaiting approval", params)

    def card_my_due_this_week(self):
        week_end = self.today + datetime.timedelta(days=6)
        params = {
            "status": list(OPEN_STATUSES),
            "salesperson": MINE,
            "target_date_after": self.today.isoformat(),
            "target_date_before": week_end.isoformat(),
        }
        note = f"Target date {self.today:%Y-%m-%d} to {week_end:%Y-%m-%d}"
        return self._orders("my-due-this-week", "Due this week", params, note)

    # Warehouse.
    def card_to_allocate(self):
        params = {"to_allocate": "true"}
        return self._orders("to-allocate", "To allocate", params, "Issued, stock not reserved")

    def card_to_pack(self):
        if not self.may("shipping.view_shipment"):
            return None
        params = {"status": Shipment.Status.PENDING}
        filterset = ShipmentFilter(_query(params), queryset=Shipment.objects.all())
        url = f"{reverse('shipping:shipment-list')}?{urlencode(params)}"
        count = bounded_count(filterset.qs, CARD_LIMIT)
        return Card("to-pack", "Shipments to pack", count, url, "Pending, not yet shipped")

    def card_backorders_fillable(self):
        if not self.may("shipping.view_shipment"):
            return None
        params = {"to_allocate": "true", "fillable": "true"}
        filterset = BackorderFilter(_query(params), queryset=backorder_lines())
        url = f"{reverse('shipping:backorders')}?{urlencode(params)}"
        count = bounded_count(filterset.qs, CARD_LIMIT)
        note = "Lines short of allocation with stock free"
        return Card("backorders-fillable", "Backorders to fill now", count, url, note)

    # Managers, Accounts (and Credit Control's approvals).
    def card_approvals(self):
        if not self.may("approvals.add_approvaldecision"):
            return None
        url = reverse("approvals:waiting")
        return Card("approvals", "Waiting for my approval", waiting_count(self.user), url)

    def card_ready_to_complete(self):
        params = {"ready_to_complete": "true"}
        note = "Shipped in full, still Issued"
        return self._orders("ready-to-complete", "Ready to complete", params, note)

    def card_shipped_not_invoiced(self):
        params = {"invoicing": SHIPPED_NOT_INVOICED}
        return self._orders("shipped-not-invoiced", "Shipped, not invoiced", params)

    def card_overdue_invoices(self):
        if not self.may("invoicing.view_invoice"):
            return None
        params = {"overdue": "true"}
        filterset = InvoiceFilter(_query(params), queryset=Invoice.objects.all())
        url = f"{reverse('invoicing:invoice-list')}?{urlencode(params)}"
        count = bounded_count(filterset.qs, CARD_LIMIT)
        return Card("overdue-invoices", "Overdue invoices", count, url, "Posted, past due")


def _query(params: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


# The sections in the order they show, each with the roles that see it and its cards.
SECTIONS = [
    (
        "sales",
        "My orders",
        {SALES},
        ["my-drafts", "my-rejected", "my-awaiting-approval", "my-due-this-week"],
    ),
    ("warehouse", "Warehouse", {WAREHOUSE}, ["to-allocate", "to-pack", "backorders-fillable"]),
    (
        "office",
        "Approvals, completion and invoicing",
        {MANAGERS, ACCOUNTS},
        ["approvals", "ready-to-complete", "shipped-not-invoiced", "overdue-invoices"],
    ),
    ("credit", "Credit control", {CREDIT}, ["approvals", "overdue-invoices"]),
]
CHART_SECTION = "office"


# --- figures kept until orders change -----------------------------------------------------------


def kept_until_orders_change(mark: str | None, name: str, compute, *args):
    """`compute(*args)`, kept in the cache under the orders' change `mark`
    (order_calendar.selectors.orders_change_mark, read before computing: a write that commits
    meanwhile can only make the kept value newer than its mark, never older) and the base
    currency; computed and not kept when there is no mark. The same for every user: call it
    only for figures that depend on no one's permissions."""
    if mark is None:
        return compute(*args)
    key = ":".join(["dashboard", name, mark, base_currency(), *map(str, args)])
    value = cache.get(key)
    if value is None:
        value = compute(*args)
        cache.set(key, value, timeout=KEPT_FOR)
    return value


def figures_compacting(today: datetime.date) -> dict:
    """salesorder_dashboard_figures, then the running totals folded if enough rows wait."""
    figures = salesorder_dashboard_figures(today)
    totals.compact_if_due(figures["unmerged"])
    return figures


def order_figures(mark: str | None, today: datetime.date) -> dict:
    """salesorder_dashboard_figures of `today`, kept until orders change."""
    return kept_until_orders_change(mark, "figures", figures_compacting, today)


def sales_by_month(mark: str | None, today: datetime.date) -> list[tuple[datetime.date, Decimal]]:
    """The chart's twelve months to `today`, kept until orders change."""
    return kept_until_orders_change(mark, "sales", salesorder_sales_by_month, 12, today)


def dashboard_sections(
    request: HttpRequest, today: datetime.date | None = None, mark: str | None = None
) -> list[Section]:
    """The sections `request.user` sees: one per role held (all of them for a superuser),
    each with the cards the user may open. `mark` is orders_change_mark(), which the view
    reads for whoever may see orders (the chart's readers too); without it the chart is
    summed and not kept."""
    user = request.user
    today = today or timezone.localdate()
    roles = set(user.groups.values_list("name", flat=True))
    cards = Cards(request, today)
    sections = []
    for key, title, wanted, card_keys in SECTIONS:
        if not (user.is_superuser or roles & wanted):
            continue
        section = Section(key, title, [c for c in map(cards.get, card_keys) if c is not None])
        if key == CHART_SECTION and user.has_perm("salesorders.view_salesorder"):
            section.chart = sales_chart(sales_by_month(mark, today))
        if section.cards or section.chart:
            sections.append(section)
    return sections


# --- the chart --------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 640, 220
PLOT_TOP, PLOT_BOTTOM = 22, 190  # room for value labels above, month labels below


def compact(value: Decimal) -> str:
    """An amount in a few characters for a bar's label: 950, 12.3k, 4.1M."""
    for size, suffix in ((Decimal("1000000"), "M"), (Decimal("1000"), "k")):
        if abs(value) >= size:
            return f"{value / size:,.1f}{suffix}"
    return f"{value:,.0f}"


def sales_chart(months: list[tuple[datetime.date, Decimal]]) -> Chart:
    """Bar geometry for the months' sales, drawn by the template as SVG (no JavaScript)."""
    currency = base_currency()
    top = max((value for _, value in months), default=Decimal("0"))
    slot = CHART_WIDTH / max(len(months), 1)
    width = slot * 0.7
    plot = PLOT_BOTTOM - PLOT_TOP
    bars = []
    for index, (month, value) in enumerate(months):
        height = float(value / top * plot) if top > 0 and value > 0 else 0.0
        label = f"{month:%b}" if month.month != 1 and index else f"{month:%b %Y}"
        bars.append(
            Bar(
                label=label,
                title=f"{month:%B %Y}: {format_money(value, currency)}",
                value_label=compact(value),
                x=round(index * slot + (slot - width) / 2, 1),
                y=round(PLOT_BOTTOM - height, 1),
                width=round(width, 1),
                height=round(height, 1),
            )
        )
    total = sum((value for _, value in months), Decimal("0"))
    return Chart(
        title=f"Sales per month, last {len(months)} months (issued orders, {currency})",
        bars=bars,
        total=format_money(total, currency),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        baseline=PLOT_BOTTOM,
    )
