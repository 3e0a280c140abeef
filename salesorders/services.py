"""Every write to sales orders that has a rule. See DESIGN.md for the lock order.

Lock order everywhere: Customer -> SalesOrder -> ApprovalRequest -> SalesOrderLine ->
StockItem (by pk) -> Shipment. The customer row is locked by the transitions that run the
credit check (submit, issue, release, decisions) and by edits of orders already counted in
its exposure, so two orders of one customer cannot both slip under its limit.
Every public function is atomic, raises a SalesOrderError subclass (a ValidationError) with a
sentence a person can act on, and writes nothing when it raises.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounting.models import Account, DimensionValue, RateSource, base_currency
from accounting.selectors import exchange_rate_for, tax_charge_for
from accounting.services import exchange_rate_check, period_require_open
from approvals import services as approvals
from core.attachments import attachment_add, attachment_delete
from core.currency import in_base, validate_currency_code
from core.db import add_grouped_sums, add_to_counters
from core.emails import document_email_enqueue
from core.models import Attachment, EmailMessageLog
from core.numbers import (
    MAX_AMOUNT,
    ZERO,
    format_quantity,
    gross_line_amounts,
    money,
    spread,
)
from customers.models import Customer
from inventory.models import Part, TaxRate, format_per_unit, format_unit_quantity
from salesorders.exceptions import (
    ConfirmationEmailError,
    CreditLimitError,
    CreditWarningError,
    DuplicateLineError,
    InactiveCustomerError,
    LineError,
    OrderReferenceError,
    OrderStateError,
    SalesOrderError,
    StaleOrderError,
)
from salesorders.models import (
    CREDIT_STATUSES,
    STANDARD,
    UNSET,
    CreditPolicy,
    CreditWarning,
    PartRevenueAccount,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderExtraLine,
    SalesOrderLine,
    SalesOrderLineDimension,
    SalesOrderSettings,
    apply_tax,
    check_amount,
    kept_line_flags,
)
from salesorders.numbering import format_reference, parse_reference
from salesorders.selectors import (
    ApprovalCheck,
    CreditPosition,
    credit_position,
    line_price_suggestion,
    salesorder_approval_check,
    salesorder_facts,
)
from salesorders.signals import order_changed_notifier

Status = SalesOrder.Status
Kind = SalesOrderEvent.Kind
DeliveryState = SalesOrder.DeliveryState
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_QUANTITY = Decimal("99999999.9999")
MAX_PRICE = Decimal("9999999999.9999")


# --- history and version -------------------------------------------------------------------


def salesorder_event_record(
    *, order: SalesOrder, kind: str, message: str, user: AbstractBaseUser | None
) -> SalesOrderEvent:
    """Append a line to the order's history. Call inside the transaction of the change."""
    return SalesOrderEvent.objects.create(order=order, kind=kind, message=message, user=user)


def salesorder_touch(*, order: SalesOrder, user: AbstractBaseUser | None) -> None:
    """Mark the order as changed: bump its version and who/when changed it.

    Any write that changes what the order shows (header, lines, totals, status, shipped or
    cancelled quantities) calls this in its transaction, after the change, so stale edit
    forms are refused, the calendar feed's SEQUENCE grows and the order's stored line flags
    (models.kept_line_flags) are set from its lines in the same statement. Once the change
    commits, `signals.order_changed` is sent (the calendar rebuilds the order's stored event
    then, so the feed never has to build it on a request).
    """
    now = timezone.now()
    SalesOrder.objects.filter(pk=order.pk).update(
        version=F("version") + 1, updated_at=now, updated_by=user, **kept_line_flags()
    )
    order.version += 1
    order.updated_at, order.updated_by = now, user
    # A named callable that logs its own failure with the order's reference and never raises
    # (robust on_commit logs a callback's __qualname__, which a partial lacks).
    transaction.on_commit(order_changed_notifier(order), robust=True)


def salesorder_change_record(
    *, order: SalesOrder, kind: str, message: str, user: AbstractBaseUser | None
) -> SalesOrderEvent:
    """A change the order's readers see: bump its version (salesorder_touch) and write its
    history line, in the caller's transaction."""
    salesorder_touch(order=order, user=user)
    return salesorder_event_record(order=order, kind=kind, message=message, user=user)


# --- attachments ---------------------------------------------------------------------------


@transaction.atomic
def salesorder_attachment_add(
    *, order: SalesOrder, uploaded_file, category: str, user: AbstractBaseUser
) -> Attachment:
    """Attach a file to the order (core.attachments.attachment_add) and write its history
    line, in one transaction. Attachments are not the order's content: the version stays, so
    an edit form open elsewhere is not made stale. Locks nothing.

    Raises what attachment_add raises."""
    attachment = attachment_add(
        parent=order, uploaded_file=uploaded_file, category=category, user=user
    )
    salesorder_event_record(
        order=order,
        kind=Kind.ATTACHMENT_ADDED,
        message=f"Attached {attachment.original_name} ({attachment.get_category_display()}).",
        user=user,
    )
    return attachment


@transaction.atomic
def salesorder_attachment_delete(
    *, order: SalesOrder, attachment: Attachment, user: AbstractBaseUser
) -> Attachment:
    """Delete (soft) an attachment of the order and write its history line. Locks the
    attachment's row. Raises AlreadyDoneError when it already was deleted."""
    attachment = attachment_delete(attachment=attachment, user=user)
    salesorder_event_record(
        order=order,
        kind=Kind.ATTACHMENT_DELETED,
        message=f"Deleted the attachment {attachment.original_name}.",
        user=user,
    )
    return attachment


# --- money ---------------------------------------------------------------------------------


def _spread_order_discount(order: SalesOrder) -> None:
    """Spread the order discount over its lines pro rata to what each comes to (as entered:
    net, or gross when prices include tax), by the largest remainder so the shares add up to
    the cent, and store each line's share, tax and total. Two queries (the lines, one bulk
    UPDATE), only on an order that has or had an order discount.

    Raises LineError when a discount amount is more than the lines come to."""
    lines = list(
        SalesOrderLine.objects.filter(order_id=order.pk)
        .only("quantity", "unit_price", "discount_percent", "tax_percent", "order_id")
        .order_by("pk")
    )
    for line in lines:
        line.order = order
    weights = [line.entered_amount for line in lines]
    whole = sum(weights, ZERO)
    if order.discount_percent:
        discount = money(whole * order.discount_percent / HUNDRED)
    else:
        discount = order.discount_amount
    if discount > whole:
        raise LineError(
            {
                "discount_amount": (
                    f"The order discount of {discount:,} {order.currency} is more than the "
                    f"lines come to ({whole:,} {order.currency}); lower it."
                )
            }
        )
    for line, share in zip(lines, spread(discount, weights), strict=True):
        line.apply_amounts(order_discount=share)
    SalesOrderLine.objects.bulk_update(
        lines, ["subtotal", "order_discount", "tax_amount", "total"], batch_size=2000
    )


def _refresh_totals(
    *, order: SalesOrder, user: AbstractBaseUser | None, matters: bool = True
) -> None:
    """Store the order's totals, in its currency and in the base currency at its frozen
    rate, from its stored line amounts, and bump its version. Call with the order locked.

    Three queries whatever the order's size (two aggregates and one UPDATE), two more on an
    order with an order discount (_spread_order_discount). Raises LineError when the total
    would go below zero or beyond what a money column holds: the caller's transaction rolls
    the change back with it.

    `matters`: the change is one approvals care about (lines, quantities, prices, discounts,
    customer, currency): an order waiting for approval, or approved and issued with nothing
    shipped or allocated, goes back to Pending (_after_change_that_matters); a raised total
    of an Issued or On Hold order is checked against the credit limit. Every line and
    extra-line change passes here, so this is the one place; O(1) queries.
    """
    before_base = order.base_total
    if order.has_order_discount or order.discount_total:
        _spread_order_discount(order)
    lines = SalesOrderLine.objects.filter(order_id=order.pk).aggregate(
        subtotal=Coalesce(Sum("subtotal"), ZERO),
        discount=Coalesce(Sum("order_discount"), ZERO),
        tax=Coalesce(Sum("tax_amount"), ZERO),
        count=Count("pk"),
    )
    extras = SalesOrderExtraLine.objects.filter(order_id=order.pk).aggregate(
        subtotal=Coalesce(Sum("subtotal"), ZERO), tax=Coalesce(Sum("tax_amount"), ZERO)
    )
    order.lines_subtotal = money(lines["subtotal"])
    order.extras_subtotal = money(extras["subtotal"])
    order.discount_total = money(lines["discount"])
    order.subtotal = order.lines_subtotal + order.extras_subtotal - order.discount_total
    order.tax_total = money(lines["tax"] + extras["tax"])
    order.total = order.subtotal + order.tax_total
    name = order.reference or "the order"
    if order.total < 0:
        raise LineError(
            f"This change would bring {name}'s total to {order.total:,} {order.currency}; an "
            "order's total cannot go below zero, so lower the rebate or the discount."
        )
    if max(abs(order.subtotal), abs(order.tax_total), abs(order.total)) > MAX_AMOUNT:
        # Raised inside the caller's transaction: the line change is rolled back with it.
        raise LineError(
            f"This change would bring {name}'s total to "
            f"{order.total:,}, more than an order can hold ({MAX_AMOUNT:,}); "
            "split it over several orders."
        )
    order.base_subtotal = in_base(order.subtotal, order.currency_rate)
    order.base_tax_total = in_base(order.tax_total, order.currency_rate)
    order.base_total = order.base_subtotal + order.base_tax_total
    if order.base_total > MAX_AMOUNT:
        raise LineError(
            f"This change would bring {name}'s total to {order.base_total:,} "
            f"{base_currency()}, more than an order can hold; split it over several orders."
        )
    order.line_count = lines["count"]
    now = timezone.now()
    SalesOrder.objects.filter(pk=order.pk).update(
        **{field: getattr(order, field) for field in TOTAL_FIELDS},
        line_count=order.line_count,
        version=F("version") + 1,
        updated_at=now,
        updated_by=user,
        **kept_line_flags(),
    )
    order.version += 1
    order.updated_at, order.updated_by = now, user
    if matters:
        _after_change_that_matters(order, user, raised=order.base_total > before_base)


