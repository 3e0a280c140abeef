"""Invoices, their lines and payments; credit notes; the numbering and invoicing policy.

An invoice is its own record: it copies (snapshots) everything it prints from the order, the
customer and the order lines, so changing them later never changes an invoice. Every write
goes through invoicing.services.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounting.models import (
    Account,
    AccountingProvider,
    DimensionValue,
    TaxRule,
    base_currency,
)
from core.currency import RATE, TaxTreatment, country_code_choices
from core.links import url_by_pk
from core.models import user_stamp
from core.numbers import MONEY, QUANTITY, UNIT_PRICE, ZERO
from customers.models import Customer, PaymentTermsKind, payment_terms_text
from inventory.models import PartKind, TaxRate, quantity_refusal, unit_rule
from salesorders.models import SalesOrder, SalesOrderExtraLine, SalesOrderLine


class InvoicingPolicy(models.TextChoices):
    """What an order's invoices may bill (InvoiceSettings.policy)."""

    ON_SHIPMENT = "on_shipment", "On shipment (bill what is shipped or delivered)"
    ON_ORDER = "on_order", "On order (prepaid: bill what is ordered)"


class InvoiceSettings(models.Model):
    """One row (pk=1): invoice and credit note numbering, and the invoicing policy."""

    invoice_pattern = models.CharField(
        max_length=100,
        default="INV-{ref:05d}",
        help_text="Must contain {ref} (e.g. {ref:05d}); may contain text and {date:%Y}.",
    )
    credit_note_pattern = models.CharField(
        max_length=100,
        default="CN-{ref:05d}",
        help_text="Must contain {ref} (e.g. {ref:05d}); may contain text and {date:%Y}.",
    )
    # The highest numbers handed out; taken under this row's lock in the transaction that
    # posts, so a rolled-back post gives its number back: numbers are gapless.
    last_invoice_number = models.PositiveIntegerField(default=0, editable=False)
    last_credit_note_number = models.PositiveIntegerField(default=0, editable=False)
    policy = models.CharField(
        "invoicing policy",
        max_length=12,
        choices=InvoicingPolicy.choices,
        default=InvoicingPolicy.ON_SHIPMENT,
    )
    payment_details = models.TextField(
        blank=True, help_text="Printed on invoices: bank account, IBAN, BIC, how to pay."
    )

    class Meta:
        verbose_name = "invoice settings"
        verbose_name_plural = "invoice settings"

    def __str__(self) -> str:
        return "Invoice settings"

    def clean(self) -> None:
        from salesorders.numbering import validate_pattern

        errors = {}
        for field in ("invoice_pattern", "credit_note_pattern"):
            try:
                validate_pattern(getattr(self, field))
            except ValidationError as error:
                errors[field] = error.messages
        if errors:
            raise ValidationError(errors)

    @classmethod
    def load(cls) -> "InvoiceSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class InvoiceStatus(models.TextChoices):
    """Draft -> Posted -> Paid (derived from payments: stored by the payment services) and
    Posted -> Void (by a credit note). A credit note is Posted from the start."""

    DRAFT = "draft", "Draft"
    POSTED = "posted", "Posted"
    PAID = "paid", "Paid"
    VOID = "void", "Void"


# Invoices that bill goods (their lines count in the order lines' invoiced quantities).
BILLING_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.POSTED, InvoiceStatus.PAID)


@dataclass(frozen=True)
class InvoiceAction:
    """One action on an invoice, for the pages, the admin and the API alike: the statuses it
    starts from, the button, the permission and where the button posts (args: the invoice's
    pk)."""

    action: str
    sources: frozenset
    label: str
    permission: str
    url_name: str
    kinds: frozenset = frozenset({InvoiceKind.INVOICE})
    button_style: str = "primary"
    asks_reason: bool = False
    confirm_text: str = ""

    def __str__(self) -> str:
        return self.label


def _actions(*actions: InvoiceAction) -> dict[str, InvoiceAction]:
    return {action.action: action for action in actions}


