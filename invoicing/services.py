"""Every write of invoicing: invoices from orders, drafts, posting, voiding with a credit
note, payments, Ship and Invoice, Invoice All Shipped.

Lock order everywhere (DESIGN.md): Customer -> SalesOrder -> SalesOrderLine -> StockItem (by
pk) -> Shipment -> Invoice -> InvoiceSettings (the numbering row, last). Invoicing writes
only its own tables; the order lines' invoiced quantities, the order's invoiced base total,
version and history go through salesorders' services (`salesorder_lines_invoice`,
`salesorder_change_record`), the customer's open receivable through
`customer_receivable_adjust`. Every public function is atomic, raises an InvoicingError (a
DomainError) with a sentence a person can act on, and writes nothing when it raises.

Amounts: an invoice line of an order line bills its quantity at the order line's price,
discount and tax, with its share of the order discount pro rata to the quantity; the
invoice that brings an order line to its full ordered quantity takes what is left of the
line's stored amounts, so the invoices of an order add up to the order to the cent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting.selectors import exchange_rate_for
from accounting.services import period_require_open
from core.currency import in_base
from core.db import insert_rows
from core.emails import document_email_enqueue
from core.exceptions import DomainError
from core.models import EmailMessageLog
from core.numbers import MAX_AMOUNT, ZERO, format_amount, gross_line_amounts, money
from core.pdf import pdf_available
from customers.models import Customer, due_date
from customers.services import customer_receivable_adjust
from inventory.models import TaxRate, format_unit_quantity
from invoicing.exceptions import (
    InvoiceAlreadyDoneError,
    InvoiceQuantityError,
    InvoiceStateError,
    InvoicingError,
    PaymentError,
    ShipAndInvoiceError,
)
from invoicing.models import (
    Invoice,
    InvoiceLine,
    InvoiceSettings,
    InvoicingPolicy,
    Payment,
    PaymentMethod,
    SyncAction,
    invoiceable_quantity,
)
from invoicing.sync import sync_enqueue
from invoicing.tasks import issued_document_enqueue
from salesorders.models import (
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderLineDimension,
)
from salesorders.numbering import format_reference
from salesorders.services import (
    salesorder_change_record,
    salesorder_event_record,
    salesorder_lines_invoice,
    salesorder_lines_lock,
    salesorder_lock,
    salesorder_services_deliver,
)
from shipping.models import Shipment
from shipping.services import order_auto_allocate, shipment_complete, shipment_create

User = AbstractBaseUser
Kind = SalesOrderEvent.Kind
Status = Invoice.Status


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # "leave as it is" for optional arguments


# --- small helpers ------------------------------------------------------------------------


def _settings(lock: bool = False) -> InvoiceSettings:
    """The settings row (created on first use); locked when `lock` (numbering)."""
    if not InvoiceSettings.objects.filter(pk=1).exists():
        try:
            with transaction.atomic():
                InvoiceSettings.objects.create(pk=1)
        except IntegrityError:
            pass  # another process created it first
    rows = InvoiceSettings.objects.filter(pk=1)
    return (rows.select_for_update() if lock else rows).get()


def _decimal(value, *, field: str, label: str, error=InvoicingError) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError, TypeError):
            raise error({field: f"{label} must be a number, not {value!r}."}) from None
    if not number.is_finite():
        raise error({field: f"{label} must be a number, not {value!r}."})
    return number


def _money_input(value, *, field: str, label: str, error=InvoicingError) -> Decimal:
    number = _decimal(value, field=field, label=label, error=error)
    if number != number.quantize(Decimal("0.01")):
        raise error({field: f"{label} has at most 2 decimal places."})
    if abs(number) > MAX_AMOUNT:
        raise error({field: f"{label} is more than an amount can hold ({MAX_AMOUNT:,})."})
    return number


def _lock_customer(customer_id: int) -> None:
    """Lock the customer row first (the global lock order), for writes that change its open
    receivable; the receivable itself is written by customers' service."""
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk", flat=True))


def _lock_invoice(invoice: Invoice, expected_version: int | None = None) -> Invoice:
    try:
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    except Invoice.DoesNotExist:
        raise InvoiceStateError("That invoice no longer exists; reload the page.") from None
    if expected_version is not None and int(expected_version) != locked.version:
        raise InvoiceStateError(
            f"{locked} was changed by someone else since you opened it; reload the page to "
            "see the changes, then try again."
        )
    return locked


def _lock_all(
    invoice: Invoice, expected_version: int | None = None, *, customer: bool = False
) -> tuple[SalesOrder, Invoice]:
    """Lock (the customer,) the order, then the invoice, in the global order."""
    current = Invoice.objects.filter(pk=invoice.pk).values("order_id", "customer_id").first()
    if current is None:
        raise InvoiceStateError("That invoice no longer exists; reload the page.")
    if customer:
        _lock_customer(current["customer_id"])
    order = salesorder_lock(order=SalesOrder(pk=current["order_id"]))
    locked = _lock_invoice(invoice, expected_version)
    locked.order = order
    return order, locked


def _require(invoice: Invoice, action: str) -> None:
    """Raise the sentence of Invoice.action_refusal (InvoiceAlreadyDoneError when the invoice
    already is where the action leads)."""
    refusal = invoice.action_refusal(action)
    if refusal is None:
        return
    already = {
        "post": invoice.is_posted and not invoice.is_credit_note,
        "void": invoice.status == Status.VOID,
    }.get(action)
    if already:
        on = invoice.posted_at if action == "post" else invoice.voided_at
        when = f" on {timezone.localtime(on):%d %b %Y}" if on else ""
        verb = "posted" if action == "post" else "voided"
        raise InvoiceAlreadyDoneError(f"{invoice} was already {verb}{when}.")
    raise InvoiceStateError(refusal)


def _require_draft(invoice: Invoice) -> None:
    if not invoice.can_edit():
        raise InvoiceStateError(
            f"{invoice} is {invoice.get_status_display()}: a posted invoice is never edited; "
            "void it with a credit note instead."
        )


