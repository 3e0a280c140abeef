"""Every write to quotes that has a rule.

Lock order: SalesQuote before anything of sales orders (Make Order locks the quote, then
salesorders' services lock what they lock). Every public function is atomic, raises a
QuoteError (a DomainError) with a sentence a person can act on, and writes nothing when it
raises. Orders are created only through salesorders.services, so numbering, pricing, credit
and closed-period rules hold for an order made from a quote as for any other.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting.selectors import exchange_rate_for, tax_charge_for
from core.currency import validate_currency_code
from core.numbers import MAX_AMOUNT, ZERO, money
from customers.models import Customer
from inventory.models import Part
from inventory.pricing import suggest_price_in
from quotes.exceptions import QuoteError, QuoteLineError, QuoteStateError, StaleQuoteError
from quotes.models import QuoteSettings, SalesQuote, SalesQuoteLine
from salesorders import services as salesorders
from salesorders.models import SalesOrder, SalesOrderEvent
from salesorders.numbering import format_reference

Status = SalesQuote.Status
UNSET = object()
CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("99999999.9999")
MAX_PRICE = Decimal("9999999999.9999")
HEADER_FIELDS = (
    "customer_reference",
    "description",
    "quote_date",
    "valid_until",
    "ship_to",
    "bill_to",
    "notes",
)


# --- input checks --------------------------------------------------------------------------


def _decimal(value, *, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise QuoteLineError({field: f"The {label} must be a number, not {value!r}."}) from None
    if not number.is_finite():
        raise QuoteLineError({field: f"The {label} must be a number, not {value!r}."})
    return number


def _quantity(value) -> Decimal:
    quantity = _decimal(value, field="quantity", label="quantity")
    if quantity <= 0:
        raise QuoteLineError({"quantity": "The quantity must be above zero."})
    if quantity > MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.0001")):
        raise QuoteLineError(
            {"quantity": "The quantity may have at most 8 digits and 4 decimal places."}
        )
    return quantity


def _unit_price(value) -> Decimal:
    price = _decimal(value, field="unit_price", label="unit price")
    if price < 0:
        raise QuoteLineError({"unit_price": "A unit price cannot be negative."})
    if price > MAX_PRICE or price != price.quantize(Decimal("0.0001")):
        raise QuoteLineError({"unit_price": "A unit price has at most 4 decimal places."})
    return price


def _discount(value) -> Decimal:
    discount = _decimal(
        ZERO if value in (None, "") else value, field="discount_percent", label="discount"
    )
    if discount < 0 or discount > 100:
        raise QuoteLineError({"discount_percent": "A discount is between 0 and 100 percent."})
    if discount != discount.quantize(CENT):
        raise QuoteLineError({"discount_percent": "A discount has at most 2 decimal places."})
    return discount


def _check_validity(quote_date: datetime.date, valid_until: datetime.date) -> None:
    if valid_until < quote_date:
        raise QuoteError({"valid_until": "The valid-until date cannot be before the quote date."})


# --- locks, version, numbering -------------------------------------------------------------


def _lock_quote(quote: SalesQuote, expected_version: int | None) -> SalesQuote:
    """Lock the quote row; refuse a stale version. Returns the fresh, locked quote."""
    locked = SalesQuote.objects.select_for_update().get(pk=quote.pk)
    if expected_version is not None and int(expected_version) != locked.version:
        who = "someone"
        if locked.updated_by_id:
            who = locked.updated_by.get_full_name() or locked.updated_by.get_username()
        when = timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M:%S")
        raise StaleQuoteError(
            f"{locked.number} was changed by {who} at {when} since you opened it; "
            "reload the page to see the changes, then try again."
        )
    return locked


def _require_editable(quote: SalesQuote) -> None:
    if not quote.can_edit():
        raise QuoteStateError(
            f"{quote.number} is {quote.get_state_display()}, so it cannot be changed."
        )


def _touch(quote: SalesQuote, user: AbstractBaseUser | None, **fields) -> None:
    """Save `fields` and bump the quote's version (one UPDATE)."""
    now = timezone.now()
    SalesQuote.objects.filter(pk=quote.pk).update(
        **fields, version=F("version") + 1, updated_at=now, updated_by=user
    )
    for name, value in fields.items():
        setattr(quote, name, value)
    quote.version += 1
    quote.updated_at, quote.updated_by = now, user