TOTAL_FIELDS = (
    "lines_subtotal",
    "extras_subtotal",
    "discount_total",
    "subtotal",
    "tax_total",
    "total",
    "base_subtotal",
    "base_tax_total",
    "base_total",
)


# --- input checks --------------------------------------------------------------------------


def _decimal(value, *, field: str, label: str, error=LineError) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise error({field: f"The {label} must be a number, not {value!r}."}) from None
    if not number.is_finite():
        raise error({field: f"The {label} must be a number, not {value!r}."})
    return number


def _quantity(value, *, field: str = "quantity") -> Decimal:
    quantity = _decimal(value, field=field, label="quantity")
    if quantity <= 0:
        raise LineError({field: "The quantity must be above zero."})
    if quantity > MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.0001")):
        raise LineError({field: "The quantity may have at most 8 digits and 4 decimal places."})
    return quantity


def _require_unit_fits(refusal: str | None, field: str = "quantity") -> None:
    """Refuse a quantity beyond its unit's decimals (2.5 pcs), at `field`."""
    if refusal:
        raise LineError({field: refusal})


def _unit_price(value, *, allow_negative: bool = False) -> Decimal:
    price = _decimal(value, field="unit_price", label="unit price")
    if price < 0 and not allow_negative:
        raise LineError({"unit_price": "A unit price cannot be negative."})
    if abs(price) > MAX_PRICE or price != price.quantize(Decimal("0.0001")):
        raise LineError({"unit_price": "A unit price has at most 4 decimal places."})
    return price


def _discount(value) -> Decimal:
    discount = _decimal(value, field="discount_percent", label="discount")
    if discount < 0 or discount > 100:
        raise LineError({"discount_percent": "A discount is between 0 and 100 percent."})
    if discount != discount.quantize(CENT):
        raise LineError({"discount_percent": "A discount has at most 2 decimal places."})
    return discount


def _check_dates(order_date, target_date) -> None:
    if target_date and order_date and target_date < order_date:
        raise SalesOrderError({"target_date": "The target date cannot be before the order date."})


def _require_open_period(order_date: datetime.date) -> None:
    """The closed-periods rule for orders, in one place: an order may not be created, moved
    to, issued (or submitted) with a date in a closed or locked accounting period. Other
    edits of an order dated in a shut period go ahead: an order is not posted to the books
    (its invoices are, and invoicing applies the rule to their dates).

    Call inside the writing transaction: it holds a KEY SHARE lock on the covering period
    until commit, so closing the period waits for the order or refuses it (see
    accounting.services.period_require_open). Raises PeriodClosedError at `order_date`."""
    period_require_open(day=order_date, what="The order date", field="order_date")


def _lock_order(order: SalesOrder, expected_version: int | None) -> SalesOrder:
    """Lock the order row, refuse a stale version. Returns the fresh, locked order."""
    locked = SalesOrder.objects.select_for_update().get(pk=order.pk)
    _refuse_stale(locked, expected_version)
    return locked


def _refuse_stale(locked: SalesOrder, expected_version: int | None) -> None:
    """Raise StaleOrderError when the locked order's version is not the one the form read."""
    if expected_version is not None and int(expected_version) != locked.version:
        who = locked.updated_by or "someone"
        if locked.updated_by_id:
            who = locked.updated_by.get_full_name() or locked.updated_by.get_username()
        when = timezone.localtime(locked.updated_at).strftime("%Y-%m-%d %H:%M:%S")
        raise StaleOrderError(
            f"{locked.reference} was changed by {who} at {when} since you opened it; "
            "reload the page to see the changes, then try again."
        )


def _require_editable(order: SalesOrder) -> None:
    if order.is_read_only:
        raise OrderStateError(
            f"{order.reference} is {order.get_status_display()}, so it cannot be changed."
        )


# --- reference numbering -------------------------------------------------------------------


def _lock_settings() -> SalesOrderSettings:
    """Lock the numbering row; create it first if needed (a race on creating it is harmless)."""
    if not SalesOrderSettings.objects.filter(pk=1).exists():
        try:
            with transaction.atomic():
                SalesOrderSettings.objects.create(pk=1)
        except IntegrityError:
            pass  # another process created it first
    return SalesOrderSettings.objects.select_for_update().get(pk=1)


def _take_reference(*, reference: str, order_date: datetime.date) -> tuple[str, int]:
    """The reference and number for a new order. Holds the settings row lock until commit,
    so two processes never hand out the same number (on SQLite the IMMEDIATE transaction
    serialises writers the same way)."""
    settings_row = _lock_settings()
    pattern = settings_row.reference_pattern
    highest = SalesOrder.objects.aggregate(n=Max("reference_number"))["n"] or 0
    highest = max(highest, settings_row.last_reference_number)
    if reference:
        reference = reference.strip()
        number = parse_reference(pattern, reference)
        if SalesOrder.objects.filter(reference=reference).exists():
            raise OrderReferenceError({"reference": f"An order {reference} already exists."})
    else:
        number = highest + 1
        reference = format_reference(pattern, number, order_date)
        while SalesOrder.objects.filter(reference=reference).exists():
            number += 1  # someone typed this reference by hand earlier
            reference = format_reference(pattern, number, order_date)
    if number > settings_row.last_reference_number:
        settings_row.last_reference_number = number
        settings_row.save(update_fields=["last_reference_number"])
    return reference, number


def settings_update(
    *,
    reference_pattern: str,
    user: AbstractBaseUser | None,
    default_revenue_account=UNSET,
) -> SalesOrderSettings:
    """Change the reference pattern (refusing an invalid one) and, when given, the revenue
    account of new lines whose part has none (an active revenue account, or None). Locks the
    settings row."""
    from salesorders.numbering import validate_pattern

    validate_pattern(reference_pattern)
    fields = ["reference_pattern"]
    with transaction.atomic():
        settings_row = _lock_settings()
        settings_row.reference_pattern = reference_pattern
        if default_revenue_account is not UNSET:
            try:
                account = _revenue_account(
                    default_revenue_account, current_id=settings_row.default_revenue_account_id
                )
            except LineError as error:
                raise SalesOrderError(
                    {"default_revenue_account": error.message_dict["revenue_account"]}
                ) from None
            settings_row.default_revenue_account = account
            fields.append("default_revenue_account")
        settings_row.save(update_fields=fields)
    return settings_row


def settings_credit_policy_set(*, policy: str, user: AbstractBaseUser | None) -> SalesOrderSettings:
    """Set what happens over a credit limit (CreditPolicy). Locks the settings row. Raises
    SalesOrderError for a value that is not a policy."""
    if policy not in CreditPolicy.values:
        raise SalesOrderError({"credit_policy": f"{policy!r} is not a credit policy."})
    with transaction.atomic():
        settings_row = _lock_settings()
        settings_row.credit_policy = policy
        settings_row.save(update_fields=["credit_policy"])
    return settings_row


# --- orders --------------------------------------------------------------------------------

HEADER_FIELDS = (
    "customer",
    "customer_reference",
    "description",
    "order_date",
    "target_date",
    "requested_delivery_date",
    "currency",
    "ship_to",
    "bill_to",
    "contact",
    "salesperson",
    "priority",
    "notes",
    "payment_terms_kind",
    "payment_terms_days",
    "prices_include_tax",
    "discount_percent",
    "discount_amount",
)
PENDING_ONLY_FIELDS = ("customer", "currency", "prices_include_tax")
# Changing them changes the amounts: the totals are stored again.
AMOUNT_FIELDS = ("discount_percent", "discount_amount", "currency", "order_date", "customer")
# Set by the services themselves; the user may be None (system, demo data, imports).
AUDIT_EXCLUDE = ["reference_number", "customer_name", "created_by", "updated_by"]


def _customer_terms(customer: Customer) -> dict:
    """What an order copies from its customer for tax and payment."""
    return {
        "tax_treatment": customer.tax_treatment,
        "tax_country": customer.country,
        "customer_tax_number": customer.tax_number,
        "payment_terms_kind": customer.payment_terms_kind,
        "payment_terms_days": customer.payment_terms_days,
    }


def _freeze_rate(order: SalesOrder) -> list[str]:
    """Take the rate of the order's currency on its order date; the fields changed.
    Raises SalesOrderError for a code that is not ISO 4217, MissingRateError."""
    try:
        validate_currency_code(order.currency)
    except ValidationError as error:
        raise SalesOrderError({"currency": error.messages}) from None
    quote = exchange_rate_for(currency=order.currency, on=order.order_date)
    order.currency_rate = quote.rate
    order.currency_rate_source = quote.source
    order.currency_rate_date = quote.date
    return ["currency_rate", "currency_rate_source", "currency_rate_date"]


def _check_contact(contact, customer: Customer) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise SalesOrderError({"contact": f"{contact} is not a contact of {customer.name}."})