def _bump(invoice: Invoice, fields: list[str]) -> None:
    invoice.version += 1
    invoice.save(update_fields=[*fields, "version"])


def _require_invoiceable_order(order: SalesOrder) -> None:
    if order.is_pending():
        raise InvoiceStateError(f"{order.reference} is Pending: issue it before invoicing it.")
    if order.is_cancelled():
        raise InvoiceStateError(f"{order.reference} is Cancelled, so it cannot be invoiced.")


def _rate_for(invoice: Invoice) -> None:
    """Freeze the rate of the invoice date (accounting.selectors.exchange_rate_for)."""
    quote = exchange_rate_for(currency=invoice.currency, on=invoice.invoice_date)
    invoice.currency_rate, invoice.currency_rate_date = quote.rate, quote.date


# --- amounts ------------------------------------------------------------------------------


@dataclass
class _Billed:
    """What other billing invoice lines hold of one order line."""

    quantity: Decimal = ZERO
    subtotal: Decimal = ZERO
    order_discount: Decimal = ZERO
    tax_amount: Decimal = ZERO
    total: Decimal = ZERO
    repriced: int = 0  # lines whose price, discount or tax differ from the order line's


def _billed(order_line_ids, *, exclude_invoice: int | None = None) -> dict[int, _Billed]:
    """What the billing invoices (draft, posted, paid) other than `exclude_invoice` hold of
    each order line: one grouped query."""
    rows = InvoiceLine.objects.filter(
        order_line_id__in=list(order_line_ids), invoice__in=Invoice.objects.billing()
    )
    if exclude_invoice is not None:
        rows = rows.exclude(invoice_id=exclude_invoice)
    differs = (
        ~Q(unit_price=F("order_line__unit_price"))
        | ~Q(discount_percent=F("order_line__discount_percent"))
        | ~Q(tax_percent=F("order_line__tax_percent"))
    )
    rows = (
        rows.order_by()
        .values("order_line")
        .annotate(
            q=Sum("quantity"),
            s=Sum("subtotal"),
            d=Sum("order_discount"),
            t=Sum("tax_amount"),
            g=Sum("total"),
            r=Count("pk", filter=differs),
        )
    )
    return {
        row["order_line"]: _Billed(row["q"], row["s"], row["d"], row["t"], row["g"], row["r"])
        for row in rows
    }


def _follows_order(line: InvoiceLine, order_line: SalesOrderLine) -> bool:
    return (
        line.unit_price == order_line.unit_price
        and line.discount_percent == order_line.discount_percent
        and line.tax_percent == order_line.tax_percent
    )


def line_amounts(
    line: InvoiceLine,
    *,
    prices_include_tax: bool,
    order_line: SalesOrderLine | None = None,
    billed: _Billed | None = None,
) -> None:
    """Store the line's subtotal, order discount share, tax and total (cents).

    A free line: quantity x price less its discount, taxed (core.numbers.gross_line_amounts).
    A line of an order line: the same with the order line's order discount pro rata to the
    quantity; when this line brings the order line to its full ordered quantity (with what
    `billed` holds on other invoices) at the order line's own price, it takes what is left of
    the order line's stored amounts instead, so the invoices add up to the order exactly."""
    share = ZERO
    if order_line is not None:
        billed = billed or _Billed()
        full = billed.quantity + line.quantity == order_line.quantity
        if full and not billed.repriced and _follows_order(line, order_line):
            line.subtotal = order_line.subtotal - billed.subtotal
            line.order_discount = order_line.order_discount - billed.order_discount
            line.tax_amount = order_line.tax_amount - billed.tax_amount
            line.total = order_line.total - billed.total
            return
        if order_line.order_discount and order_line.quantity:
            share = money(order_line.order_discount * line.quantity / order_line.quantity)
    line.subtotal, line.order_discount, line.tax_amount, line.total = gross_line_amounts(
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        tax_percent=line.tax_percent,
        prices_include_tax=prices_include_tax,
        order_discount=share,
    )
    if max(abs(line.subtotal), abs(line.total)) > MAX_AMOUNT:
        raise InvoiceQuantityError(
            {"quantity": f"{line.description} comes to more than a line can hold ({MAX_AMOUNT:,})."}
        )


def _set_totals(invoice: Invoice, sums: dict, order: SalesOrder) -> Decimal:
    """Set the invoice's totals from line sums (keys s, d, t, g, n) in its currency and the
    base currency; returns the change of what the order's invoiced base total holds for it
    (at the order's rate)."""
    invoice.lines_subtotal = money(sums["s"])
    invoice.discount_total = money(sums["d"])
    invoice.subtotal = invoice.lines_subtotal - invoice.discount_total
    invoice.tax_total = money(sums["t"])
    invoice.total = invoice.subtotal + invoice.tax_total
    invoice.line_count = sums["n"]
    if max(abs(invoice.subtotal), abs(invoice.total)) > MAX_AMOUNT:
        raise InvoicingError(f"{invoice} would come to more than an invoice can hold.")
    invoice.base_subtotal = in_base(invoice.subtotal, invoice.currency_rate)
    invoice.base_tax_total = in_base(invoice.tax_total, invoice.currency_rate)
    invoice.base_total = invoice.base_subtotal + invoice.base_tax_total
    before = invoice.order_base_amount
    invoice.order_base_amount = in_base(invoice.subtotal, order.currency_rate) + in_base(
        invoice.tax_total, order.currency_rate
    )
    return invoice.order_base_amount - before


TOTAL_FIELDS = [
    "lines_subtotal",
    "discount_total",
    "subtotal",
    "tax_total",
    "total",
    "base_subtotal",
    "base_tax_total",
    "base_total",
    "order_base_amount",
    "line_count",
]


def _sums(invoice: Invoice) -> dict:
    """The sums of the invoice's stored line amounts: one aggregate query."""
    return invoice.lines.aggregate(
        s=Coalesce(Sum("subtotal"), ZERO),
        d=Coalesce(Sum("order_discount"), ZERO),
        t=Coalesce(Sum("tax_amount"), ZERO),
        g=Coalesce(Sum("total"), ZERO),
        n=Count("pk"),
    )