def quote_settings() -> QuoteSettings:
    """The settings row (created with the defaults the first time)."""
    row, _ = QuoteSettings.objects.get_or_create(pk=1)
    return row


def _take_number(quote_date: datetime.date) -> tuple[str, int]:
    """The number of a new quote. Holds the settings row lock until commit, so two processes
    never hand out the same number."""
    if not QuoteSettings.objects.filter(pk=1).exists():
        try:
            with transaction.atomic():
                QuoteSettings.objects.create(pk=1)
        except IntegrityError:
            pass  # another process created it first
    row = QuoteSettings.objects.select_for_update().get(pk=1)
    highest = SalesQuote.objects.aggregate(n=Max("number_value"))["n"] or 0
    number = max(highest, row.last_number) + 1
    text = format_reference(row.number_pattern, number, quote_date)
    while SalesQuote.objects.filter(number=text).exists():
        number += 1
        text = format_reference(row.number_pattern, number, quote_date)
    row.last_number = number
    row.save(update_fields=["last_number"])
    return text, number


def _refresh_totals(quote: SalesQuote, user: AbstractBaseUser | None) -> None:
    """Store the quote's totals from its stored line amounts and bump its version: two
    queries whatever the number of lines (one aggregate, one UPDATE)."""
    sums = SalesQuoteLine.objects.filter(quote_id=quote.pk).aggregate(
        subtotal=Coalesce(Sum("subtotal"), ZERO),
        tax=Coalesce(Sum("tax_amount"), ZERO),
        count=Count("pk"),
    )
    subtotal, tax = money(sums["subtotal"]), money(sums["tax"])
    if subtotal + tax > MAX_AMOUNT:
        raise QuoteLineError(
            f"This change would bring {quote.number}'s total beyond what a quote can hold "
            f"({MAX_AMOUNT:,}); split it over several quotes."
        )
    _touch(
        quote,
        user,
        subtotal=subtotal,
        tax_total=tax,
        total=subtotal + tax,
        line_count=sums["count"],
    )


# --- quotes --------------------------------------------------------------------------------


@transaction.atomic
def quote_create(
    *,
    customer: Customer,
    user: AbstractBaseUser | None,
    quote_date: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    currency: str = "",
    customer_reference: str = "",
    description: str = "",
    notes: str = "",
) -> SalesQuote:
    """Create a Draft quote for an active customer, numbered by the quote settings' pattern.

    Copies the customer's name, currency (unless given), default addresses and tax treatment;
    takes the exchange rate of the quote date; valid until `valid_until`, else the quote date
    plus the settings' validity days. Locks the settings row (numbering). Raises QuoteError
    (inactive customer, bad currency or dates), MissingRateError."""
    customer = Customer.objects.get(pk=customer.pk)
    if not customer.active:
        raise QuoteError(
            {"customer": f"{customer.name} is inactive; new quotes need an active customer."}
        )
    quote_date = quote_date or timezone.localdate()
    settings_row = quote_settings()
    valid_until = valid_until or quote_date + datetime.timedelta(days=settings_row.validity_days)
    _check_validity(quote_date, valid_until)
    currency = (currency or customer.currency).upper()
    try:
        validate_currency_code(currency)
    except ValidationError as error:
        raise QuoteError({"currency": error.messages}) from None
    rate = exchange_rate_for(currency=currency, on=quote_date)
    ship_to, bill_to = customer.default_address_texts()
    number, value = _take_number(quote_date)
    return SalesQuote.objects.create(
        number=number,
        number_value=value,
        customer=customer,
        customer_name=customer.name,
        customer_reference=customer_reference,
        description=description,
        quote_date=quote_date,
        valid_until=valid_until,
        currency=currency,
        currency_rate=rate.rate,
        currency_rate_source=rate.source,
        ship_to=ship_to,
        bill_to=bill_to or ship_to,
        tax_treatment=customer.tax_treatment,
        tax_country=customer.country,
        notes=notes,
        created_by=user,
        updated_by=user,
    )