@transaction.atomic
def salesorder_create(
    *,
    customer: Customer,
    user: AbstractBaseUser | None,
    reference: str = "",
    customer_reference: str = "",
    description: str = "",
    order_date: datetime.date | None = None,
    target_date: datetime.date | None = None,
    requested_delivery_date: datetime.date | None = None,
    currency: str = "",
    ship_to: str | None = None,
    bill_to: str | None = None,
    contact=None,
    salesperson: AbstractBaseUser | None = None,
    priority: int = 0,
    notes: str = "",
    prices_include_tax: bool = False,
) -> SalesOrder:
    """Create a Pending order for an active customer, numbered by the reference pattern.

    Copies the customer's name, currency, default addresses (unless given), tax treatment,
    country, VAT number and payment terms, and freezes the exchange rate of the order date.
    Locks the settings row (numbering). Raises InactiveCustomerError, OrderReferenceError,
    MissingRateError (no rate for the currency on the order date), PeriodClosedError (the
    order date is in a closed or locked period), SalesOrderError.
    """
    customer = Customer.objects.get(pk=customer.pk)
    if not customer.active:
        raise InactiveCustomerError(
            {"customer": f"{customer.name} is inactive; new orders need an active customer."}
        )
    order_date = order_date or timezone.localdate()
    _check_dates(order_date, target_date)
    _require_open_period(order_date)
    _check_contact(contact, customer)
    currency = (currency or customer.currency).upper()
    try:
        validate_currency_code(currency)
    except ValidationError as error:
        raise SalesOrderError({"currency": error.messages}) from None
    quote = exchange_rate_for(currency=currency, on=order_date)
    default_ship, default_bill = (
        customer.default_address_texts() if ship_to is None or bill_to is None else ("", "")
    )
    reference, number = _take_reference(reference=reference, order_date=order_date)
    order = SalesOrder(
        reference=reference,
        reference_number=number,
        customer=customer,
        customer_name=customer.name,
        customer_reference=customer_reference,
        description=description,
        order_date=order_date,
        target_date=target_date,
        requested_delivery_date=requested_delivery_date,
        currency=currency,
        currency_rate=quote.rate,
        currency_rate_source=quote.source,
        currency_rate_date=quote.date,
        prices_include_tax=bool(prices_include_tax),
        **_customer_terms(customer),
        ship_to=default_ship if ship_to is None else ship_to,
        bill_to=default_bill if bill_to is None else bill_to,
        contact=contact,
        salesperson=salesperson,
        priority=priority or 0,
        notes=notes,
        created_by=user,
        updated_by=user,
    )
    try:
        order.full_clean(exclude=AUDIT_EXCLUDE, validate_unique=False)
    except ValidationError as error:
        raise SalesOrderError(error.message_dict) from None
    order.save()
    salesorder_event_record(
        order=order, kind=Kind.CREATED, message=f"Order created for {customer.name}.", user=user
    )
    return order


@transaction.atomic
def salesorder_update(
    *,
    order: SalesOrder,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    **changes,
) -> SalesOrder:
    """Change the order's header fields (see HEADER_FIELDS). Locks the order row.

    Customer, currency and prices-include-tax change only while Pending (the last only
    while the order has no lines); a new customer brings its addresses, currency, tax
    treatment and payment terms. While Pending a new currency or order date freezes the rate
    of that date again. Amounts follow in the same transaction. Raises StaleOrderError when
    the order changed since `expected_version`, OrderStateError on a Complete/Cancelled
    order, MissingRateError, PeriodClosedError (a new order date in a closed or locked
    period), LineError (a discount larger than the lines, a negative total).
    """
    unknown = set(changes) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"salesorder_update() cannot change {sorted(unknown)}")
    _lock_customer_for_edit(order.pk)
    order = _lock_order(order, expected_version)
    _require_editable(order)
    changed = []
    for field, value in changes.items():
        current = getattr(order, field)
        if field == "currency":
            value = (value or "").upper()
        if field in ("discount_percent", "discount_amount"):
            value = _order_discount(value, field)
        if field == "payment_terms_days":
            value = int(value or 0)
        if current == value:
            continue
        if field in PENDING_ONLY_FIELDS and order.is_pending_approval():
            _send_back(order, user, "its customer, currency or tax basis changed.")
        if field in PENDING_ONLY_FIELDS and not order.is_pending():
            label = SalesOrder._meta.get_field(field).verbose_name
            raise OrderStateError(
                {field: f"The {label} can only be changed while the order is Pending."}
            )
        setattr(order, field, value)
        changed.append(field)
    if not changed:
        return order
    if "customer" in changed:
        if not order.customer.active:
            raise InactiveCustomerError(
                {"customer": f"{order.customer.name} is inactive; choose an active customer."}
            )
        order.customer_name = order.customer.name
        changed.append("customer_name")
        # A new customer brings its own addresses and currency, unless this same edit set them.
        ship_to, bill_to = order.customer.default_address_texts()
        for field, value in (
            ("ship_to", ship_to),
            ("bill_to", bill_to),
            ("currency", order.customer.currency),
        ):
            if field not in changed and getattr(order, field) != value:
                setattr(order, field, value)
                changed.append(field)
        for field, value in _customer_terms(order.customer).items():
            if getattr(order, field) != value and field not in changed:
                setattr(order, field, value)
                changed.append(field)
    if "prices_include_tax" in changed and order.line_count:
        raise OrderStateError(
            {
                "prices_include_tax": "Whether prices include tax can only change while the "
                "order has no lines."
            }
        )
    if order.discount_percent and order.discount_amount:
        raise SalesOrderError(
            {"discount_amount": "Give the order discount as an amount or a percent, not both."}
        )
    if "order_date" in changed:
        _require_open_period(order.order_date)
    rate_changed = False
    if order.is_pending() and ({"currency", "order_date"} & set(changed)):
        before = order.currency_rate
        changed += _freeze_rate(order)
        rate_changed = order.currency_rate != before
    _check_dates(order.order_date, order.target_date)
    _check_contact(order.contact, order.customer)
    try:
        order.full_clean(exclude=AUDIT_EXCLUDE, validate_unique=False)
    except ValidationError as error:
        raise SalesOrderError(error.message_dict) from None
    order.save(update_fields=changed)
    if order.is_pending() and {"currency", "customer"} & set(changed):
        _reprice_lines(order, every_line=True, retax="customer" in changed)
    elif rate_changed:
        _reprice_lines(order)
    if rate_changed or set(AMOUNT_FIELDS) & set(changed):
        matters = rate_changed or bool(set(AMOUNT_FIELDS) - {"order_date"} & set(changed))
        _refresh_totals(order=order, user=user, matters=matters)
    shown = [f for f in changed if SalesOrder._meta.get_field(f).editable or f == "currency_rate"]
    labels = ", ".join(str(SalesOrder._meta.get_field(f).verbose_name) for f in shown)
    salesorder_change_record(
        order=order, kind=Kind.UPDATED, message=f"Changed {labels}.", user=user
    )
    return order


def _order_discount(value, field: str) -> Decimal:
    label = "order discount percent" if field == "discount_percent" else "order discount"
    number = _decimal(ZERO if value in (None, "") else value, field=field, label=label)
    if number < 0:
        raise SalesOrderError({field: f"The {label} cannot be negative."})
    if field == "discount_percent" and number > 100:
        raise SalesOrderError({field: "An order discount is between 0 and 100 percent."})
    if number != number.quantize(CENT):
        raise SalesOrderError({field: f"The {label} has at most 2 decimal places."})
    return number


def _reprice_lines(order: SalesOrder, *, every_line: bool = False, retax: bool = False) -> None:
    """Price again, for the order's currency, rate and customer, its lines priced by
    conversion, or with `every_line` (a new currency or customer) every line not priced by
    hand; with `retax` (a new customer) tax again the lines whose tax was not picked by hand.
    For a Pending order only; queries: the lines with their parts and breaks, one per line
    for its price lists (and tax rule), one bulk UPDATE."""
    lines = SalesOrderLine.objects.filter(order_id=order.pk).select_related(
        "part__default_tax_rate"
    )
    if every_line:
        lines = lines.exclude(price_source=SalesOrderLine.PriceSource.MANUAL)
    else:
        lines = lines.filter(price_source=SalesOrderLine.PriceSource.CONVERSION)
    lines = list(lines.prefetch_related("part__price_breaks"))
    for line in lines:
        line.order = order
        if retax and not line.tax_overridden:
            line.apply_tax(_tax_charge(order, line.part.default_tax_rate), overridden=False)
        line.apply_price(line.part, None, suggestion=_suggestion(order, line.part, line.quantity))
        line.apply_amounts()
    SalesOrderLine.objects.bulk_update(
        lines,
        [
            "unit_price",
            "price_source",
            "price_source_label",
            "tax_rate",
            "tax_name",
            "tax_percent",
            "tax_rule",
            "tax_note",
            "subtotal",
            "order_discount",
            "tax_amount",
            "total",
        ],
        batch_size=2000,
    )