LINE_COLUMNS = [
    "invoice",
    "order_line",
    "extra_line",
    "description",
    "sku",
    "unit",
    "part_kind",
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_rate",
    "tax_name",
    "tax_percent",
    "tax_rule",
    "tax_note",
    "revenue_account",
    "sort_order",
    "subtotal",
    "order_discount",
    "tax_amount",
    "total",
]


def _insert_lines(lines: list[InvoiceLine]) -> None:
    """Insert invoice lines in one statement (core.db.insert_rows), whatever their number."""
    names = [InvoiceLine._meta.get_field(name).attname for name in LINE_COLUMNS]
    insert_rows(InvoiceLine, LINE_COLUMNS, [[getattr(x, n) for n in names] for x in lines])


def _copy_dimensions(invoice: Invoice) -> None:
    """Give the invoice's lines the dimension values of the order lines they bill: three
    queries, whatever the number of lines (credit notes copy them the same way)."""
    line_ids = dict(
        invoice.lines.filter(order_line__isnull=False).values_list("order_line_id", "pk")
    )
    if not line_ids:
        return
    through = InvoiceLine.dimension_values.through
    rows = SalesOrderLineDimension.objects.filter(line_id__in=line_ids).values_list(
        "line_id", "value_id"
    )
    through.objects.bulk_create(
        through(invoiceline_id=line_ids[line_id], dimensionvalue_id=value_id)
        for line_id, value_id in rows
    )


def _describe_quantities(lines: list[SalesOrderLine], quantities: dict[int, Decimal]) -> str:
    shown = [
        f"{format_unit_quantity(quantities[line.pk], line.unit)} of {line.part_sku}"
        for line in lines
        if quantities.get(line.pk)
    ]
    if len(shown) > 5:
        shown = [*shown[:5], f"{len(shown) - 5} more line(s)"]
    return ", ".join(shown)


# --- creating drafts ----------------------------------------------------------------------


def _checked_quantities(
    order: SalesOrder,
    lines: list[SalesOrderLine],
    quantities: dict | None,
    policy: str,
    *,
    current: dict[int, Decimal] | None = None,
) -> dict[int, Decimal]:
    """{order line pk: quantity to invoice}, checked against what may be invoiced (plus what
    `current`, this draft's own lines, already hold). Raises InvoiceQuantityError at the
    field `quantity_<line pk>` naming the line."""
    by_pk = {line.pk: line for line in lines}
    current = current or {}
    if quantities is None:
        return {
            line.pk: invoiceable_quantity(line, policy)
            for line in lines
            if invoiceable_quantity(line, policy) > 0
        }
    checked: dict[int, Decimal] = {}
    for key, value in quantities.items():
        try:
            pk = int(key)
        except (TypeError, ValueError):
            raise InvoiceQuantityError(f"{key!r} is not a line of {order.reference}.") from None
        line = by_pk.get(pk)
        field = f"quantity_{pk}"
        if line is None:
            raise InvoiceQuantityError(f"Line #{pk} is not a line of {order.reference}.")
        if value in (None, ""):
            continue
        quantity = _decimal(value, field=field, label="The quantity", error=InvoiceQuantityError)
        if quantity < 0:
            raise InvoiceQuantityError(
                {field: f"{line.part_sku}: a quantity to invoice cannot be negative."}
            )
        if quantity == 0:
            continue
        refusal = line.quantity_refusal(quantity)
        if refusal:
            raise InvoiceQuantityError({field: refusal})
        most = invoiceable_quantity(line, policy) + current.get(pk, ZERO)
        if quantity > most:
            what = "shipped or delivered" if policy == InvoicingPolicy.ON_SHIPMENT else "ordered"
            raise InvoiceQuantityError(
                {
                    field: (
                        f"{line.part_sku} ({line.part_name}): at most "
                        f"{format_unit_quantity(most, line.unit)} may be invoiced (what is "
                        f"{what} and not on another invoice), not "
                        f"{format_unit_quantity(quantity, line.unit)}."
                    )
                }
            )
        checked[pk] = quantity
    return checked


def _unbilled_extras(order: SalesOrder) -> list[SalesOrderExtraLine]:
    """The order's extra lines no billing invoice holds yet: one query."""
    billed = InvoiceLine.objects.filter(
        extra_line=OuterRef("pk"), invoice__in=Invoice.objects.billing()
    )
    return list(
        SalesOrderExtraLine.objects.filter(order_id=order.pk)
        .exclude(Exists(billed))
        .order_by("sort_order", "pk")
    )


def _new_invoice(order: SalesOrder, *, invoice_date, user, notes: str = "") -> Invoice:
    invoice = Invoice(
        order=order,
        customer_id=order.customer_id,
        customer_name=order.customer_name,
        bill_to=order.bill_to,
        customer_tax_number=order.customer_tax_number,
        customer_reference=order.customer_reference,
        tax_treatment=order.tax_treatment,
        tax_country=order.tax_country,
        invoice_date=invoice_date or timezone.localdate(),
        payment_terms_kind=order.payment_terms_kind,
        payment_terms_days=order.payment_terms_days,
        currency=order.currency,
        prices_include_tax=order.prices_include_tax,
        notes=notes,
        created_by=user,
    )
    invoice.due_date = due_date(
        invoice.payment_terms_kind, invoice.payment_terms_days, invoice.invoice_date
    )
    _rate_for(invoice)
    return invoice