@transaction.atomic
def quote_update(
    *,
    quote: SalesQuote,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    **changes,
) -> SalesQuote:
    """Change the quote's header (HEADER_FIELDS). Locks the quote row. Raises StaleQuoteError
    when it changed since `expected_version`, QuoteStateError on an accepted or declined
    quote, QuoteError for a valid-until date before the quote date."""
    unknown = set(changes) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"quote_update() cannot change {sorted(unknown)}")
    quote = _lock_quote(quote, expected_version)
    _require_editable(quote)
    changed = {f: v for f, v in changes.items() if getattr(quote, f) != v}
    if not changed:
        return quote
    _check_validity(
        changed.get("quote_date", quote.quote_date), changed.get("valid_until", quote.valid_until)
    )
    _touch(quote, user, **changed)
    return quote


def _price_and_tax(quote: SalesQuote, part: Part, quantity: Decimal):
    """The price orders would take for the part (the customer's or currency's price list,
    else the base price converted at the quote's rate) and what the tax rules charge."""
    suggestion = suggest_price_in(
        part,
        quantity,
        currency=quote.currency,
        rate=quote.currency_rate,
        customer_id=quote.customer_id,
    )
    charge = tax_charge_for(
        tax_rate=part.default_tax_rate, treatment=quote.tax_treatment, country=quote.tax_country
    )
    return suggestion, charge


@transaction.atomic
def quote_line_add(
    *,
    quote: SalesQuote,
    part: Part,
    quantity,
    user: AbstractBaseUser | None,
    unit_price=None,
    discount_percent=ZERO,
    notes: str = "",
    expected_version: int | None = None,
) -> SalesQuoteLine:
    """Add a part to the quote, priced as an order would price it unless `unit_price` is
    given, taxed by the tax rules for the part's default rate. Locks the quote row; a
    constant number of queries whatever the quote's size. Raises QuoteLineError (bad part,
    quantity, price or discount; the part already on the quote), StaleQuoteError,
    QuoteStateError."""
    quantity = _quantity(quantity)
    unit_price = None if unit_price in (None, "") else _unit_price(unit_price)
    discount = _discount(discount_percent)
    quote = _lock_quote(quote, expected_version)
    _require_editable(quote)
    part = (
        Part.objects.select_related("default_tax_rate")
        .prefetch_related("price_breaks")
        .get(pk=part.pk)
    )
    if not part.active or not part.salable:
        raise QuoteLineError({"part": f"{part} is not an active, salable part."})
    refusal = part.quantity_refusal(quantity)
    if refusal:
        raise QuoteLineError({"quantity": refusal})
    if SalesQuoteLine.objects.filter(quote_id=quote.pk, part_id=part.pk).exists():
        raise QuoteLineError({"part": f"{part} is already on this quote; edit that line instead."})
    suggestion, charge = _price_and_tax(quote, part, quantity)
    line = SalesQuoteLine.from_part(
        quote=quote,
        part=part,
        quantity=quantity,
        suggestion=suggestion,
        tax_charge=charge,
        unit_price=unit_price,
        discount_percent=discount,
        notes=notes,
        sort_order=quote.line_count + 1,
    )
    line.save()
    _refresh_totals(quote, user)
    return line


def _lock_line(line: SalesQuoteLine, expected_version: int | None):
    quote = _lock_quote(SalesQuote(pk=line.quote_id), expected_version)
    _require_editable(quote)
    line = SalesQuoteLine.objects.select_for_update().get(pk=line.pk)
    line.quote = quote
    return quote, line


@transaction.atomic
def quote_line_update(
    *,
    line: SalesQuoteLine,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    quantity=UNSET,
    unit_price=UNSET,
    discount_percent=UNSET,
    notes=UNSET,
) -> SalesQuoteLine:
    """Change a line's quantity, price, discount or notes. `unit_price`: UNSET keeps it (a
    suggested price follows the new quantity), None goes back to the suggested price, a
    number sets it by hand. Locks the quote, then the line. Raises as quote_line_add."""
    quote, line = _lock_line(line, expected_version)
    if quantity is not UNSET:
        quantity = _quantity(quantity)
        refusal = line.quantity_refusal(quantity)
        if refusal:
            raise QuoteLineError({"quantity": refusal})
        line.quantity = quantity
    if discount_percent is not UNSET:
        line.discount_percent = _discount(discount_percent)
    if notes is not UNSET:
        line.notes = notes
    part = Part.objects.prefetch_related("price_breaks").get(pk=line.part_id)
    suggestion, _charge = _price_and_tax(quote, part, line.quantity)
    if unit_price is UNSET:
        if not line.price_overridden:
            line.apply_price(suggestion, None)
    else:
        line.apply_price(suggestion, None if unit_price in (None, "") else _unit_price(unit_price))
    line.apply_amounts()
    line.save()
    _refresh_totals(quote, user)
    return line


