"""Sales quotes: an offer to a customer, valid until a date, that Make Order turns into a
Pending sales order (the quote keeps the link to the order it made)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounting.models import RateSource
from accounting.selectors import TaxCharge
from core.currency import RATE, TaxTreatment, country_code_choices
from core.links import url_by_pk
from core.numbers import MAX_AMOUNT, MONEY, QUANTITY, UNIT_PRICE, ZERO, gross_line_amounts
from customers.models import Customer, validate_currency_code
from inventory.models import Part, TaxRate, quantity_refusal
from inventory.pricing import PriceSuggestion
from quotes.exceptions import QuoteAlreadyDoneError, QuoteLineError, QuoteStateError
from salesorders.models import SalesOrder, apply_tax
from salesorders.numbering import validate_pattern

DEFAULT_VALIDITY_DAYS = 30


class QuoteSettings(models.Model):
    """One row (pk=1): how quote numbers look and how long a new quote is valid."""

    number_pattern = models.CharField(
        max_length=100,
        default="SQ-{ref:05d}",
        help_text="Must contain {ref} (e.g. {ref:05d}); may contain text and {date:%Y}.",
    )
    # The highest number handed out so far; locked while a new quote takes its number.
    last_number = models.PositiveIntegerField(default=0, editable=False)
    validity_days = models.PositiveSmallIntegerField(
        default=DEFAULT_VALIDITY_DAYS, help_text="A new quote is valid this many days."
    )

    class Meta:
        verbose_name = "quote settings"
        verbose_name_plural = "quote settings"

    def __str__(self) -> str:
        return "Quote settings"

    def clean(self) -> None:
        try:
            validate_pattern(self.number_pattern)
        except ValidationError as error:
            raise ValidationError({"number_pattern": error.messages}) from None


class QuoteStatus(models.TextChoices):
    """What a quote shows. Draft, Sent, Accepted and Declined are stored; Expired is derived:
    a Draft or Sent quote past its valid-until date (SalesQuoteQuerySet.with_state)."""

    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"


STORED_STATUSES = [
    (QuoteStatus.DRAFT.value, QuoteStatus.DRAFT.label),
    (QuoteStatus.SENT.value, QuoteStatus.SENT.label),
    (QuoteStatus.ACCEPTED.value, QuoteStatus.ACCEPTED.label),
    (QuoteStatus.DECLINED.value, QuoteStatus.DECLINED.label),
]
# Still on offer (unless past valid_until): may be edited, sent, declined, made into an order.
OPEN_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)


@dataclass(frozen=True)
class QuoteAction:
    """One move of a quote, and what its callers need: the service checks `sources` and
    refuses with `verb`; the quote page shows `label` to users with every one of
    `permissions`, posting to `url_name`; `confirm` opens a confirmation step first saying
    `confirm_text`; `in_menu` puts it under the toolbar's More menu. The admin builds one
    action per entry. Read through SalesQuote.ACTIONS."""

    action: str
    sources: frozenset
    target: str
    verb: str
    label: str
    permissions: tuple[str, ...]
    url_name: str
    button_style: str = "primary"
    confirm: bool = False
    confirm_text: str = ""
    in_menu: bool = False
    refuses_expired: bool = True

    def __str__(self) -> str:
        return self.label


class SalesQuoteQuerySet(models.QuerySet):
    def with_state(self, today: datetime.date | None = None) -> "SalesQuoteQuerySet":
        """Annotate `state` (a QuoteStatus value): the stored status, or Expired for a Draft
        or Sent quote whose valid-until date is before today. No extra query."""
        today = today or timezone.localdate()
        return self.annotate(
            state=Case(
                When(
                    Q(status__in=OPEN_STATUSES, valid_until__lt=today),
                    then=Value(QuoteStatus.EXPIRED.value),
                ),
                default="status",
                output_field=models.CharField(),
            )
        )

    def in_state(self, state: str, today: datetime.date | None = None) -> "SalesQuoteQuerySet":
        """Quotes showing `state` (the list's status filter)."""
        today = today or timezone.localdate()
        if state == QuoteStatus.EXPIRED:
            return self.filter(status__in=OPEN_STATUSES, valid_until__lt=today)
        if state in OPEN_STATUSES:
            return self.filter(status=state, valid_until__gte=today)
        return self.filter(status=state)

    def for_list(self) -> "SalesQuoteQuerySet":
        """What the quote list shows, in one query."""
        return self.select_related("customer", "order").with_state()


class SalesQuote(models.Model):
    Status = QuoteStatus
    Action = QuoteAction

    ACTIONS = {
        action.action: action
        for action in (
            QuoteAction(
                action="make_order",
                sources=frozenset(OPEN_STATUSES),
                target=QuoteStatus.ACCEPTED,
                verb="made into an order",
                label="Make Order",
                permissions=("quotes.change_salesquote", "salesorders.add_salesorder"),
                url_name="quotes:make-order",
                confirm=True,
                confirm_text=(
                    "A Pending sales order is created for the customer with the quote's lines, "
                    "prices and discounts; the quote becomes Accepted and read-only."
                ),
            ),
            QuoteAction(
                action="send",
                sources=frozenset({QuoteStatus.DRAFT}),
                target=QuoteStatus.SENT,
                verb="marked sent",
                label="Mark Sent",
                permissions=("quotes.change_salesquote",),
                url_name="quotes:send",
                button_style="outline-primary",
            ),
            QuoteAction(
                action="decline",
                sources=frozenset(OPEN_STATUSES),
                target=QuoteStatus.DECLINED,
                verb="declined",
                label="Decline",
                permissions=("quotes.change_salesquote",),
                url_name="quotes:decline",
                button_style="outline-danger",
                confirm=True,
                confirm_text="A declined quote is read-only and cannot be made into an order.",
                in_menu=True,
                refuses_expired=False,
            ),
        )
    }

    number = models.CharField(max_length=50, unique=True, editable=False)
    number_value = models.PositiveIntegerField(db_index=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="quotes")
    customer_name = models.CharField(max_length=200, editable=False)
    customer_reference = models.CharField("customer reference", max_length=100, blank=True)
    description = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=10, choices=STORED_STATUSES, default=QuoteStatus.DRAFT)
    quote_date = models.DateField(default=timezone.localdate)
    valid_until = models.DateField()
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    # The rate to the base currency on the quote date: prices in another currency are the
    # base price converted at it (inventory.pricing.suggest_price_in), as on orders.
    currency_rate = models.DecimalField(**RATE, default=Decimal("1"), editable=False)
    currency_rate_source = models.CharField(
        max_length=10, choices=RateSource.choices, default=RateSource.BASE, editable=False
    )
    ship_to = models.TextField("ship-to address", blank=True)
    bill_to = models.TextField("bill-to address", blank=True)
    # Copied from the customer: the tax rules charge the lines by them, as on orders.
    tax_treatment = models.CharField(
        max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC, editable=False
    )
    tax_country = models.CharField(
        max_length=2, choices=country_code_choices, blank=True, editable=False
    )
    notes = models.TextField(blank=True)

    # Every change a reader of the quote sees bumps it; edit forms carry it.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Stored totals, kept right in the transaction of every line change.
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    line_count = models.PositiveIntegerField(default=0, editable=False)

    # The order Make Order created from it (salesorders never imports quotes: the order's
    # page reads this through the reverse relation `source_quote`).
    order = models.OneToOneField(
        SalesOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="source_quote",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
        editable=False,
    )
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    decided_at = models.DateTimeField("accepted or declined at", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    objects = SalesQuoteQuerySet.as_manager()

    class Meta:
        ordering = ["-number_value", "-pk"]
        indexes = [models.Index(fields=["customer", "-quote_date"], name="quote_customer_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("quote_date")),
                name="salesquote_valid_until_not_before_quote_date",
                violation_error_message="A quote cannot be valid until before its date.",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="salesquote_total_not_negative",
                violation_error_message="A quote's total cannot go below zero.",
            ),
            models.CheckConstraint(
                condition=~Q(status=QuoteStatus.ACCEPTED) | Q(order__isnull=False),
                name="salesquote_accepted_has_order",
                violation_error_message="An accepted quote names the order it was made into.",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return url_by_pk("quotes:detail", self.pk)

    @property
    def state(self) -> str:
        """The QuoteStatus it shows: the `state` annotation (with_state) when loaded with it,
        else worked out from status and valid_until the same way."""
        annotated = self.__dict__.get("state")
        if annotated:
            return annotated
        if self.status in OPEN_STATUSES and self.valid_until < timezone.localdate():
            return QuoteStatus.EXPIRED
        return self.status

    @state.setter
    def state(self, value: str) -> None:
        self.__dict__["state"] = value

    def get_state_display(self) -> str:
        return QuoteStatus(self.state).label

    def is_draft(self) -> bool:
        return self.status == QuoteStatus.DRAFT

    def is_expired(self) -> bool:
        return self.state == QuoteStatus.EXPIRED

    def can_edit(self) -> bool:
        """Its header and lines may change: Draft or Sent (an expired one too, so its validity
        can be extended)."""
        return self.status in OPEN_STATUSES

    def action_refusal(self, action: str) -> str | None:
        """Why `action` is not allowed now, as a sentence; None when it is."""
        entry = self.ACTIONS.get(action)
        if entry is None:
            return f"There is no action {action!r} for a quote."
        if self.status == QuoteStatus.ACCEPTED and self.order_id:
            return (
                f"{self.number} was already made into order {self.order}, so it cannot be "
                f"{entry.verb}."
            )
        if self.status not in entry.sources:
            allowed = " or ".join(sorted(str(QuoteStatus(s).label) for s in entry.sources))
            return (
                f"{self.number} is {self.get_state_display()}, so it cannot be {entry.verb}; "
                f"only {allowed} quotes can."
            )
        if entry.refuses_expired and self.is_expired():
            return (
                f"{self.number} expired on {self.valid_until:%Y-%m-%d}, so it cannot be "
                f"{entry.verb}; extend its valid-until date first."
            )
        if action == "make_order" and not self.line_count:
            return f"{self.number} has no lines; add a line item before making an order."
        return None

    def allowed_actions(self) -> list[QuoteAction]:
        return [a for a in self.ACTIONS.values() if self.action_refusal(a.action) is None]

    def require_action(self, action: str) -> QuoteAction:
        """The table's entry for `action`; raises QuoteAlreadyDoneError when the quote already
        is where it leads, QuoteStateError with action_refusal()'s sentence otherwise."""
        entry = self.ACTIONS.get(action)
        if entry is not None and self.status == entry.target and self.status not in entry.sources:
            if action == "make_order" and self.order_id:
                raise QuoteAlreadyDoneError(
                    f"{self.number} was already made into order {self.order}."
                )
            raise QuoteAlreadyDoneError(f"{self.number} was already {entry.verb}.")
        refusal = self.action_refusal(action)
        if refusal:
            raise QuoteStateError(refusal)
        return entry


class SalesQuoteLine(models.Model):
    quote = models.ForeignKey(SalesQuote, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="quote_lines")
    # Snapshots: renaming the part never changes an old quote.
    part_name = models.CharField(max_length=200)
    part_sku = models.CharField("SKU", max_length=50)
    unit = models.CharField(max_length=10)
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**UNIT_PRICE)
    # "List price", "Price break: min qty 10", "Manual".
    price_source_label = models.CharField(max_length=100, blank=True)
    price_overridden = models.BooleanField(default=False)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    tax_rule = models.ForeignKey(
        "accounting.TaxRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_note = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # Stored amounts, rounded half-up to 2 dp (net prices).
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)

    class Meta:
        ordering = ["quote", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote", "part"],
                name="one_line_per_part_per_quote",
                violation_error_message="This part is already on the quote.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="salesquoteline_quantity_positive",
                violation_error_message="The quantity must be above zero.",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="salesquoteline_discount_0_to_100",
                violation_error_message="A discount is between 0 and 100 percent.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="salesquoteline_unit_price_not_negative",
                violation_error_message="A unit price cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.part_sku} x {self.quantity.normalize()}"

    @classmethod
    def from_part(
        cls,
        *,
        quote: SalesQuote,
        part: Part,
        quantity: Decimal,
        suggestion: PriceSuggestion,
        tax_charge: TaxCharge | None,
        unit_price: Decimal | None = None,
        discount_percent: Decimal = ZERO,
        notes: str = "",
        sort_order: int = 0,
    ) -> "SalesQuoteLine":
        """The one snapshot constructor: an unsaved line of `part` on `quote`.

        Copies the part's name, SKU and unit; taxes it by `tax_charge` (what the tax rules
        charge the quote's customer; None: untaxed); prices it at `suggestion` (the price
        orders would take: inventory.pricing.suggest_price_in) unless `unit_price` differs
        from it (a manual price); stores the rounded amounts."""
        line = cls(
            quote=quote,
            part=part,
            part_name=part.name,
            part_sku=part.sku,
            unit=part.unit,
            quantity=quantity,
            discount_percent=discount_percent,
            notes=notes,
            sort_order=sort_order,
        )
        apply_tax(line, tax_charge, overridden=False)
        line.apply_price(suggestion, unit_price)
        line.apply_amounts()
        return line

    def apply_price(self, suggestion: PriceSuggestion, unit_price: Decimal | None) -> None:
        """The suggestion's price unless a different one is given (then it is manual)."""
        if unit_price is None or unit_price == suggestion.unit_price:
            self.unit_price = suggestion.unit_price
            self.price_source_label = suggestion.label
            self.price_overridden = False
        else:
            self.unit_price = unit_price
            self.price_source_label = "Manual"
            self.price_overridden = True

    def apply_amounts(self) -> None:
        """Store subtotal, tax and total (core.numbers.gross_line_amounts, net prices)."""
        self.subtotal, _, self.tax_amount, self.total = gross_line_amounts(
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount_percent=self.discount_percent,
            tax_percent=self.tax_percent,
        )
        if abs(self.total) > MAX_AMOUNT:
            raise QuoteLineError(
                {"quantity": "This line comes to more than a line can hold; lower the quantity."}
            )

    def quantity_refusal(self, quantity: Decimal) -> str | None:
        """Why `quantity` does not fit the line's unit (pcs are whole), or None."""
        return quantity_refusal(quantity, self.unit, what=self.part_name)