@transaction.atomic
def invoice_create_from_order(
    *,
    order: SalesOrder,
    user: User | None,
    quantities: dict[int, Decimal] | None = None,
    invoice_date: datetime.date | None = None,
    notes: str = "",
    include_extras: bool = True,
    expected_version: int | None = None,
) -> Invoice:
    """Make a Draft invoice of an order: `quantities` ({order line pk: quantity}; None:
    everything that may be invoiced, see models.invoiceable_quantity) at the order lines'
    prices, plus (with `include_extras`) the order's extra lines no invoice has billed yet.
    The lines' invoiced quantities grow at once, so a second draft cannot bill the same goods.

    Locks the order, then its lines (salesorders.services.salesorder_lines_lock). A constant
    number of queries whatever the number of lines. Raises InvoiceStateError (a Pending or
    Cancelled order), InvoiceQuantityError (nothing left to invoice; a quantity above what
    may be invoiced, negative, beyond the unit's decimals, or of a line not of this order),
    MissingRateError (no exchange rate for the invoice date), StaleOrderError."""
    order, lines = salesorder_lines_lock(order=order, expected_version=expected_version)
    _require_invoiceable_order(order)
    policy = _settings().policy
    checked = _checked_quantities(order, lines, quantities, policy)
    if not checked:
        what = "shipped or delivered" if policy == InvoicingPolicy.ON_SHIPMENT else "ordered"
        raise InvoiceQuantityError(
            f"Nothing is left to invoice on {order.reference}: everything {what} is already "
            "on an invoice."
        )
    invoice = _new_invoice(order, invoice_date=invoice_date, user=user, notes=notes)
    invoice.save()
    billing = [line for line in lines if line.pk in checked]
    billed = _billed(checked)
    new_lines = []
    for order_line in billing:
        line = InvoiceLine.from_order_line(
            invoice=invoice, order_line=order_line, quantity=checked[order_line.pk]
        )
        line_amounts(
            line,
            prices_include_tax=order.prices_include_tax,
            order_line=order_line,
            billed=billed.get(order_line.pk),
        )
        new_lines.append(line)
    if include_extras:
        new_lines += [
            InvoiceLine.from_extra_line(invoice=invoice, extra_line=extra)
            for extra in _unbilled_extras(order)
        ]
    _insert_lines(new_lines)
    _copy_dimensions(invoice)
    sums = {
        "s": sum((line.subtotal for line in new_lines), ZERO),
        "d": sum((line.order_discount for line in new_lines), ZERO),
        "t": sum((line.tax_amount for line in new_lines), ZERO),
        "g": sum((line.total for line in new_lines), ZERO),
        "n": len(new_lines),
    }
    delta = _set_totals(invoice, sums, order)
    invoice.save(update_fields=TOTAL_FIELDS)
    salesorder_lines_invoice(
        order=order,
        quantities=checked,
        base_amount=delta,
        user=user,
        note=f"{invoice} created for {_describe_quantities(billing, checked)}.",
        kind=Kind.INVOICE_CREATED,
    )
    return invoice


# --- editing drafts -----------------------------------------------------------------------


@transaction.atomic
def invoice_update(
    *,
    invoice: Invoice,
    user: User | None,
    invoice_date: datetime.date | None = None,
    notes: str | None = None,
    expected_version: int | None = None,
) -> Invoice:
    """Change a draft's date (its due date follows the payment terms and its rate the new
    date) and notes. Locks the order, then the invoice. Raises InvoiceStateError (not a draft,
    stale), PeriodClosedError (the date is in a closed period), MissingRateError."""
    order, invoice = _lock_all(invoice, expected_version)
    _require_draft(invoice)
    fields = []
    if notes is not None and notes != invoice.notes:
        invoice.notes = notes
        fields.append("notes")
    if invoice_date is not None and invoice_date != invoice.invoice_date:
        period_require_open(day=invoice_date, what="The invoice date", field="invoice_date")
        invoice.invoice_date = invoice_date
        invoice.due_date = due_date(
            invoice.payment_terms_kind, invoice.payment_terms_days, invoice_date
        )
        _rate_for(invoice)
        _set_totals(invoice, _sums(invoice), order)
        fields += ["invoice_date", "due_date", "currency_rate", "currency_rate_date"]
        fields += TOTAL_FIELDS
    if fields:
        _bump(invoice, fields)
        salesorder_change_record(
            order=order, kind=Kind.INVOICE_CHANGED, message=f"{invoice} changed.", user=user
        )
    return invoice


def _lock_line(line: InvoiceLine, expected_version: int | None):
    current = InvoiceLine.objects.filter(pk=line.pk).values("invoice_id").first()
    if current is None:
        raise InvoiceStateError("That invoice line no longer exists; reload the page.")
    order, invoice = _lock_all(Invoice(pk=current["invoice_id"]), expected_version)
    _require_draft(invoice)
    locked = InvoiceLine.objects.select_for_update().get(pk=line.pk)
    locked.invoice = invoice
    return order, invoice, locked


def _refresh(invoice: Invoice, order: SalesOrder) -> Decimal:
    delta = _set_totals(invoice, _sums(invoice), order)
    _bump(invoice, TOTAL_FIELDS)
    return delta