class InvoiceQuerySet(models.QuerySet):
    def invoices(self) -> "InvoiceQuerySet":
        return self.filter(kind=InvoiceKind.INVOICE)

    def credit_notes(self) -> "InvoiceQuerySet":
        return self.filter(kind=InvoiceKind.CREDIT_NOTE)

    def billing(self) -> "InvoiceQuerySet":
        """Invoices whose lines bill goods: draft, posted or paid (not void, not credit notes)."""
        return self.invoices().filter(status__in=BILLING_STATUSES)

    def open(self) -> "InvoiceQuerySet":
        """Posted invoices not yet paid in full: the customer's open receivable."""
        return self.invoices().filter(status=InvoiceStatus.POSTED)

    def overdue(self, today=None) -> "InvoiceQuerySet":
        """Open invoices whose due date is before today (company time zone)."""
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)

    def for_list(self) -> "InvoiceQuerySet":
        """What the invoice list shows, in one query: with `sync_status`, the status of its
        push to the accounting provider (None when never pushed)."""
        push = InvoiceSync.objects.filter(invoice=models.OuterRef("pk"), action=SyncAction.POST)
        return self.select_related("order", "customer").annotate(
            sync_status=models.Subquery(push.values("status")[:1])
        )


class Invoice(models.Model):
    Kind = InvoiceKind
    Status = InvoiceStatus

    # The actions as data: the services check `sources`, the pages show `label`.
    ACTIONS = _actions(
        InvoiceAction(
            action="post",
            sources=frozenset({InvoiceStatus.DRAFT}),
            label="Post Invoice",
            permission="invoicing.post_invoice",
            url_name="invoicing:invoice-post",
        ),
        InvoiceAction(
            action="payment",
            sources=frozenset({InvoiceStatus.POSTED}),
            label="Record Payment",
            permission="invoicing.add_payment",
            url_name="invoicing:payment-record",
        ),
        InvoiceAction(
            action="void",
            sources=frozenset({InvoiceStatus.POSTED}),
            label="Void Invoice",
            permission="invoicing.void_invoice",
            url_name="invoicing:invoice-void",
            button_style="outline-danger",
            asks_reason=True,
            confirm_text=(
                "A credit note mirroring the invoice is posted and its quantities may be "
                "invoiced again. A void invoice cannot be reopened."
            ),
        ),
        InvoiceAction(
            action="delete",
            sources=frozenset({InvoiceStatus.DRAFT}),
            label="Delete Draft",
            permission="invoicing.delete_invoice",
            url_name="invoicing:invoice-delete",
            button_style="outline-danger",
            confirm_text="The draft is deleted and its quantities may be invoiced again.",
        ),
    )

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    # Blank until posted; then from InvoiceSettings' pattern, gapless.
    number = models.CharField(max_length=50, blank=True, editable=False)
    number_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    # One order per invoice (Invoice All Shipped makes one per order).
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    # The credit note's invoice (a credit note mirrors the invoice it voids).
    credited_invoice = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_note",
        editable=False,
    )
    # Snapshots, copied from the order when the invoice is made.
    customer_name = models.CharField(max_length=200, editable=False)
    bill_to = models.TextField("bill-to address", blank=True)
    customer_tax_number = models.CharField("customer VAT number", max_length=50, blank=True)
    customer_reference = models.CharField("customer PO number", max_length=100, blank=True)
    tax_treatment = models.CharField(
        max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC, editable=False
    )
    tax_country = models.CharField(
        max_length=2, choices=country_code_choices, blank=True, editable=False
    )
    invoice_date = models.DateField(default=timezone.localdate)
    due_date = models.DateField()
    payment_terms_kind = models.CharField(
        "payment terms",
        max_length=12,
        choices=PaymentTermsKind.choices,
        default=PaymentTermsKind.NET,
        editable=False,
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        "payment terms (days)", default=30, editable=False
    )
    currency = models.CharField(max_length=3, editable=False)
    # One unit of `currency` is worth `currency_rate` base units, by the rate of the invoice
    # date (frozen again when it is posted).
    currency_rate = models.DecimalField(**RATE, default=Decimal("1"), editable=False)
    currency_rate_date = models.DateField(null=True, blank=True, editable=False)
    prices_include_tax = models.BooleanField(default=False, editable=False)
    notes = models.TextField(blank=True)

    # Stored totals (sums of stored line amounts). subtotal is net after the order discount:
    # lines_subtotal - discount_total. Negative on a credit note.
    lines_subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    discount_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    base_subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    base_tax_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    base_total = models.DecimalField(**MONEY, default=ZERO, editable=False)
    # What the order's invoiced_base_total holds for this invoice (at the order's rate).
    order_base_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    # Payments not reversed, in the invoice's currency and in the base currency.
    amount_paid = models.DecimalField(**MONEY, default=ZERO, editable=False)
    base_amount_paid = models.DecimalField(**MONEY, default=ZERO, editable=False)
    line_count = models.PositiveIntegerField(default=0, editable=False)

    # Bumped by every change; edit forms and API writes carry it (If-Match).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = user_stamp()
    posted_at = models.DateTimeField(null=True, blank=True, editable=False)
    posted_by = user_stamp()
    voided_at = models.DateTimeField(null=True, blank=True, editable=False)
    voided_by = user_stamp()
    void_reason = models.CharField(max_length=250, blank=True, editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-invoice_date", "-pk"]
        permissions = [
            ("post_invoice", "Can post invoices"),
            ("void_invoice", "Can void invoices (with a credit note)"),
        ]
        indexes = [
            models.Index(fields=["-invoice_date", "-id"], name="invoice_date"),
            models.Index(fields=["customer", "-invoice_date"], name="invoice_customer_date"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due"),
            models.Index(fields=["number_seq"], name="invoice_number_seq"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number"],
                condition=~Q(number=""),
                name="one_invoice_per_number",
                violation_error_message="Another invoice already has this number.",
            ),
            models.CheckConstraint(
                condition=Q(amount_paid__gte=0) & Q(base_amount_paid__gte=0),
                name="invoice_amount_paid_not_negative",
                violation_error_message="What is paid cannot go below zero.",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.CREDIT_NOTE) | Q(amount_paid__lte=F("total")),
                name="invoice_not_overpaid",
                violation_error_message="An invoice cannot be paid more than its total.",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE) | Q(credited_invoice__isnull=False),
                name="credit_note_credits_an_invoice",
                violation_error_message="A credit note names the invoice it credits.",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("invoice_date")),
                name="invoice_due_not_before_date",
                violation_error_message="The due date cannot be before the invoice date.",
            ),
            models.CheckConstraint(
                condition=Q(currency_rate__gt=0) & Q(currency_rate__lte=1000000),
                name="invoice_currency_rate_positive_and_sane",
                violation_error_message="An exchange rate must be above 0 and at most 1,000,000.",
            ),
        ]

    def __str__(self) -> str:
        if self.number:
            return self.number
        noun = "Draft credit note" if self.is_credit_note else "Draft invoice"
        return f"{noun} #{self.pk}" if self.pk else noun

    def get_absolute_url(self) -> str:
        return url_by_pk("invoicing:invoice-detail", self.pk)

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    def can_email(self) -> bool:
        """Only a posted document (invoice or credit note) goes to the customer."""
        return self.is_posted

    @property
    def email_recipient(self) -> str:
        """Where it is emailed: the order's contact's address, else the customer's."""
        return self.order.confirmation_recipient

    @property
    def is_posted(self) -> bool:
        """Posted, paid or void: it has a number and is never edited or deleted again."""
        return self.status != InvoiceStatus.DRAFT

    @property
    def balance(self) -> Decimal:
        """What is still to pay (0 on a void invoice or a credit note)."""
        if self.is_credit_note or self.status == InvoiceStatus.VOID:
            return ZERO
        return self.total - self.amount_paid

    @property
    def base_currency(self) -> str:
        return base_currency()

    @property
    def in_base_currency(self) -> bool:
        return self.currency == base_currency()

    def is_overdue(self, today=None) -> bool:
        """InvoiceQuerySet.overdue's rule for this invoice."""
        today = today or timezone.localdate()
        return (
            not self.is_credit_note
            and self.status == InvoiceStatus.POSTED
            and self.due_date < today
        )

    def payment_terms_text(self) -> str:
        return payment_terms_text(self.payment_terms_kind, self.payment_terms_days)

    def action_refusal(self, action: str) -> str | None:
        """Why `action` (a key of ACTIONS) is not allowed now, as a sentence; None if it is."""
        entry = self.ACTIONS.get(action)
        if entry is None:
            return f"There is no action {action!r} for an invoice."
        if self.kind not in entry.kinds:
            return f"{self} is a credit note: it cannot be {_VERBS[action]}."
        if self.status not in entry.sources:
            hint = _HINTS.get((action, self.status), "")
            return f"{self} is {self.get_status_display()}, so it cannot be {_VERBS[action]}." + (
                f" {hint}" if hint else ""
            )
        if action == "void" and self.amount_paid:
            return f"{self} has payments; reverse them before voiding it."
        return None

    def allows(self, action: str) -> bool:
        return self.action_refusal(action) is None

    def allowed_actions(self) -> list[InvoiceAction]:
        """The ACTIONS entries that may run now, in the table's order."""
        return [entry for entry in self.ACTIONS.values() if self.allows(entry.action)]

    def can_edit(self) -> bool:
        """Its date, notes and lines may change: it is a draft."""
        return self.is_draft

    def can_post(self) -> bool:
        return self.allows("post")

    def can_void(self) -> bool:
        return self.allows("void")

    def can_delete(self) -> bool:
        return self.allows("delete")

    def can_record_payment(self) -> bool:
        return self.allows("payment")