@transaction.atomic
def quote_line_delete(
    *, line: SalesQuoteLine, user: AbstractBaseUser | None, expected_version: int | None = None
) -> None:
    """Remove a line from a Draft or Sent quote. Locks the quote, then the line."""
    quote, line = _lock_line(line, expected_version)
    line.delete()
    _refresh_totals(quote, user)


# --- actions -------------------------------------------------------------------------------


@transaction.atomic
def quote_send(
    *, quote: SalesQuote, user: AbstractBaseUser | None, expected_version: int | None = None
) -> SalesQuote:
    """Mark a Draft quote Sent (it went to the customer). Locks the quote row. Raises
    QuoteAlreadyDoneError (already sent), QuoteStateError (not Draft, expired),
    StaleQuoteError."""
    quote = _lock_quote(quote, expected_version)
    quote.require_action("send")
    _touch(quote, user, status=Status.SENT, sent_at=timezone.now(), sent_by=user)
    return quote


@transaction.atomic
def quote_decline(
    *, quote: SalesQuote, user: AbstractBaseUser | None, expected_version: int | None = None
) -> SalesQuote:
    """The customer declined: a Draft or Sent quote (expired or not) becomes Declined and
    read-only. Locks the quote row. Raises QuoteAlreadyDoneError, QuoteStateError,
    StaleQuoteError."""
    quote = _lock_quote(quote, expected_version)
    quote.require_action("decline")
    _touch(quote, user, status=Status.DECLINED, decided_at=timezone.now(), decided_by=user)
    return quote


@transaction.atomic
def quote_make_order(
    *, quote: SalesQuote, user: AbstractBaseUser | None, expected_version: int | None = None
) -> SalesOrder:
    """Make a Pending sales order of the quote: same customer, currency, addresses,
    reference and notes, and one order line per quote line with its quantity, unit price
    and discount, created through salesorders' services (salesorder_create,
    salesorder_line_add), so numbering, closed periods, pricing labels and the tax rules
    apply as to any new order; credit and approvals apply when the order is issued. The
    quote becomes Accepted, names the order, and records who and when.

    Locks the quote row first. Raises QuoteAlreadyDoneError (already made into an order),
    QuoteStateError (declined, expired, no lines), StaleQuoteError, and whatever the order
    services raise (an inactive customer or part, a closed period, a missing rate); nothing
    is written then."""
    quote = _lock_quote(quote, expected_version)
    quote.require_action("make_order")
    order = salesorders.salesorder_create(
        customer=quote.customer,
        user=user,
        customer_reference=quote.customer_reference,
        description=quote.description or f"From quote {quote.number}",
        currency=quote.currency,
        ship_to=quote.ship_to,
        bill_to=quote.bill_to,
        salesperson=quote.created_by,
        notes=quote.notes,
    )
    for line in quote.lines.select_related("part").order_by("sort_order", "pk"):
        salesorders.salesorder_line_add(
            order=order,
            part=line.part,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            notes=line.notes,
            user=user,
        )
    salesorders.salesorder_event_record(
        order=order,
        kind=SalesOrderEvent.Kind.NOTE,
        message=f"Made from quote {quote.number}.",
        user=user,
    )
    _touch(
        quote, user, status=Status.ACCEPTED, order=order, decided_at=timezone.now(), decided_by=user
    )
    return order


def quote_action(
    *,
    quote: SalesQuote,
    action: str,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
):
    """Run one SalesQuote.ACTIONS entry through its service (the pages and the admin)."""
    service = {"send": quote_send, "decline": quote_decline, "make_order": quote_make_order}
    return service[action](quote=quote, user=user, expected_version=expected_version)