@transaction.atomic
def invoice_line_update(
    *,
    line: InvoiceLine,
    user: User | None,
    quantity=UNSET,
    unit_price=UNSET,
    discount_percent=UNSET,
    description=UNSET,
    expected_version: int | None = None,
) -> InvoiceLine:
    """Change a draft's line: its quantity (of an order line: up to what may be invoiced
    besides this line), unit price, discount or (a free line's) description; amounts and
    totals follow, the order line's invoiced quantity by the difference.

    Locks the order, the order line, the invoice, then the line. Raises InvoiceStateError
    (not a draft), InvoiceQuantityError (see invoice_create_from_order; a free line's
    quantity must be above zero), InvoicingError (a price or discount that is not valid)."""
    order, invoice, line = _lock_line(line, expected_version)
    order_line = None
    delta_quantity = ZERO
    if line.order_line_id:
        _order, order_lines = salesorder_lines_lock(order=order, line_ids=[line.order_line_id])
        order_line = order_lines[0]
    if quantity is not UNSET:
        field = f"quantity_{line.order_line_id}" if order_line else "quantity"
        new = _decimal(quantity, field=field, label="The quantity", error=InvoiceQuantityError)
        if line.extra_line_id and new != line.quantity:
            raise InvoiceQuantityError(
                {
                    "quantity": f"{line.description} is billed in full; delete it from the draft "
                    "to bill it on a later invoice."
                }
            )
        if order_line is not None:
            checked = _checked_quantities(
                order,
                [order_line],
                {order_line.pk: new},
                _settings().policy,
                current={order_line.pk: line.quantity},
            )
            if order_line.pk not in checked:
                raise InvoiceQuantityError(
                    {
                        field: f"{line.sku}: the quantity must be above zero; delete the line "
                        "to leave it out."
                    }
                )
            delta_quantity = new - line.quantity
        elif new <= 0:
            raise InvoiceQuantityError({"quantity": "The quantity must be above zero."})
        elif line.quantity_refusal(new):
            raise InvoiceQuantityError({"quantity": line.quantity_refusal(new)})
        line.quantity = new
    if line.extra_line_id and (unit_price is not UNSET or discount_percent is not UNSET):
        raise InvoicingError(
            {
                "unit_price": f"{line.description} is billed as the order charges it; change "
                "it on the order, or delete it from the draft and add a free line."
            }
        )
    if unit_price is not UNSET:
        price = _decimal(unit_price, field="unit_price", label="The unit price")
        if price != price.quantize(Decimal("0.0001")):
            raise InvoicingError({"unit_price": "A unit price has at most 4 decimal places."})
        if price < 0 and not line.is_free:
            raise InvoicingError({"unit_price": "A unit price cannot be negative."})
        line.unit_price = price
    if discount_percent is not UNSET:
        discount = _decimal(discount_percent, field="discount_percent", label="The discount")
        if discount < 0 or discount > 100 or discount != discount.quantize(Decimal("0.01")):
            raise InvoicingError(
                {"discount_percent": "A discount is between 0 and 100 percent, to 2 places."}
            )
        line.discount_percent = discount
    if description is not UNSET and line.is_free:
        line.description = (description or "").strip()[:200] or line.description
    if line.extra_line_id is None:
        billed = _billed([order_line.pk], exclude_invoice=invoice.pk) if order_line else {}
        line_amounts(
            line,
            prices_include_tax=invoice.prices_include_tax,
            order_line=order_line,
            billed=billed.get(order_line.pk) if order_line else None,
        )
    line.save()
    delta = _refresh(invoice, order)
    salesorder_lines_invoice(
        order=order,
        quantities={order_line.pk: delta_quantity} if order_line else {},
        base_amount=delta,
        user=user,
        note=f"{invoice}: line {line.sku or line.description} changed.",
        kind=Kind.INVOICE_CHANGED,
    )
    return line


@transaction.atomic
def invoice_line_add(
    *,
    invoice: Invoice,
    description: str,
    quantity,
    unit_price,
    user: User | None,
    tax_rate: TaxRate | None = None,
    expected_version: int | None = None,
) -> InvoiceLine:
    """Add a free line (a charge, or a rebate at a negative price) to a draft, taxed at
    `tax_rate` (None: untaxed). Locks the order, then the invoice. Raises InvoiceStateError
    (not a draft), InvoicingError (no description, a quantity not above zero, a price with
    more than 4 decimals)."""
    order, invoice = _lock_all(invoice, expected_version)
    _require_draft(invoice)
    description = (description or "").strip()
    if not description:
        raise InvoicingError({"description": "Say what the line is for."})
    if len(description) > 200:
        raise InvoicingError({"description": "A description has at most 200 characters."})
    quantity = _decimal(quantity, field="quantity", label="The quantity")
    if quantity <= 0 or quantity != quantity.quantize(Decimal("0.0001")):
        raise InvoicingError({"quantity": "The quantity must be above zero, to 4 places."})
    price = _decimal(unit_price, field="unit_price", label="The unit price")
    if price != price.quantize(Decimal("0.0001")):
        raise InvoicingError({"unit_price": "A unit price has at most 4 decimal places."})
    last = invoice.lines.order_by("-sort_order").values_list("sort_order", flat=True).first()
    line = InvoiceLine(
        invoice=invoice,
        description=description,
        quantity=quantity,
        unit_price=price,
        tax_rate=tax_rate,
        tax_name=tax_rate.name if tax_rate else "",
        tax_percent=tax_rate.percent if tax_rate else ZERO,
        sort_order=(last or 0) + 1,
    )
    line_amounts(line, prices_include_tax=invoice.prices_include_tax)
    line.save()
    delta = _refresh(invoice, order)
    salesorder_lines_invoice(
        order=order,
        quantities={},
        base_amount=delta,
        user=user,
        note=f"{invoice}: line {description} added.",
        kind=Kind.INVOICE_CHANGED,
    )
    return line


@transaction.atomic
def invoice_line_delete(
    *, line: InvoiceLine, user: User | None, expected_version: int | None = None
) -> None:
    """Take a line off a draft; an order line's quantity (or an extra line) may be invoiced
    again. Locks the order, the order line, the invoice, then the line. Raises
    InvoiceStateError (not a draft)."""
    order, invoice, line = _lock_line(line, expected_version)
    quantities = {}
    if line.order_line_id:
        salesorder_lines_lock(order=order, line_ids=[line.order_line_id])
        quantities = {line.order_line_id: -line.quantity}
    label = line.sku or line.description
    line.delete()
    delta = _refresh(invoice, order)
    salesorder_lines_invoice(
        order=order,
        quantities=quantities,
        base_amount=delta,
        user=user,
        note=f"{invoice}: line {label} removed.",
        kind=Kind.INVOICE_CHANGED,
    )


def _per_order_line(invoice: Invoice) -> dict[int, Decimal]:
    rows = (
        invoice.lines.filter(order_line__isnull=False)
        .order_by()
        .values("order_line")
        .annotate(q=Sum("quantity"))
    )
    return {row["order_line"]: row["q"] for row in rows}