_VERBS = {"post": "posted", "void": "voided", "delete": "deleted", "payment": "paid"}
_HINTS = {
    ("void", InvoiceStatus.DRAFT): "Delete the draft instead.",
    ("void", InvoiceStatus.PAID): "Reverse its payments first.",
    ("delete", InvoiceStatus.POSTED): "A posted invoice is voided with a credit note instead.",
    ("delete", InvoiceStatus.PAID): "A posted invoice is voided with a credit note instead.",
    ("payment", InvoiceStatus.DRAFT): "Post it first.",
}


class InvoiceLine(models.Model):
    """A billed quantity: of an order line, an order's extra line (freight, rebates: billed
    once), or a free line added to a draft. Everything it prints is a snapshot."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    # SET_NULL: the snapshot keeps the line readable should the order line go.
    order_line = models.ForeignKey(
        SalesOrderLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )
    extra_line = models.ForeignKey(
        SalesOrderExtraLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )
    description = models.CharField(max_length=200)
    sku = models.CharField("SKU", max_length=50, blank=True)
    unit = models.CharField(max_length=10, blank=True)
    part_kind = models.CharField(max_length=10, choices=PartKind.choices, blank=True)
    # Negative on a credit note (it mirrors the invoice).
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**UNIT_PRICE)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    tax_rate = models.ForeignKey(
        TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_name = models.CharField(max_length=100, blank=True)
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=ZERO)
    tax_rule = models.ForeignKey(
        TaxRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    tax_note = models.CharField(max_length=300, blank=True)
    revenue_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dimension_values = models.ManyToManyField(DimensionValue, blank=True, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)
    # Stored amounts in cents: subtotal net before the order discount, order_discount this
    # line's share of it, tax and total after it (as the order's lines).
    subtotal = models.DecimalField(**MONEY, default=ZERO, editable=False)
    order_discount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    tax_amount = models.DecimalField(**MONEY, default=ZERO, editable=False)
    total = models.DecimalField(**MONEY, default=ZERO, editable=False)

    class Meta:
        ordering = ["invoice", "sort_order", "pk"]
        indexes = [
            models.Index(fields=["order_line"], name="invoiceline_order_line"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(quantity=0),
                name="invoiceline_quantity_not_zero",
                violation_error_message="An invoice line's quantity cannot be zero.",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="invoiceline_discount_0_to_100",
                violation_error_message="A discount is between 0 and 100 percent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.sku or self.description} x {self.quantity.normalize()}"

    @classmethod
    def from_order_line(
        cls, *, invoice: Invoice, order_line: SalesOrderLine, quantity: Decimal
    ) -> "InvoiceLine":
        """The one snapshot constructor of a billed order line: an unsaved invoice line of
        `quantity` of `order_line`, with its description, SKU, unit, price, discounts, tax
        and revenue account copied (amounts are the service's: see services.line_amounts).
        Dimension values are copied by the service after the line is saved (many-to-many)."""
        return cls(
            invoice=invoice,
            order_line=order_line,
            description=order_line.part_name,
            sku=order_line.part_sku,
            unit=order_line.unit,
            part_kind=order_line.part_kind,
            quantity=quantity,
            unit_price=order_line.unit_price,
            discount_percent=order_line.discount_percent,
            tax_rate_id=order_line.tax_rate_id,
            tax_name=order_line.tax_name,
            tax_percent=order_line.tax_percent,
            tax_rule_id=order_line.tax_rule_id,
            tax_note=order_line.tax_note,
            revenue_account_id=order_line.revenue_account_id,
            sort_order=order_line.sort_order,
        )

    @classmethod
    def from_extra_line(cls, *, invoice: Invoice, extra_line: SalesOrderExtraLine) -> "InvoiceLine":
        """An unsaved invoice line billing an order's extra line in full, amounts copied."""
        return cls(
            invoice=invoice,
            extra_line=extra_line,
            description=extra_line.description,
            quantity=extra_line.quantity,
            unit_price=extra_line.unit_price,
            tax_rate_id=extra_line.tax_rate_id,
            tax_name=extra_line.tax_name,
            tax_percent=extra_line.tax_percent,
            tax_rule_id=extra_line.tax_rule_id,
            tax_note=extra_line.tax_note,
            revenue_account_id=extra_line.revenue_account_id,
            sort_order=100000 + extra_line.sort_order,
            subtotal=extra_line.subtotal,
            tax_amount=extra_line.tax_amount,
            total=extra_line.total,
        )

    def mirrored(self, credit_note: Invoice) -> "InvoiceLine":
        """An unsaved credit note line mirroring this one: the same snapshots, negative
        quantity and amounts."""
        return InvoiceLine(
            invoice=credit_note,
            order_line_id=self.order_line_id,
            extra_line_id=self.extra_line_id,
            description=self.description,
            sku=self.sku,
            unit=self.unit,
            part_kind=self.part_kind,
            quantity=-self.quantity,
            unit_price=self.unit_price,
            discount_percent=self.discount_percent,
            tax_rate_id=self.tax_rate_id,
            tax_name=self.tax_name,
            tax_percent=self.tax_percent,
            tax_rule_id=self.tax_rule_id,
            tax_note=self.tax_note,
            revenue_account_id=self.revenue_account_id,
            sort_order=self.sort_order,
            subtotal=-self.subtotal,
            order_discount=-self.order_discount,
            tax_amount=-self.tax_amount,
            total=-self.total,
        )

    @property
    def is_free(self) -> bool:
        """A line added to the draft by hand: it bills no order line or extra line."""
        return self.order_line_id is None and self.extra_line_id is None

    @property
    def quantity_step(self) -> Decimal:
        return unit_rule(self.unit).step if self.unit else Decimal("0.0001")

    def quantity_refusal(self, quantity: Decimal) -> str | None:
        """Why `quantity` does not fit the line's unit (pcs are whole), or None."""
        if not self.unit:
            return None
        return quantity_refusal(quantity, self.unit, what=self.description)


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    CHEQUE = "cheque", "Cheque"
    DIRECT_DEBIT = "direct_debit", "Direct debit"
    OTHER = "other", "Other"


class PaymentQuerySet(models.QuerySet):
    def active(self) -> "PaymentQuerySet":
        """Payments that count: not reversed."""
        return self.filter(reversed_at__isnull=True)


class Payment(models.Model):
    """Money received against one invoice (partial payments allowed). Reversed, never
    deleted."""

    Method = PaymentMethod

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    payment_date = models.DateField(default=timezone.localdate)
    amount = models.DecimalField(**MONEY, help_text="In the invoice's currency.")
    # At the invoice's rate; the payment that settles the invoice takes what is left, so
    # the base amounts of an invoice's payments add up to its base total.
    base_amount = models.DecimalField(**MONEY, editable=False)
    method = models.CharField(
        max_length=20, choices=PaymentMethod.choices, default=PaymentMethod.BANK_TRANSFER
    )
    reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = user_stamp()
    reversed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reversed_by = user_stamp()
    reversal_reason = models.CharField(max_length=250, blank=True, editable=False)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "payment_date", "pk"]
        permissions = [("reverse_payment", "Can reverse payments")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="A payment must be above zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.payment_date:%Y-%m-%d}: {self.amount}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


def invoiceable_quantity(line: SalesOrderLine, policy: str) -> Decimal:
    """What of an order line may still be invoiced: shipped (services: delivered) less
    invoiced under the "on shipment" policy; ordered less cancelled and invoiced under "on
    order". Invoiced counts draft and posted invoices, so two drafts never bill the same
    goods. Never below zero."""
    if policy == InvoicingPolicy.ON_ORDER:
        cap = line.quantity - line.cancelled_quantity
    else:
        cap = line.shipped_quantity
    return max(cap - line.invoiced_quantity, ZERO)


class SyncAction(models.TextChoices):
    """What a push to the accounting provider does."""

    POST = "post", "Invoice"
    VOID = "void", "Void"
    PAYMENT = "payment", "Payment"


class SyncStatus(models.TextChoices):
    """Pending (queued or being retried) -> Pushed; Failed (the provider refused it: fix the
    data, then Retry); Dead (every attempt failed: Retry)."""

    PENDING = "pending", "Pending"
    PUSHED = "pushed", "Pushed"
    FAILED = "failed", "Failed"
    DEAD = "dead", "Dead"


SYNC_RETRYABLE = (SyncStatus.FAILED, SyncStatus.DEAD)


class InvoiceSyncQuerySet(models.QuerySet):
    def unfinished(self) -> "InvoiceSyncQuerySet":
        """Pushes not done yet: pending, failed or dead (the Sync page)."""
        return self.exclude(status=SyncStatus.PUSHED)

    def for_list(self) -> "InvoiceSyncQuerySet":
        return self.select_related("invoice", "payment")


class InvoiceSync(models.Model):
    """One push of an invoice (its posting, its void, or one payment) to the accounting
    provider: its state, the provider's id and number once pushed, the last error. Written
    by invoicing.sync only. `idempotency_key` is made once, with the row, and sent with
    every attempt and every Retry: the provider keeps one document however often it is
    pushed."""

    Action = SyncAction
    Status = SyncStatus

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="syncs")
    action = models.CharField(max_length=10, choices=SyncAction.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="syncs"
    )
    provider = models.CharField(max_length=20, choices=AccountingProvider.choices)
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.PENDING)
    idempotency_key = models.CharField(max_length=100, unique=True, editable=False)
    external_id = models.CharField(max_length=100, blank=True)
    external_number = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InvoiceSyncQuerySet.as_manager()

    class Meta:
        verbose_name = "accounting sync"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="invoicesync_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "action"],
                condition=Q(payment__isnull=True),
                name="one_sync_per_invoice_action",
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(payment__isnull=False), name="one_sync_per_payment"
            ),
            models.CheckConstraint(
                condition=(Q(action=SyncAction.PAYMENT) & Q(payment__isnull=False))
                | (~Q(action=SyncAction.PAYMENT) & Q(payment__isnull=True)),
                name="invoicesync_payment_iff_payment_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.invoice} to {self.get_provider_display()}"

    def can_retry(self) -> bool:
        return self.status in SYNC_RETRYABLE

    @property
    def is_pushed(self) -> bool:
        return self.status == SyncStatus.PUSHED