@transaction.atomic
def salesorder_rate_set(
    *,
    order: SalesOrder,
    rate,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> SalesOrder:
    """Set the order's exchange rate by hand (Managers, while Pending): its source becomes
    "Entered by hand"; lines priced by conversion follow it, and the base totals. Locks the
    order. Raises OrderStateError when it is not Pending or is in the base currency,
    AccountingError for a rate <= 0 or above 1,000,000, StaleOrderError."""
    order = _lock_order(order, expected_version)
    if not order.is_pending():
        raise OrderStateError(
            {
                "currency_rate": f"{order.reference} is {order.get_status_display()}; its "
                "exchange rate can only change while it is Pending."
            }
        )
    if order.in_base_currency:
        raise OrderStateError(
            {"currency_rate": f"{order.reference} is in the base currency; its rate is 1."}
        )
    _currency, rate = exchange_rate_check(currency=order.currency, rate=rate)
    if rate == order.currency_rate and order.currency_rate_source == RateSource.MANUAL:
        return order
    before = order.currency_rate
    order.currency_rate, order.currency_rate_source = rate, RateSource.MANUAL
    order.currency_rate_date = order.order_date
    order.save(update_fields=["currency_rate", "currency_rate_source", "currency_rate_date"])
    _reprice_lines(order)
    _refresh_totals(order=order, user=user)
    salesorder_event_record(
        order=order,
        kind=Kind.UPDATED,
        message=(
            f"Changed the exchange rate from {before.normalize():f} to {rate.normalize():f} "
            f"{base_currency()} per {order.currency}."
        ),
        user=user,
    )
    return order


# --- lines ---------------------------------------------------------------------------------


def _fresh_part(part: Part) -> Part:
    return (
        Part.objects.select_related("default_tax_rate")
        .prefetch_related("price_breaks")
        .get(pk=part.pk)
    )


def _suggestion(order: SalesOrder, part: Part, quantity: Decimal):
    """The part's price for the order: its customer's or currency's price list, else the base
    price converted at the order's rate (selectors.line_price_suggestion)."""
    return line_price_suggestion(order, part, quantity)


def _tax_charge(order: SalesOrder, tax_rate):
    """What the tax rules charge the order's customer instead of `tax_rate` (one query)."""
    return tax_charge_for(
        tax_rate=tax_rate, treatment=order.tax_treatment, country=order.tax_country
    )


def _describe_line(line: SalesOrderLine) -> str:
    return (
        f"{line.part_sku} x {line.quantity.normalize():f} at {line.unit_price.normalize():f}"
        f"{f' less {line.discount_percent.normalize():f}%' if line.discount_percent else ''}"
    )


def revenue_account_for(part: Part | None) -> Account | None:
    """The revenue account a new line of `part` books to: the part's own (PartRevenueAccount),
    else the settings' default, else none; for an extra line (no part) the settings' default.
    One or two queries."""
    if part is not None:
        own = PartRevenueAccount.objects.filter(part_id=part.pk).select_related("account")
        own = own.first()
        if own is not None:
            return own.account
    return Account.objects.filter(
        pk__in=SalesOrderSettings.objects.filter(pk=1).values("default_revenue_account")
    ).first()


def _revenue_account(account: Account | None, *, current_id: int | None = None):
    """Refuse an account a line cannot book to: not a revenue account, or inactive (unless
    the line already has it)."""
    if account is None:
        return None
    account = Account.objects.get(pk=account.pk)
    if account.type != Account.Type.REVENUE:
        raise LineError(
            {"revenue_account": f"{account} is not a revenue account; choose a revenue account."}
        )
    if not account.active and account.pk != current_id:
        raise LineError({"revenue_account": f"{account} is inactive; choose an active account."})
    return account


def _dimension_rows(values, *, keep: set[int] = frozenset()) -> list[DimensionValue]:
    """The dimension values a line takes: active (or already on the line: `keep`), at most
    one per dimension. Raises LineError at `dimension_values`. One query."""
    wanted = {value.pk for value in values if value is not None}
    rows = list(DimensionValue.objects.filter(pk__in=wanted).select_related("dimension"))
    seen: dict[int, DimensionValue] = {}
    for value in sorted(rows, key=lambda v: v.pk):
        if not value.active and value.pk not in keep:
            raise LineError({"dimension_values": f"{value} is inactive; choose an active value."})
        other = seen.get(value.dimension_id)
        if other is not None:
            raise LineError(
                {
                    "dimension_values": f"A line takes one {value.dimension.name}, not both "
                    f"{other.name} and {value.name}."
                }
            )
        seen[value.dimension_id] = value
    return list(seen.values())


def _set_dimensions(line: SalesOrderLine, values: list[DimensionValue]) -> bool:
    """Store the line's dimension values (replacing its own). Returns whether they changed."""
    before = set(
        SalesOrderLineDimension.objects.filter(line_id=line.pk).values_list("value_id", flat=True)
    )
    if before == {value.pk for value in values}:
        return False
    SalesOrderLineDimension.objects.filter(line_id=line.pk).delete()
    SalesOrderLineDimension.objects.bulk_create(
        SalesOrderLineDimension(line=line, dimension_id=value.dimension_id, value=value)
        for value in values
    )
    return True


@transaction.atomic
def salesorder_line_add(
    *,
    order: SalesOrder,
    part: Part,
    quantity,
    user: AbstractBaseUser | None,
    unit_price=None,
    discount_percent=ZERO,
    tax_rate=UNSET,
    target_date: datetime.date | None = None,
    notes: str = "",
    expected_version: int | None = None,
    revenue_account=UNSET,
    dimension_values=(),
) -> SalesOrderLine:
    """Add a part to the order, priced for the quantity in the order's currency (price
    lists, else the base price converted at the order's rate) unless `unit_price` is given,
    taxed by the tax rules for the part's default rate and the customer's treatment and
    country unless `tax_rate` is given (None: untaxed).

    `revenue_account`: UNSET books the line to the part's default (revenue_account_for),
    None to none, an Account to that one (an active revenue account); `dimension_values`:
    DimensionValues, at most one per dimension.

    Locks the order row; a constant number of queries whatever the order's size.
    Raises LineError (bad part, quantity, price, discount, account or dimension values; a
    quantity beyond the decimals of
    the part's unit, e.g. 2.5 pcs), DuplicateLineError (the part is
    already on the order; `.line` is that line), StaleOrderError, OrderStateError.
    """
    quantity = _quantity(quantity)
    unit_price = None if unit_price in (None, "") else _unit_price(unit_price)
    discount = _discount(discount_percent if discount_percent not in (None, "") else ZERO)
    _lock_customer_for_edit(order.pk)
    order = _lock_order(order, expected_version)
    _require_editable(order)
    part = _fresh_part(part)
    if not part.active or not part.salable:
        raise LineError({"part": f"{part} is not an active, salable part."})
    _require_unit_fits(part.quantity_refusal(quantity))
    existing = SalesOrderLine.objects.filter(order_id=order.pk, part_id=part.pk).first()
    if existing is not None:
        raise DuplicateLineError(
            {"part": f"{part} is already on this order; edit that line instead."}, line=existing
        )
    line = SalesOrderLine.from_part(
        order=order,
        part=part,
        quantity=quantity,
        unit_price=unit_price,
        discount_percent=discount,
        tax_rate=_tax_charge(order, part.default_tax_rate) if tax_rate is UNSET else tax_rate,
        suggestion=_suggestion(order, part, quantity),
        target_date=target_date,
        notes=notes,
        sort_order=order.line_count + 1,
        revenue_account=(
            revenue_account_for(part)
            if revenue_account is UNSET
            else _revenue_account(revenue_account)
        ),
    )
    dimensions = _dimension_rows(dimension_values or ())
    line.save()
    _set_dimensions(line, dimensions)
    _refresh_totals(order=order, user=user)
    salesorder_event_record(
        order=order, kind=Kind.LINE_ADDED, message=f"Added {_describe_line(line)}.", user=user
    )
    return line


def _lock_order_and_row(row, expected_version: int | None, noun: str):
    """Lock a line's (or extra line's) order, refuse a stale or read-only order, then lock the
    row itself: the global lock order is order first, then its lines."""
    _lock_customer_for_edit(row.order_id)
    order = _lock_order(SalesOrder(pk=row.order_id), expected_version)
    _require_editable(order)
    model = type(row)
    try:
        locked = model.objects.select_for_update().get(pk=row.pk, order_id=order.pk)
    except model.DoesNotExist:
        raise LineError(f"That {noun} is no longer on the order; reload the page.") from None
    locked.order = order
    return order, locked


def _lock_line(line: SalesOrderLine, expected_version: int | None):
    return _lock_order_and_row(line, expected_version, "line")


@transaction.atomic
def salesorder_line_update(
    *,
    line: SalesOrderLine,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    quantity=UNSET,
    unit_price=UNSET,
    discount_percent=UNSET,
    tax_rate=UNSET,
    target_date=UNSET,
    notes=UNSET,
    revenue_account=UNSET,
    dimension_values=UNSET,
) -> SalesOrderLine:
    """Change one line. Locks the order, then the line; constant queries.

    `revenue_account` (an Account or None) and `dimension_values` (the line's values, at
    most one per dimension) replace the line's when given; UNSET keeps them.

    `unit_price`: UNSET keeps it (re-suggested for a new quantity unless overridden), None
    goes back to the suggested price, a number is a manual price. On an Issued or On Hold
    order the quantity cannot go below what is shipped, cancelled and allocated, and it must
    fit the decimals of the line's unit (LineError at `quantity`).
    """
    order, line = _lock_line(line, expected_version)
    before = _describe_line(line)
    before_amounts = (line.quantity, line.unit_price, line.discount_percent, line.tax_percent)
    quantity_changed = False
    if quantity is not UNSET:
        new_quantity = _quantity(quantity)
        _require_unit_fits(line.quantity_refusal(new_quantity))
        floor = line.shipped_quantity + line.cancelled_quantity + line.allocated_quantity
        if new_quantity < floor:
            raise LineError(
                {
                    "quantity": (
                        f"The quantity cannot go below {floor.normalize():f}: "
                        f"{line.shipped_quantity.normalize():f} shipped, "
                        f"{line.cancelled_quantity.normalize():f} cancelled and "
                        f"{line.allocated_quantity.normalize():f} allocated."
                    )
                }
            )
        if new_quantity < line.invoiced_quantity:
            raise LineError(
                {
                    "quantity": (
                        f"The quantity cannot go below {line.invoiced_quantity.normalize():f}, "
                        "what invoices bill of it; delete the draft invoice or void the posted "
                        "one first."
                    )
                }
            )
        quantity_changed = new_quantity != line.quantity
        line.quantity = new_quantity
    if discount_percent is not UNSET:
        line.discount_percent = _discount(
            discount_percent if discount_percent not in (None, "") else ZERO
        )
    if unit_price is not UNSET or (quantity_changed and not line.price_overridden):
        part = _fresh_part(line.part)
        suggestion = _suggestion(order, part, line.quantity)
        if unit_price is UNSET:
            line.apply_price(part, None, suggestion=suggestion)
        else:
            price = None if unit_price in (None, "") else _unit_price(unit_price)
            line.apply_price(part, price, suggestion=suggestion)
    if tax_rate is not UNSET:
        default = (
            TaxRate.objects.filter(parts=line.part_id).first() if tax_rate is not None else None
        )
        if tax_rate is not None and tax_rate == default:
            line.apply_tax(_tax_charge(order, default), overridden=False)
        else:
            line.apply_tax(tax_rate, overridden=True)
    if target_date is not UNSET:
        line.target_date = target_date
    if notes is not UNSET:
        line.notes = notes
    booking = []
    if revenue_account is not UNSET:
        account = _revenue_account(revenue_account, current_id=line.revenue_account_id)
        if (account.pk if account else None) != line.revenue_account_id:
            line.revenue_account = account
            booking.append(f"account {account or 'none'}")
    dimensions = None
    if dimension_values is not UNSET:
        keep = set(
            SalesOrderLineDimension.objects.filter(line_id=line.pk).values_list(
                "value_id", flat=True
            )
        )
        dimensions = _dimension_rows(dimension_values or (), keep=keep)
    line.apply_amounts()
    line.save()
    if dimensions is not None and _set_dimensions(line, dimensions):
        booking.append("dimensions " + (", ".join(str(value) for value in dimensions) or "none"))
    after_amounts = (line.quantity, line.unit_price, line.discount_percent, line.tax_percent)
    _refresh_totals(order=order, user=user, matters=after_amounts != before_amounts)
    after = _describe_line(line)
    message = f"Changed line {before} to {after}." if before != after else f"Changed {after}."
    if booking:
        message = message[:-1] + f"; {'; '.join(booking)}."
    salesorder_event_record(order=order, kind=Kind.LINE_CHANGED, message=message, user=user)
    return line


@transaction.atomic
def salesorder_line_delete(
    *, line: SalesOrderLine, user: AbstractBaseUser | None, expected_version: int | None = None
) -> None:
    """Remove a line that nothing has been shipped, cancelled or allocated from.

    Locks the order, then the line. Raises LineError otherwise (use Cancel Remaining).
    """
    order, line = _lock_line(line, expected_version)
    if line.shipped_quantity or line.cancelled_quantity or line.allocated_quantity:
        raise LineError(
            f"{line.part_sku} has stock shipped, allocated or cancelled, so it cannot be "
            "removed; release its allocations or use Cancel Remaining instead."
        )
    if line.allocations.exists():
        raise LineError(f"{line.part_sku} has allocations; remove them first.")
    if line.invoiced_quantity:
        raise LineError(
            f"{line.part_sku} is on an invoice, so it cannot be removed; delete the draft "
            "invoice or void the posted one first."
        )
    description = _describe_line(line)
    line.delete()
    _refresh_totals(order=order, user=user)
    salesorder_event_record(
        order=order, kind=Kind.LINE_REMOVED, message=f"Removed {description}.", user=user
    )


# --- extra lines ---------------------------------------------------------------------------


def _extra_description(extra: SalesOrderExtraLine) -> str:
    return (
        f"{extra.description} x {extra.quantity.normalize():f} at {extra.unit_price.normalize():f}"
    )


def _apply_extra(extra, *, description, quantity, unit_price, tax_rate) -> None:
    if description is not UNSET:
        description = (description or "").strip()
        if not description:
            raise LineError({"description": "Say what the charge or rebate is for."})
        extra.description = description
    if quantity is not UNSET:
        extra.quantity = _quantity(quantity)
    if unit_price is not UNSET:
        extra.unit_price = _unit_price(unit_price, allow_negative=True)
    if tax_rate is STANDARD:
        standard = TaxRate.objects.filter(standard=True, active=True).first()
        apply_tax(extra, _tax_charge(extra.order, standard), overridden=False)
    elif tax_rate is not UNSET:
        apply_tax(extra, tax_rate, overridden=False)
    extra.subtotal, _discount, extra.tax_amount, extra.total = gross_line_amounts(
        quantity=extra.quantity,
        unit_price=extra.unit_price,
        discount_percent=ZERO,
        tax_percent=extra.tax_percent,
        prices_include_tax=extra.order.prices_include_tax,
    )
    check_amount(extra)


@transaction.atomic
def salesorder_extra_line_add(
    *,
    order: SalesOrder,
    description: str,
    unit_price,
    user: AbstractBaseUser | None,
    quantity=Decimal("1"),
    tax_rate=STANDARD,
    expected_version: int | None = None,
    revenue_account=UNSET,
) -> SalesOrderExtraLine:
    """Add a charge (shipping, handling) or, with a negative price, a rebate. Locks the order.

    `tax_rate`: a TaxRate, None (untaxed) or STANDARD: the standard rate as the tax rules
    charge the order's customer. `revenue_account`: UNSET books it to the settings' default,
    None to none, an Account to that one. Raises LineError (bad input, an account that is not
    an active revenue account; a rebate that would take the order's total below zero),
    StaleOrderError, OrderStateError."""
    _lock_customer_for_edit(order.pk)
    order = _lock_order(order, expected_version)
    _require_editable(order)
    extra = SalesOrderExtraLine(order=order)
    extra.revenue_account = (
        revenue_account_for(None) if revenue_account is UNSET else _revenue_account(revenue_account)
    )
    _apply_extra(
        extra, description=description, quantity=quantity, unit_price=unit_price, tax_rate=tax_rate
    )
    extra.sort_order = 0
    extra.save()
    _refresh_totals(order=order, user=user)
    salesorder_event_record(
        order=order, kind=Kind.EXTRA_ADDED, message=f"Added {_extra_description(extra)}.", user=user
    )
    return extra


def _lock_extra(extra: SalesOrderExtraLine, expected_version: int | None):
    return _lock_order_and_row(extra, expected_version, "extra line")


@transaction.atomic
def salesorder_extra_line_update(
    *,
    extra: SalesOrderExtraLine,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    description=UNSET,
    quantity=UNSET,
    unit_price=UNSET,
    tax_rate=UNSET,
    revenue_account=UNSET,
) -> SalesOrderExtraLine:
    """Change an extra line (`revenue_account`: an Account or None; UNSET keeps it). Locks the
    order, then the extra line."""
    order, extra = _lock_extra(extra, expected_version)
    before = _extra_description(extra)
    if revenue_account is not UNSET:
        extra.revenue_account = _revenue_account(
            revenue_account, current_id=extra.revenue_account_id
        )
    _apply_extra(
        extra, description=description, quantity=quantity, unit_price=unit_price, tax_rate=tax_rate
    )
    extra.save()
    _refresh_totals(order=order, user=user)
    salesorder_event_record(
        order=order,
        kind=Kind.EXTRA_CHANGED,
        message=f"Changed {before} to {_extra_description(extra)}.",
        user=user,
    )
    return extra


@transaction.atomic
def salesorder_extra_line_delete(
    *,
    extra: SalesOrderExtraLine,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> None:
    """Remove an extra line. Locks the order, then the extra line."""
    order, extra = _lock_extra(extra, expected_version)
    description = _extra_description(extra)
    extra.delete()
    _refresh_totals(order=order, user=user)
    salesorder_event_record(
        order=order, kind=Kind.EXTRA_REMOVED, message=f"Removed {description}.", user=user
    )


# --- lifecycle -----------------------------------------------------------------------------


def _lock_lines(order: SalesOrder) -> dict[int, Decimal]:
    """Lock the order's lines (by pk; the caller holds the order). Returns {line pk:
    allocated quantity}, read under the locks."""
    return dict(
        SalesOrderLine.objects.select_for_update()
        .filter(order_id=order.pk)
        .order_by("pk")
        .values_list("pk", "allocated_quantity")
    )


def _released_note(released: dict[str, Decimal] | None) -> str:
    """ "released 40 pcs and 3.00 m reserved": per unit, never added across units."""
    released = {unit: quantity for unit, quantity in (released or {}).items() if quantity}
    return f"released {format_per_unit(released)} reserved" if released else ""


def _transition(order, action, user, expected_version):
    """Lock the order, refuse a stale version or a move the table does not allow now.
    Returns the locked order and the status the move leads to.

    The move is checked before the version: the second click of a double click carries the
    version the first one changed, and is told the order already is there
    (OrderAlreadyDoneError), not that someone else changed it."""
    order = _lock_order(order, None)
    transition = order.require_transition(action, salesorder_facts(order, for_action=action))
    _refuse_stale(order, expected_version)
    return order, transition.target


@transaction.atomic
def salesorder_issue(
    *,
    order: SalesOrder,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    credit_acknowledged: bool = False,
) -> SalesOrder:
    """Issue a Pending order that needs no approval so stock can be allocated to it.

    Locks the customer (the credit check), then the order. Raises OrderStateError when it is
    not Pending, has no lines, its customer is inactive or an approval rule matches (Submit
    for Approval instead); CreditLimitError / CreditWarningError over the credit limit;
    PeriodClosedError when its order date is in a closed or locked accounting period."""
    customer = _lock_customer(order)
    order = _lock_order(order, None)
    _require_same_customer(order, customer)
    check = _gate(order, customer)
    target = order.require_transition("issue", salesorder_facts(order, approval=check)).target
    _refuse_stale(order, expected_version)
    _require_open_period(order.order_date)
    _credit_gate(
        order,
        customer,
        action="issue",
        policy=check.policy,
        position=check.credit,
        acknowledged=credit_acknowledged,
        user=user,
    )
    order.status, order.issued_at, order.issued_by = target, timezone.now(), user
    order.save(update_fields=["status", "issued_at", "issued_by"])
    salesorder_change_record(order=order, kind=Kind.ISSUED, message="Order issued.", user=user)
    return order


@transaction.atomic
def salesorder_hold(
    *,
    order: SalesOrder,
    reason: str,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
) -> SalesOrder:
    """Put a Pending or Issued order On Hold, with a reason. Locks the order row."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderStateError({"reason": "Say why the order is put on hold."})
    order, target = _transition(order, "hold", user, expected_version)
    order.status, order.hold_reason = target, reason[:250]
    order.save(update_fields=["status", "hold_reason"])
    salesorder_change_record(
        order=order, kind=Kind.HELD, message=f"Put on hold: {reason}", user=user
    )
    return order


@transaction.atomic
def salesorder_release(
    *,
    order: SalesOrder,
    user: AbstractBaseUser | None,
    reason: str = "",
    expected_version: int | None = None,
    credit_acknowledged: bool = False,
) -> SalesOrder:
    """Release an order from hold: it becomes Issued (issued now if it never was).

    Locks the customer, then the order. An order held while Pending must meet the rules of
    Issue Order (one that needs approval is submitted instead). The credit check runs again:
    over the limit, Block refuses, Warn asks for the acknowledgement, Require approval lets
    only a user who may set the credit policy (Credit Control) release it, acknowledged."""
    customer = _lock_customer(order)
    order = _lock_order(order, None)
    _require_same_customer(order, customer)
    order, target = _transition(order, "release", user, expected_version)
    position = credit_position(customer, order=order)
    policy = SalesOrderSettings.load().credit_policy if position.exceeded else ""
    if (
        policy == CreditPolicy.REQUIRE_APPROVAL
        and user is not None
        and not user.has_perm("salesorders.credit_salesordersettings")
    ):
        raise CreditLimitError(
            f"{position.sentence(customer.name)} Credit Control must release it."
        )
    _credit_gate(
        order,
        customer,
        action="release",
        policy=policy,
        position=position,
        acknowledged=credit_acknowledged,
        user=user,
    )
    fields = ["status", "hold_reason"]
    order.status, order.hold_reason = target, ""
    if order.issued_at is None:
        _require_open_period(order.order_date)  # releasing it issues it
        order.issued_at, order.issued_by = timezone.now(), user
        fields += ["issued_at", "issued_by"]
    order.save(update_fields=fields)
    reason = (reason or "").strip()
    message = f"Released from hold: {reason}" if reason else "Released from hold."
    salesorder_change_record(order=order, kind=Kind.RELEASED, message=message, user=user)
    return order


@transaction.atomic
def salesorder_complete(
    *, order: SalesOrder, user: AbstractBaseUser | None, expected_version: int | None = None
) -> SalesOrder:
    """Complete an Issued order whose lines are all shipped or cancelled (delivery state
    Shipped) and that has no pending shipment. Locks the order row."""
    order, target = _transition(order, "complete", user, expected_version)
    order.status, order.completed_at, order.completed_by = target, timezone.now(), user
    order.save(update_fields=["status", "completed_at", "completed_by"])
    salesorder_change_record(
        order=order, kind=Kind.COMPLETED, message="Order completed.", user=user
    )
    return order


@transaction.atomic
def salesorder_cancel(
    *,
    order: SalesOrder,
    user: AbstractBaseUser | None,
    reason: str = "",
    expected_version: int | None = None,
    released: dict[str, Decimal] | None = None,
) -> SalesOrder:
    """Cancel an order nothing has shipped from. Locks the order, then its lines.

    The status changes and every line's remainder (ordered less shipped) counts as cancelled,
    so the lines say what became of them. The stock reserved for the order is shipping's,
    which releases it first (shipping.services.salesorder_cancel does the whole operation
    and passes what it released, for the history). Raises OrderStateError when it is
    Complete/Cancelled, something has shipped, or stock is still allocated to it or a
    shipment still pending; OrderAlreadyDoneError when it already is Cancelled.
    """
    order, target = _transition(order, "cancel", user, expected_version)
    allocated = _lock_lines(order)
    if any(allocated.values()):
        raise OrderStateError(
            f"{order.reference} still has stock allocated to pending shipments; release its "
            "allocations first."
        )
    if order.shipments.pending().exists():
        raise OrderStateError(
            f"{order.reference} has a pending shipment; delete it before cancelling the order."
        )
    if order.is_pending_approval():
        approvals.approval_request_withdraw(document=order)
    order.status, order.cancelled_at, order.cancelled_by = target, timezone.now(), user
    order.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    SalesOrderLine.objects.filter(order_id=order.pk).open().update(
        cancelled_quantity=F("quantity") - F("shipped_quantity")
    )
    reason = (reason or "").strip()
    note = _released_note(released)
    message = "Order cancelled" + (f"; {note}" if note else "")
    message += f": {reason}" if reason else "."
    salesorder_change_record(
        order=order, kind=SalesOrderEvent.Kind.CANCELLED, message=message, user=user
    )
    return order


@transaction.atomic
def salesorder_line_cancel_remaining(
    *,
    line: SalesOrderLine,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    released: dict[str, Decimal] | None = None,
) -> SalesOrderLine:
    """Cancel what is left to ship of a line on an Issued or On Hold order.

    Locks the order, then the line. Stock allocated to the line is shipping's to release
    first (shipping.services.salesorderline_cancel_remaining does the whole operation and
    passes what it released, for the history). Raises OrderStateError on another status,
    LineError when nothing is left to cancel or stock is still allocated to the line.
    """
    order, line = salesorder_line_lock_for_cancel(line=line, expected_version=expected_version)
    if line.allocated_quantity:
        raise LineError(
            f"{line.part_sku} still has stock allocated to pending shipments; release its "
            "allocations first."
        )
    rest = line.remaining_quantity
    line.cancelled_quantity += rest
    line.save(update_fields=["cancelled_quantity"])
    message = f"Cancelled the remaining {format_unit_quantity(rest, line.unit)} of {line.part_sku}"
    note = _released_note(released)
    if note:
        message += f" ({note})"
    salesorder_change_record(
        order=order, kind=SalesOrderEvent.Kind.REMAINING_CANCELLED, message=message + ".", user=user
    )
    return line


# --- service lines: Mark Delivered ------------------------------------------------------------


def _deliver(
    *,
    order: SalesOrder,
    lines: list[SalesOrderLine],
    quantities: dict[int, Decimal],
    user: AbstractBaseUser | None,
) -> None:
    """Count `quantities` ({line pk: quantity}) of locked service lines as delivered: add them
    to shipped_quantity, stamp delivered_at/by, write one history line and bump the version.
    A constant number of queries whatever the number of lines."""
    if not order.can_ship():
        raise OrderStateError(
            f"{order.reference} is {order.get_status_display()}: services are delivered only "
            "on an Issued order."
        )
    for line in lines:
        quantity = quantities[line.pk]
        if not line.is_service:
            raise LineError(
                f"{line.part_sku} ({line.part_name}) is a stock part: it is shipped with a "
                "shipment, not marked delivered."
            )
        rest = line.remaining_quantity
        if rest <= 0:
            raise LineError(f"{line.part_sku} ({line.part_name}) is already delivered in full.")
        _require_unit_fits(line.quantity_refusal(quantity))
        if quantity <= 0 or quantity > rest:
            least = format_unit_quantity(line.quantity_step, line.unit)
            raise LineError(
                {
                    "quantity": f"Deliver between {least} and "
                    f"{format_unit_quantity(rest, line.unit)} of {line.part_sku}, not "
                    f"{format_quantity(quantity)}."
                }
            )
    now = timezone.now()
    salesorder_lines_adjust(shipped=quantities)
    SalesOrderLine.objects.filter(pk__in=list(quantities)).update(
        delivered_at=now, delivered_by=user
    )
    for line in lines:
        line.shipped_quantity += quantities[line.pk]
        line.delivered_at, line.delivered_by = now, user
    what = ", ".join(
        f"{format_unit_quantity(quantities[line.pk], line.unit)} of {line.part_sku}"
        for line in lines
    )
    salesorder_change_record(
        order=order, kind=Kind.SERVICE_DELIVERED, message=f"Delivered {what}.", user=user
    )


@transaction.atomic
def salesorder_line_deliver(
    *,
    line: SalesOrderLine,
    user: AbstractBaseUser | None,
    quantity=None,
    expected_version: int | None = None,
) -> SalesOrderLine:
    """Mark Delivered on a service line: `quantity` (None: all that is left) counts as
    delivered in the line's shipped_quantity, with the time and the user, and the order's
    history says so.

    Locks the order, then the line. Raises StaleOrderError, OrderStateError (the order is not
    Issued), LineError (a stock line, nothing left, a quantity beyond what is left or beyond
    the unit's decimals)."""
    order, line = _lock_line(line, expected_version)
    amount = line.remaining_quantity if quantity in (None, "") else _quantity(quantity)
    _deliver(order=order, lines=[line], quantities={line.pk: amount}, user=user)
    return line


@transaction.atomic
def salesorder_services_deliver(
    *, order: SalesOrder, user: AbstractBaseUser | None, expected_version: int | None = None
) -> list[SalesOrderLine]:
    """Mark Delivered for every service line of the order that has something left: each
    counts its remainder as delivered (see salesorder_line_deliver), in one history line.

    Locks the order, then those lines (by pk). Raises StaleOrderError, OrderStateError (the
    order is not Issued), LineError when no service line is left to deliver."""
    order = _lock_order(order, expected_version)
    lines = list(
        SalesOrderLine.objects.select_for_update()
        .filter(order_id=order.pk)
        .services()
        .open()
        .order_by("pk")
    )
    if not lines and order.can_ship():
        raise LineError(f"{order.reference} has no service lines left to deliver.")
    lines.sort(key=lambda line: (line.sort_order, line.pk))
    quantities = {line.pk: line.remaining_quantity for line in lines}
    _deliver(order=order, lines=lines, quantities=quantities, user=user)
    return lines


# --- for the apps above: locks and line counters ---------------------------------------------


def salesorder_lock(
    *, order: SalesOrder, expected_version: int | None = None, action: str | None = None
) -> SalesOrder:
    """Lock the order row for an operation of a higher app (call inside its transaction).

    Refuses a stale `expected_version` (StaleOrderError) and, given a lifecycle `action`
    (e.g. "cancel"), a transition the order does not allow now (OrderStateError), so the
    caller can check before it writes anything. Returns the fresh, locked order."""
    if action is None:
        return _lock_order(order, expected_version)
    locked, _target = _transition(order, action, None, expected_version)
    return locked


def salesorder_line_lock_for_cancel(
    *, line: SalesOrderLine, expected_version: int | None = None
) -> tuple[SalesOrder, SalesOrderLine]:
    """Lock a line's order, then the line, and check that Cancel Remaining is allowed:
    the order is Issued or On Hold and something is left to ship. Returns both, locked.

    Raises StaleOrderError, OrderStateError, LineError (call inside a transaction)."""
    order, line = _lock_line(line, expected_version)
    if not order.can_cancel_remaining():
        raise OrderStateError(
            f"{order.reference} is {order.get_status_display()}; Cancel Remaining is for "
            "Issued or On Hold orders (edit or remove the line instead)."
        )
    if line.remaining_quantity <= 0:
        raise LineError(f"Nothing is left to cancel on {line.part_sku}.")
    return order, line


def salesorder_lines_adjust(
    *,
    allocated: dict[int, Decimal] | None = None,
    shipped: dict[int, Decimal] | None = None,
) -> None:
    """Add to the lines' allocated and shipped quantities: {line pk: quantity}, negative to
    take off. One statement whatever the number of lines (core.db.add_to_counters).

    For shipping, which allocates and ships: the caller holds the order and line locks and
    has checked its rules under them; the database constraints (shipped + cancelled +
    allocated within the ordered quantity) still refuse a wrong total (IntegrityError)."""
    add_to_counters(
        SalesOrderLine,
        {"allocated_quantity": allocated or {}, "shipped_quantity": shipped or {}},
    )


def salesorder_lines_adjust_rows(*, rows: QuerySet, allocated: int = 0, shipped: int = 0) -> None:
    """`salesorder_lines_adjust` for rows the database already holds: `rows` is a queryset
    of another app's rows, each naming a `line` and a `quantity` (shipping's allocations);
    each line's allocated and shipped quantities get their rows' sum times the sign given
    (+1, -1; 0 leaves the counter). One statement (`UPDATE ... FROM` a subquery grouped by
    line) whatever their number (core.db.add_grouped_sums). The caller holds the order and
    line locks; the constraints still refuse a wrong total (IntegrityError)."""
    signs = {
        name: sign
        for name, sign in (("allocated_quantity", allocated), ("shipped_quantity", shipped))
        if sign
    }
    if signs:
        add_grouped_sums(SalesOrderLine, rows, key="line", amount="quantity", signs=signs)


def salesorder_lines_lock(
    *, order: SalesOrder, line_ids: list[int] | None = None, expected_version: int | None = None
) -> tuple[SalesOrder, list[SalesOrderLine]]:
    """Lock the order, then its lines (all, or those of `line_ids` that are the order's), in
    pk order, for an operation of a higher app (invoicing). Returns the locked order and the
    lines in the order's display order, each with `.order` set. Two queries.

    Raises StaleOrderError for a stale `expected_version`. Call inside a transaction."""
    order = _lock_order(order, expected_version)
    rows = SalesOrderLine.objects.select_for_update().filter(order_id=order.pk)
    if line_ids is not None:
        rows = rows.filter(pk__in=list(line_ids))
    lines = list(rows.order_by("pk"))
    for line in lines:
        line.order = order
    lines.sort(key=lambda line: (line.sort_order, line.pk))
    return order, lines


def salesorder_lines_invoice(
    *,
    order: SalesOrder,
    quantities: dict[int, Decimal],
    base_amount: Decimal,
    user: AbstractBaseUser | None,
    note: str,
    kind: str = Kind.INVOICE_CREATED,
) -> None:
    """Add `quantities` ({line pk: quantity}, negative to give back: a deleted draft, a
    voided invoice, a smaller draft line) to the lines' invoiced quantities and `base_amount`
    (base currency, negative to give back) to the order's invoiced base total, bump the
    order's version and write `note` to its history (`kind`, an invoicing event kind).

    For invoicing, which holds the order and line locks (salesorder_lines_lock) and has
    checked its own rules under them. Re-checks here the rules the CHECK constraints hold
    (never below zero, never beyond the ordered quantity) and raises LineError naming the
    line rather than letting the database refuse. A constant number of queries."""
    quantities = {pk: quantity for pk, quantity in quantities.items() if quantity}
    if quantities:
        rows = SalesOrderLine.objects.filter(
            pk__in=list(quantities), order_id=order.pk
        ).values_list("pk", "part_sku", "unit", "quantity", "invoiced_quantity")
        found = {row[0]: row[1:] for row in rows}
        for pk, delta in quantities.items():
            if pk not in found:
                raise LineError(f"Line #{pk} is not a line of {order.reference}.")
            sku, unit, ordered, invoiced = found[pk]
            after = invoiced + delta
            if after < 0:
                had = format_unit_quantity(invoiced, unit)
                raise LineError(
                    f"{sku} has only {had} invoiced; "
                    f"{format_unit_quantity(-delta, unit)} cannot be taken off."
                )
            if after > ordered:
                raise LineError(
                    f"{sku}: {format_unit_quantity(after, unit)} would be invoiced of "
                    f"{format_unit_quantity(ordered, unit)} ordered; more cannot be invoiced "
                    "than was ordered."
                )
        add_to_counters(SalesOrderLine, {"invoiced_quantity": quantities})
    if base_amount:
        SalesOrder.objects.filter(pk=order.pk).update(
            invoiced_base_total=F("invoiced_base_total") + base_amount
        )
        order.invoiced_base_total += base_amount
    salesorder_change_record(order=order, kind=kind, message=note, user=user)


# --- approvals and credit ----------------------------------------------------------------------


def _lock_customer(order: SalesOrder) -> Customer:
    """Lock the order's customer row (first, in the global lock order) for the credit check.
    The caller locks the order next and checks it still belongs to this customer."""
    customer_id = order.customer_id
    if customer_id is None:
        customer_id = SalesOrder.objects.values_list("customer_id", flat=True).get(pk=order.pk)
    return Customer.objects.select_for_update().get(pk=customer_id)


def _require_same_customer(order: SalesOrder, customer: Customer) -> None:
    if order.customer_id != customer.pk:
        raise StaleOrderError(
            f"{order.reference}'s customer was changed since you opened it; reload the page."
        )


def _lock_customer_for_edit(order_pk: int) -> None:
    """Before an edit locks the order: lock its customer when the order counts in the
    customer's exposure (a raised total is checked against the limit), so the lock order
    Customer -> SalesOrder holds. One query."""
    list(
        Customer.objects.select_for_update(of=("self",))
        .filter(sales_orders__pk=order_pk, sales_orders__status__in=CREDIT_STATUSES)
        .values_list("pk", flat=True)
    )


def _record_credit_warning(
    order: SalesOrder, position: CreditPosition, *, action: str, policy: str, user
) -> None:
    CreditWarning.objects.create(
        order=order,
        user=user,
        action=action,
        policy=policy,
        credit_limit=position.limit,
        exposure=position.exposure,
        excess=position.excess,
    )
    c = position.currency
    salesorder_event_record(
        order=order,
        kind=Kind.CREDIT_WARNING,
        message=(
            f"Credit warning acknowledged ({SalesOrder.TRANSITIONS[action].label}"
            if action in SalesOrder.TRANSITIONS
            else "Credit warning (edit"
        )
        + f"): limit {position.limit:,.2f} {c}, exposure {position.exposure:,.2f} {c}, "
        f"{position.excess:,.2f} {c} over.",
        user=user,
    )


def _credit_gate(
    order: SalesOrder,
    customer: Customer,
    *,
    action: str,
    policy: str,
    position: CreditPosition,
    acknowledged: bool,
    user,
) -> None:
    """The credit check of a transition, under the customer's lock: nothing happens within
    the limit. Over it: Block refuses (CreditLimitError); otherwise the user must have seen
    and acknowledged the warning (CreditWarningError until then), which is recorded."""
    if not position.exceeded:
        return
    warning = position.sentence(customer.name)
    if policy == CreditPolicy.BLOCK:
        raise CreditLimitError(
            f"{warning} The credit policy blocks it: lower the order, or ask Credit Control "
            "to raise the limit."
        )
    if not acknowledged:
        raise CreditWarningError(warning, position=position, action=action)
    _record_credit_warning(order, position, action=action, policy=policy, user=user)


def _gate(order: SalesOrder, customer: Customer) -> ApprovalCheck:
    return salesorder_approval_check(order, customer=customer)


@transaction.atomic
def salesorder_submit(
    *,
    order: SalesOrder,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    credit_acknowledged: bool = False,
) -> SalesOrder:
    """Submit a Pending order that matches an approval rule (or, under the Require approval
    credit policy, exceeds its credit) for approval: a new round opens with the matching
    rules copied into steps, and the order is Pending Approval. A resubmission after a
    reject is the same call and opens the next round.

    Locks the customer, then the order, then the round. Raises OrderStateError (not Pending,
    no lines, no rule matches), CreditLimitError (over the limit under Block),
    CreditWarningError (over the limit, warning not acknowledged), StaleOrderError."""
    customer = _lock_customer(order)
    order = _lock_order(order, None)
    _require_same_customer(order, customer)
    check = _gate(order, customer)
    order.require_transition("submit", salesorder_facts(order, approval=check))
    _refuse_stale(order, expected_version)
    _require_open_period(order.order_date)
    _credit_gate(
        order,
        customer,
        action="submit",
        policy=check.policy,
        position=check.credit,
        acknowledged=credit_acknowledged,
        user=user,
    )
    request = approvals.approval_request_open(
        document=order, steps=list(check.steps), user=user, owner_id=order.created_by_id
    )
    order.status, order.approval_round, order.hold_reason = (
        SalesOrder.Status.PENDING_APPROVAL,
        request.round,
        "",
    )
    order.save(update_fields=["status", "approval_round", "hold_reason"])
    again = " again" if request.round > 1 else ""
    salesorder_change_record(
        order=order,
        kind=Kind.SUBMITTED,
        message=f"Submitted for approval{again} (round {request.round}): "
        + " ".join(check.reasons),
        user=user,
    )
    return order


@transaction.atomic
def salesorder_approval_decide(
    *,
    order: SalesOrder,
    step_id: int,
    approve: bool,
    user: AbstractBaseUser,
    comment: str = "",
    expected_version: int | None = None,
) -> SalesOrder:
    """Approve or reject step `step_id` of the order's running round (approvals.services
    .approval_decide checks who may, which step and round, the comment). The last step
    passing issues the order; a reject sends it back to Pending with the comment.

    Locks the customer, the order, then its round, so two approvers at once (or approve
    against reject) have exactly one outcome. The version is not checked: a change that
    matters withdraws the round, and a decision on a withdrawn round is refused. Raises
    OrderStateError (not Pending Approval), approvals' DecisionRefusedError."""
    action = "approve" if approve else "reject"
    customer = _lock_customer(order)
    order = _lock_order(order, None)
    _require_same_customer(order, customer)
    order.require_transition(action, salesorder_facts(order, for_action=action))
    outcome = approvals.approval_decide(
        document=order, step_id=step_id, user=user, approve=approve, comment=comment
    )
    step, round_number = outcome.step, outcome.request.round
    if approve:
        message = f"Approved step {step.sentence} (round {round_number}, stage {step.stage})"
        if not outcome.step_passed:
            message += f": {step.approvals} of {step.needed} approvals"
        message += f". {outcome.decision.comment}" if outcome.decision.comment else "."
        salesorder_event_record(order=order, kind=Kind.APPROVED, message=message, user=user)
    else:
        salesorder_event_record(
            order=order,
            kind=Kind.REJECTED,
            message=f"Rejected (round {round_number}, stage {step.stage}, {step.sentence}): "
            f"{outcome.decision.comment}",
            user=user,
        )
    fields = []
    if outcome.approved:
        now = timezone.now()
        order.status, order.issued_at, order.issued_by, order.approved_at = (
            SalesOrder.Status.ISSUED,
            now,
            user,
            now,
        )
        fields = ["status", "issued_at", "issued_by", "approved_at"]
    elif outcome.rejected:
        order.status = SalesOrder.Status.PENDING
        fields = ["status"]
    if fields:
        order.save(update_fields=fields)
    if outcome.approved:
        salesorder_change_record(
            order=order,
            kind=Kind.ISSUED,
            message=f"Order issued: every approval of round {round_number} given.",
            user=user,
        )
    else:
        salesorder_touch(order=order, user=user)
    return order


def salesorder_approve(
    *,
    order: SalesOrder,
    step_id: int,
    user: AbstractBaseUser,
    reason: str = "",
    expected_version: int | None = None,
) -> SalesOrder:
    """Approve (see salesorder_approval_decide)."""
    return salesorder_approval_decide(
        order=order, step_id=step_id, approve=True, user=user, comment=reason
    )


def salesorder_reject(
    *,
    order: SalesOrder,
    step_id: int,
    user: AbstractBaseUser,
    reason: str = "",
    expected_version: int | None = None,
) -> SalesOrder:
    """Reject with a comment (see salesorder_approval_decide)."""
    return salesorder_approval_decide(
        order=order, step_id=step_id, approve=False, user=user, comment=reason
    )


def _nothing_moved(order: SalesOrder) -> bool:
    """Nothing of the order is shipped, delivered or allocated (one aggregate)."""
    moved = SalesOrderLine.objects.filter(order_id=order.pk).aggregate(
        n=Coalesce(Sum(F("shipped_quantity") + F("allocated_quantity")), ZERO)
    )["n"]
    return not moved


def _send_back(order: SalesOrder, user, why: str) -> None:
    """Back to Pending: the running round is withdrawn, the approval no longer counts."""
    approvals.approval_request_withdraw(document=order)
    order.status, order.approved_at, order.hold_reason = SalesOrder.Status.PENDING, None, ""
    order.issued_at = order.issued_by = None
    order.save(update_fields=["status", "approved_at", "hold_reason", "issued_at", "issued_by"])
    salesorder_change_record(
        order=order,
        kind=Kind.SENT_BACK,
        message=f"Sent back to Pending: {why} It must be approved again if a rule matches.",
        user=user,
    )


def _after_change_that_matters(order: SalesOrder, user, *, raised: bool) -> None:
    """After lines, prices, discounts, customer or currency changed (from _refresh_totals):
    an order waiting for approval, or approved and issued (or held) with nothing shipped or
    allocated, goes back to Pending; an Issued or On Hold order whose total rose is checked
    against its customer's credit (Block refuses the change; Require approval sends it back
    when it can go, else refuses; Warn records the warning)."""
    if order.is_pending_approval():
        _send_back(order, user, "it changed while waiting for approval.")
        return
    if order.status not in (SalesOrder.Status.ISSUED, SalesOrder.Status.ON_HOLD):
        return
    if order.approved_at and _nothing_moved(order):
        _send_back(order, user, "it changed after it was approved.")
        return
    if not raised:
        return
    customer = Customer.objects.select_for_update().get(pk=order.customer_id)
    position = credit_position(customer, order=order)
    if not position.exceeded:
        return
    policy = SalesOrderSettings.load().credit_policy
    warning = position.sentence(customer.name)
    if policy == CreditPolicy.WARN:
        _record_credit_warning(order, position, action="edit", policy=policy, user=user)
        return
    if policy == CreditPolicy.REQUIRE_APPROVAL and _nothing_moved(order):
        _send_back(order, user, f"{warning} Credit Control must approve it.")
        return
    raise CreditLimitError(f"{warning} The change is refused: lower it, or ask Credit Control.")


# The service of each lifecycle action (SalesOrder.TRANSITIONS), for callers that hold an
# action's name: the order pages and the admin. Cancel through a page goes to shipping's
# service, which releases the order's reservations first.
TRANSITION_SERVICES = {
    "submit": salesorder_submit,
    "issue": salesorder_issue,
    "approve": salesorder_approve,
    "reject": salesorder_reject,
    "hold": salesorder_hold,
    "release": salesorder_release,
    "complete": salesorder_complete,
    "cancel": salesorder_cancel,
}


def salesorder_transition(
    *,
    order: SalesOrder,
    action: str,
    user: AbstractBaseUser | None,
    expected_version: int | None = None,
    reason: str = "",
    credit_acknowledged: bool = False,
    step_id: int | None = None,
) -> SalesOrder:
    """Run the lifecycle action `action` (a key of SalesOrder.TRANSITIONS) through its service,
    passing `reason` to the actions whose table entry asks for one, `credit_acknowledged` to
    those that run the credit check and `step_id` to approval decisions. Locks and raises
    what that service does; OrderStateError for an action the table does not know."""
    transition = SalesOrder.TRANSITIONS.get(action)
    if transition is None:
        raise OrderStateError(f"There is no action {action!r} for a sales order.")
    kwargs = {"order": order, "user": user, "expected_version": expected_version}
    if transition.asks_reason or transition.decision:
        kwargs["reason"] = reason
    if transition.credit_checked:
        kwargs["credit_acknowledged"] = credit_acknowledged
    if transition.decision:
        if step_id is None:
            raise OrderStateError(f"Say which approval step of {order} you decide.")
        kwargs["step_id"] = step_id
    return TRANSITION_SERVICES[action](**kwargs)


# --- email ---------------------------------------------------------------------------------

CONFIRMATION_RENDERER = "salesorders.emails.order_confirmation"


@transaction.atomic
def salesorder_confirmation_send(
    *, order: SalesOrder, request_token: str, user: AbstractBaseUser | None
) -> EmailMessageLog:
    """Queue the order's confirmation email to its contact (or the customer's address): one
    EmailMessageLog and one job, in this transaction, with a history line. The same
    `request_token` again (a double click) returns the first request's log and queues nothing.
    Locks the order row (so the recipient read is the one saved).

    Raises ConfirmationEmailError when the order is cancelled or has no email address."""
    order = (
        SalesOrder.objects.select_for_update(of=("self",))
        .select_related("contact", "customer")
        .get(pk=order.pk)
    )
    if not order.can_send_confirmation():
        raise ConfirmationEmailError(f"{order} is cancelled: its confirmation is not sent.")
    recipient = order.confirmation_recipient
    if not recipient:
        raise ConfirmationEmailError(
            f"{order} has no email address to send to: give its contact or the customer one."
        )
    log, created = document_email_enqueue(
        document=order,
        renderer=CONFIRMATION_RENDERER,
        kind="order_confirmation",
        recipient=recipient,
        request_token=request_token,
        user=user,
    )
    if created:
        salesorder_event_record(
            order=order,
            kind=SalesOrderEvent.Kind.NOTE,
            message=f"Order confirmation queued to {recipient}.",
            user=user,
        )
    return log


# --- Duplicate Order -------------------------------------------------------------------------


def _copied_tax(row):
    """How a copied line (or extra line) is taxed: a rate chosen by hand stays; one the tax
    rules chose is chosen by the rules again, for the customer as it is now."""
    overridden = getattr(row, "tax_overridden", False)
    if isinstance(row, SalesOrderExtraLine):
        by_rules = row.tax_rule_id or row.tax_note or (row.tax_rate and row.tax_rate.standard)
        return STANDARD if by_rules else row.tax_rate
    return row.tax_rate if overridden else UNSET


@transaction.atomic
def salesorder_duplicate(*, order: SalesOrder, user: AbstractBaseUser | None) -> SalesOrder:
    """A new Pending order for the same customer with the order's lines and extra lines:
    the same quantities (as ordered), unit prices, discounts, order discount, addresses,
    contact, salesperson and notes; dated today, without its target dates or customer PO.
    Made through salesorder_create and salesorder_line_add, so the customer must be active,
    the date's period open and each part still active and salable; the credit limit and the
    approval rules are checked when the copy is issued, as for any new order (a copy never
    inherits an approval). Taxes follow the customer's tax rules as they are today.

    Reads the source order without locking it (nothing of it changes). Raises whatever those
    services raise (InactiveCustomerError, LineError, PeriodClosedError, MissingRateError);
    nothing is written then."""
    source = (
        SalesOrder.objects.select_related("customer", "contact")
        .prefetch_related(
            "extra_lines__tax_rate",
            "extra_lines__revenue_account",
        )
        .get(pk=order.pk)
    )
    copy = salesorder_create(
        customer=source.customer,
        user=user,
        description=source.description,
        currency=source.currency,
        ship_to=source.ship_to,
        bill_to=source.bill_to,
        contact=source.contact,
        salesperson=source.salesperson,
        priority=source.priority,
        notes=source.notes,
        prices_include_tax=source.prices_include_tax,
    )
    lines = (
        source.lines.select_related("part", "tax_rate", "revenue_account")
        .prefetch_related("dimensions__value")
        .order_by("sort_order", "pk")
    )
    for line in lines:
        account = line.revenue_account
        salesorder_line_add(
            order=copy,
            part=line.part,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_rate=_copied_tax(line),
            notes=line.notes,
            revenue_account=account if account is not None and account.active else UNSET,
            dimension_values=[row.value for row in line.dimensions.all() if row.value.active],
            user=user,
        )
    for extra in source.extra_lines.all():
        account = extra.revenue_account
        salesorder_extra_line_add(
            order=copy,
            description=extra.description,
            quantity=extra.quantity,
            unit_price=extra.unit_price,
            tax_rate=_copied_tax(extra),
            revenue_account=account if account is not None and account.active else UNSET,
            user=user,
        )
    if source.has_order_discount:
        salesorder_update(
            order=copy,
            user=user,
            discount_percent=source.discount_percent,
            discount_amount=source.discount_amount,
        )
    salesorder_event_record(
        order=copy,
        kind=Kind.NOTE,
        message=f"Duplicated from {source.reference}.",
        user=user,
    )
    return SalesOrder.objects.get(pk=copy.pk)