@transaction.atomic
def invoice_delete(*, invoice: Invoice, user: User | None, expected_version=None) -> None:
    """Delete a draft: its quantities (and extra lines) may be invoiced again. Locks the
    order, its lines, then the invoice. Raises InvoiceStateError (posted: void it instead)."""
    order, invoice = _lock_all(invoice, expected_version)
    _require(invoice, "delete")
    quantities = _per_order_line(invoice)
    salesorder_lines_lock(order=order, line_ids=list(quantities))
    label, base = str(invoice), invoice.order_base_amount
    invoice.lines.all().delete()
    invoice.delete()
    salesorder_lines_invoice(
        order=order,
        quantities={pk: -quantity for pk, quantity in quantities.items()},
        base_amount=-base,
        user=user,
        note=f"{label} deleted.",
        kind=Kind.INVOICE_DELETED,
    )


# --- posting and voiding ------------------------------------------------------------------


def _take_number(invoice: Invoice) -> None:
    """The next number of the invoice's kind, under the settings row's lock (taken last):
    a rolled-back post gives it back, so numbers have no gaps."""
    settings_row = _settings(lock=True)
    if invoice.is_credit_note:
        pattern, field = settings_row.credit_note_pattern, "last_credit_note_number"
    else:
        pattern, field = settings_row.invoice_pattern, "last_invoice_number"
    number = getattr(settings_row, field) + 1
    reference = format_reference(pattern, number, invoice.invoice_date)
    taken = Invoice.objects.filter(kind=invoice.kind, number=reference).exists()
    while taken:  # the pattern was changed back: skip the numbers already used
        number += 1
        reference = format_reference(pattern, number, invoice.invoice_date)
        taken = Invoice.objects.filter(kind=invoice.kind, number=reference).exists()
    setattr(settings_row, field, number)
    settings_row.save(update_fields=[field])
    invoice.number, invoice.number_seq = reference, number


@transaction.atomic
def invoice_post(
    *, invoice: Invoice, user: User | None, expected_version: int | None = None
) -> Invoice:
    """Post a draft: it takes the next number (gapless), its rate and base amounts are frozen
    at the invoice date, it is never edited again, and the customer's open receivable grows
    by its base total.

    Locks the customer, the order, the invoice, the invoice date's accounting period (KEY
    SHARE: a concurrent period close waits, or wins and this is refused), then the numbering
    row. Raises InvoiceAlreadyDoneError (posted already), InvoiceStateError (void, no lines,
    a total below zero), PeriodClosedError (the invoice date is in a closed period),
    MissingRateError."""
    order, invoice = _lock_all(invoice, expected_version, customer=True)
    _require(invoice, "post")
    if not invoice.lines.exists():
        raise InvoiceStateError(f"{invoice} has no lines; add a line before posting it.")
    period_require_open(day=invoice.invoice_date, what="The invoice date", field="invoice_date")
    _rate_for(invoice)
    _set_totals(invoice, _sums(invoice), order)
    if invoice.total < 0:
        raise InvoiceStateError(
            f"{invoice} comes to {format_amount(invoice.total)} {invoice.currency}; an invoice "
            "cannot be below zero, so lower the rebate."
        )
    _take_number(invoice)
    invoice.status = Status.POSTED
    invoice.posted_at, invoice.posted_by = timezone.now(), user
    _bump(
        invoice,
        [
            "number",
            "number_seq",
            "status",
            "posted_at",
            "posted_by",
            "currency_rate",
            "currency_rate_date",
            *TOTAL_FIELDS,
        ],
    )
    customer_receivable_adjust(customer=invoice.customer, delta=invoice.base_total)
    salesorder_change_record(
        order=order,
        kind=Kind.INVOICE_POSTED,
        message=(
            f"Invoice {invoice.number} posted: {format_amount(invoice.total)} "
            f"{invoice.currency}, due {invoice.due_date:%d %b %Y}."
        ),
        user=user,
    )
    _archive(invoice)
    if settings.INVOICE_EMAIL_ON_POST and invoice.email_recipient:
        _email_enqueue(invoice, request_token=f"posted-{invoice.pk}", user=user)
    sync_enqueue(invoice=invoice, action=SyncAction.POST)
    return invoice


def _archive(invoice: Invoice) -> None:
    """Queue the posted document's PDF to be kept with it (invoicing.tasks), where PDFs can
    be made and someone posted it (the file's uploader)."""
    if invoice.posted_by_id is not None and pdf_available():
        issued_document_enqueue(invoice)


@transaction.atomic
def invoice_void(
    *, invoice: Invoice, reason: str, user: User | None, expected_version: int | None = None
) -> Invoice:
    """Void a posted, unpaid invoice: a credit note mirroring it (negative amounts, its own
    number, dated today, linked) is posted, the invoice becomes Void, its quantities (and
    extra lines) may be invoiced again and the customer's open receivable drops by its base
    total. Returns the credit note.

    Locks the customer, the order, the order lines, the invoice, today's period (KEY SHARE),
    then the numbering row. Raises InvoiceAlreadyDoneError (void already), InvoiceStateError
    (a draft: delete it; paid or with payments: reverse them first; a credit note),
    PeriodClosedError (today is in a closed period)."""
    order, invoice = _lock_all(invoice, expected_version, customer=True)
    _require(invoice, "void")
    reason = (reason or "").strip()
    if len(reason) > 250:
        raise InvoiceStateError({"reason": "A reason has at most 250 characters."})
    today = timezone.localdate()
    period_require_open(day=today, what="The credit note's date (today)")
    quantities = _per_order_line(invoice)
    salesorder_lines_lock(order=order, line_ids=list(quantities))
    credit = Invoice(
        kind=Invoice.Kind.CREDIT_NOTE,
        status=Status.POSTED,
        order=order,
        customer_id=invoice.customer_id,
        credited_invoice=invoice,
        customer_name=invoice.customer_name,
        bill_to=invoice.bill_to,
        customer_tax_number=invoice.customer_tax_number,
        customer_reference=invoice.customer_reference,
        tax_treatment=invoice.tax_treatment,
        tax_country=invoice.tax_country,
        invoice_date=max(today, invoice.invoice_date),
        payment_terms_kind=invoice.payment_terms_kind,
        payment_terms_days=invoice.payment_terms_days,
        currency=invoice.currency,
        currency_rate=invoice.currency_rate,
        currency_rate_date=invoice.currency_rate_date,
        prices_include_tax=invoice.prices_include_tax,
        notes=f"Credits invoice {invoice.number}." + (f" {reason}" if reason else ""),
        created_by=user,
        posted_at=timezone.now(),
        posted_by=user,
    )
    credit.due_date = credit.invoice_date
    for name in TOTAL_FIELDS:
        value = getattr(invoice, name)
        setattr(credit, name, value if name == "line_count" else -value)
    _take_number(credit)
    credit.save()
    _insert_lines([line.mirrored(credit) for line in invoice.lines.order_by("sort_order", "pk")])
    _copy_dimensions(credit)
    invoice.status = Status.VOID
    invoice.voided_at, invoice.voided_by, invoice.void_reason = timezone.now(), user, reason
    _bump(invoice, ["status", "voided_at", "voided_by", "void_reason"])
    customer_receivable_adjust(customer=invoice.customer, delta=-invoice.base_total)
    salesorder_lines_invoice(
        order=order,
        quantities={pk: -quantity for pk, quantity in quantities.items()},
        base_amount=-invoice.order_base_amount,
        user=user,
        note=f"Invoice {invoice.number} voided by credit note {credit.number}"
        + (f": {reason}." if reason else "."),
        kind=Kind.INVOICE_VOIDED,
    )
    _archive(credit)
    sync_enqueue(invoice=invoice, action=SyncAction.VOID)
    return credit


# --- payments -----------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount,
    payment_date: datetime.date | None,
    user: User | None,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    expected_version: int | None = None,
) -> Payment:
    """Record money received against a posted invoice (partial payments allowed); the
    invoice is Paid once its payments reach its total. The customer's open receivable drops
    by the payment's base amount (at the invoice's rate; the settling payment takes what is
    left of the base total).

    Locks the customer, the order, the invoice and the payment date's period (KEY SHARE).
    Raises InvoiceStateError (a draft, void, paid or credit note), PaymentError at the field
    (an amount not above zero, with more than 2 decimals, above the open amount; a date
    before the invoice date), PeriodClosedError (the date is in a closed period)."""
    order, invoice = _lock_all(invoice, expected_version, customer=True)
    _require(invoice, "payment")
    amount = _money_input(amount, field="amount", label="The amount", error=PaymentError)
    if amount <= 0:
        raise PaymentError({"amount": "A payment must be above zero."})
    balance = invoice.balance
    if amount > balance:
        raise PaymentError(
            {
                "amount": (
                    f"{invoice} has {format_amount(balance)} {invoice.currency} open; a payment "
                    f"of {format_amount(amount)} {invoice.currency} would overpay it."
                )
            }
        )
    payment_date = payment_date or timezone.localdate()
    if payment_date < invoice.invoice_date:
        raise PaymentError(
            {
                "payment_date": (
                    f"{invoice} is dated {invoice.invoice_date:%d %b %Y}; a payment cannot be "
                    "dated before it."
                )
            }
        )
    period_require_open(day=payment_date, what="The payment date", field="payment_date")
    if method not in PaymentMethod.values:
        raise PaymentError({"method": f"{method!r} is not a payment method."})
    reference = (reference or "").strip()
    if len(reference) > 100:
        raise PaymentError({"reference": "A reference has at most 100 characters."})
    if amount == balance:
        base_amount = invoice.base_total - invoice.base_amount_paid
    else:
        base_amount = in_base(amount, invoice.currency_rate)
    payment = Payment.objects.create(
        invoice=invoice,
        payment_date=payment_date,
        amount=amount,
        base_amount=base_amount,
        method=method,
        reference=reference,
        created_by=user,
    )
    invoice.amount_paid += amount
    invoice.base_amount_paid += base_amount
    if invoice.amount_paid == invoice.total:
        invoice.status = Status.PAID
    _bump(invoice, ["amount_paid", "base_amount_paid", "status"])
    customer_receivable_adjust(customer=invoice.customer, delta=-base_amount)
    paid = " (paid in full)" if invoice.status == Status.PAID else ""
    salesorder_change_record(
        order=order,
        kind=Kind.PAYMENT_RECORDED,
        message=(
            f"Payment of {format_amount(amount)} {invoice.currency} on {invoice.number} "
            f"recorded{paid}."
        ),
        user=user,
    )
    sync_enqueue(invoice=invoice, action=SyncAction.PAYMENT, payment=payment)
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, user: User | None) -> Payment:
    """Reverse a payment (a bounced transfer, a mistake): it no longer counts, the invoice
    is Posted (open) again and the customer's open receivable grows back. Never deleted.

    Locks the customer, the order, the invoice, then the payment. Raises
    InvoiceAlreadyDoneError (reversed already), PeriodClosedError (today is closed)."""
    current = Payment.objects.filter(pk=payment.pk).values("invoice_id").first()
    if current is None:
        raise PaymentError("That payment no longer exists; reload the page.")
    order, invoice = _lock_all(Invoice(pk=current["invoice_id"]), customer=True)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.is_reversed:
        on = timezone.localtime(payment.reversed_at)
        raise InvoiceAlreadyDoneError(f"That payment was already reversed on {on:%d %b %Y}.")
    reason = (reason or "").strip()
    if len(reason) > 250:
        raise PaymentError({"reason": "A reason has at most 250 characters."})
    period_require_open(day=timezone.localdate(), what="Today")
    payment.reversed_at, payment.reversed_by, payment.reversal_reason = (
        timezone.now(),
        user,
        reason,
    )
    payment.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
    invoice.amount_paid -= payment.amount
    invoice.base_amount_paid -= payment.base_amount
    invoice.status = Status.POSTED
    _bump(invoice, ["amount_paid", "base_amount_paid", "status"])
    customer_receivable_adjust(customer=invoice.customer, delta=payment.base_amount)
    salesorder_change_record(
        order=order,
        kind=Kind.PAYMENT_REVERSED,
        message=(
            f"Payment of {format_amount(payment.amount)} {invoice.currency} on "
            f"{invoice.number} reversed" + (f": {reason}." if reason else ".")
        ),
        user=user,
    )
    return payment


# --- Ship and Invoice, Invoice All Shipped ------------------------------------------------


@transaction.atomic
def salesorder_ship_and_invoice(
    *, order: SalesOrder, user: User | None, expected_version: int | None = None
) -> Invoice:
    """Business Central's shipAndInvoice, in one transaction: allocate what is still
    unallocated (oldest stock first, shipping's Auto Allocate) into a pending shipment
    (opening one when there is none), complete every pending shipment, deliver the open
    service lines, then make and post one invoice for everything shipped and not invoiced.

    If any line cannot be covered, nothing happens: ShipAndInvoiceError names the short
    lines and quantities. Locks the customer, then the order, then as shipping's and this
    module's services do.
    Raises also what they raise (OrderNotIssuedError, PeriodClosedError, ...)."""
    # The customer first (the global lock order): posting adjusts its receivable.
    _lock_customer(SalesOrder.objects.values_list("customer_id", flat=True).get(pk=order.pk))
    order = salesorder_lock(order=order, expected_version=expected_version)
    if not order.can_ship():
        raise InvoiceStateError(
            f"{order.reference} is {order.get_status_display()}: Ship and Invoice is for "
            "Issued orders."
        )
    pending = list(order.shipments.pending().order_by("pk"))
    if SalesOrderLine.objects.filter(order_id=order.pk).unallocated().exists():
        shipment = pending[0] if pending else shipment_create(order=order, user=user)
        if not pending:
            pending.append(shipment)
        result = order_auto_allocate(order=order, shipment=shipment, user=user)
        if result.short:
            missing = "; ".join(
                f"{line.part_sku} short by {format_unit_quantity(quantity, line.unit)}"
                for line, quantity in result.short
            )
            raise ShipAndInvoiceError(
                f"{order.reference} cannot be shipped and invoiced: not enough stock for "
                f"{missing}. Nothing was shipped or invoiced."
            )
    holding = set(
        Shipment.objects.filter(
            pk__in=[s.pk for s in pending], allocations__isnull=False
        ).values_list("pk", flat=True)
    )
    for shipment in pending:
        if shipment.pk in holding:
            shipment_complete(shipment=shipment, user=user)
    if SalesOrderLine.objects.filter(order_id=order.pk).services().open().exists():
        salesorder_services_deliver(order=order, user=user)
    invoice = invoice_create_from_order(order=order, user=user)
    return invoice_post(invoice=invoice, user=user)


@dataclass
class InvoiceBatch:
    """What Invoice All Shipped did: the posted invoices, and each order it refused with the
    sentence why (nothing to invoice, a closed period, no exchange rate)."""

    invoices: list[Invoice] = field(default_factory=list)
    refused: list[tuple[SalesOrder, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.invoices:
            numbers = ", ".join(invoice.number for invoice in self.invoices[:10])
            more = f" and {len(self.invoices) - 10} more" if len(self.invoices) > 10 else ""
            parts.append(f"Posted {len(self.invoices)} invoice(s): {numbers}{more}.")
        for order, sentence in self.refused:
            parts.append(f"{order.reference}: {sentence}")
        return " ".join(parts) or "Nothing to invoice."


def invoices_create_for_shipped(*, orders, user: User | None) -> InvoiceBatch:
    """Invoice All Shipped: for each order (in reference order), one invoice for everything
    shipped and not yet invoiced, **posted** (what "invoice all" does in most ERPs; a draft
    is made with Create Invoice). Each order is its own transaction: one refused order (its
    sentence is in the result) never stops the others."""
    batch = InvoiceBatch()
    rows = SalesOrder.objects.filter(pk__in=[getattr(o, "pk", o) for o in orders])
    for order in rows.order_by("reference_number", "pk"):
        try:
            with transaction.atomic():
                _lock_customer(order.customer_id)  # before the order: posting writes it
                invoice = invoice_create_from_order(order=order, user=user)
                batch.invoices.append(invoice_post(invoice=invoice, user=user))
        except DomainError as error:
            batch.refused.append((order, str(error)))
    return batch


# --- email ------------------------------------------------------------------------------------


def _email_enqueue(invoice: Invoice, *, request_token: str, user) -> tuple[EmailMessageLog, bool]:
    from invoicing.emails import RENDERER

    log, created = document_email_enqueue(
        document=invoice,
        renderer=RENDERER,
        kind="credit_note" if invoice.is_credit_note else "invoice",
        recipient=invoice.email_recipient,
        request_token=request_token,
        user=user,
    )
    if created:
        salesorder_event_record(
            order=invoice.order,
            kind=Kind.NOTE,
            message=f"{invoice} queued by email to {log.recipient}.",
            user=user,
        )
    return log, created


@transaction.atomic
def invoice_email_send(*, invoice: Invoice, request_token: str, user) -> EmailMessageLog:
    """Send Invoice: queue the posted invoice (or credit note) with its PDF to the order's
    contact or the customer: one EmailMessageLog and one job, in this transaction. The same
    `request_token` again (a double click) returns the first request's log and queues nothing.
    Locks the invoice row.

    Raises InvoiceStateError for a draft and when there is no address to send to."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("order__contact", "order__customer")
        .get(pk=invoice.pk)
    )
    if not invoice.can_email():
        raise InvoiceStateError(f"{invoice} is a draft: post it before sending it.")
    if not invoice.email_recipient:
        raise InvoiceStateError(
            f"{invoice} has no email address to send to: give the order's contact or the "
            "customer one."
        )
    log, _created = _email_enqueue(invoice, request_token=request_token, user=user)
    return log
