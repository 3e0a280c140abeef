"""Quote services: numbering, pricing, totals, the actions and Make Order."""

from decimal import Decimal

import pytest
from django.utils import timezone

from quotes import services
from quotes.exceptions import QuoteAlreadyDoneError, QuoteStateError, StaleQuoteError
from quotes.models import QuoteSettings, SalesQuote, SalesQuoteLine
from salesorders.models import SalesOrder, SalesOrderEvent
from tests.quotes.conftest import days

pytestmark = pytest.mark.django_db


def test_quote_create_numbers_quotes_and_is_valid_for_30_days(customer, clerk):
    """Two quotes are SQ-00001 and SQ-00002, Draft, valid until the quote date + 30 days,
    with the customer's name and currency copied."""
    first = services.quote_create(customer=customer, user=clerk)
    second = services.quote_create(customer=customer, user=clerk, valid_until=days(5))
    assert (first.number, second.number) == ("SQ-00001", "SQ-00002")
    assert first.status == SalesQuote.Status.DRAFT
    assert first.valid_until == days(30)
    assert second.valid_until == days(5)
    assert (first.customer_name, first.currency) == ("Acme Tools", "EUR")


def test_quote_create_takes_its_validity_from_the_settings(customer, clerk):
    QuoteSettings.objects.create(pk=1, validity_days=14)
    assert services.quote_create(customer=customer, user=clerk).valid_until == days(14)


def test_quote_create_refuses_validity_before_the_quote_date(customer, clerk):
    with pytest.raises(services.QuoteError) as refused:
        services.quote_create(customer=customer, user=clerk, valid_until=days(-1))
    assert "valid-until date cannot be before the quote date" in str(refused.value)
    assert not SalesQuote.objects.exists()


def test_lines_are_priced_as_orders_price_them_and_totals_are_stored(quote_with_lines):
    """The price break applies (0.80 for 100 nuts), a manual price is kept and labelled, and
    the quote's totals are the sums of the stored line amounts (VAT 20 %)."""
    lines = {line.part_sku: line for line in quote_with_lines.lines.all()}
    assert lines["NUT-1"].unit_price == Decimal("0.8000")
    assert lines["NUT-1"].price_source_label.startswith("Price break")
    assert lines["BOLT-1"].unit_price == Decimal("2.2000")
    assert lines["BOLT-1"].price_source_label == "Manual"
    # 4 x 2.20 less 10 % = 7.92; 100 x 0.80 = 80.00
    assert lines["BOLT-1"].subtotal == Decimal("7.92")
    assert quote_with_lines.subtotal == Decimal("87.92")
    assert quote_with_lines.tax_total == Decimal("17.58")
    assert quote_with_lines.total == Decimal("105.50")
    assert quote_with_lines.line_count == 2


def test_line_change_costs_the_same_queries_however_many_lines(
    quote, clerk, django_assert_max_num_queries
):
    """Adding the 2nd line or the 21st costs the same number of queries."""
    from tests.factories import PartFactory

    parts = [PartFactory() for _ in range(21)]
    services.quote_line_add(quote=quote, part=parts[0], quantity=1, user=clerk)
    with django_assert_max_num_queries(20) as few:
        services.quote_line_add(quote=quote, part=parts[1], quantity=1, user=clerk)
    for part in parts[2:20]:
        services.quote_line_add(quote=quote, part=part, quantity=1, user=clerk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        services.quote_line_add(quote=quote, part=parts[20], quantity=1, user=clerk)
    quote.refresh_from_db()
    assert quote.line_count == 21


def test_line_update_and_delete_keep_the_totals(quote_with_lines, clerk):
    nut = quote_with_lines.lines.get(part_sku="NUT-1")
    services.quote_line_update(line=nut, user=clerk, quantity="10")
    nut.refresh_from_db()
    assert nut.unit_price == Decimal("1.0000")  # below the break: the list price again
    quote_with_lines.refresh_from_db()
    assert quote_with_lines.subtotal == Decimal("17.92")
    services.quote_line_delete(line=nut, user=clerk)
    quote_with_lines.refresh_from_db()
    assert quote_with_lines.subtotal == Decimal("7.92")
    assert quote_with_lines.line_count == 1


def test_quote_line_add_refuses_the_same_part_twice(quote_with_lines, bolt, clerk):
    with pytest.raises(services.QuoteLineError) as refused:
        services.quote_line_add(quote=quote_with_lines, part=bolt, quantity=1, user=clerk)
    assert "already on this quote" in str(refused.value)
    assert quote_with_lines.lines.count() == 2


def test_quote_update_refuses_a_stale_version(quote, clerk):
    """Someone saved the quote after the form was opened: refused, nothing overwritten."""
    seen = quote.version
    services.quote_update(quote=quote, user=clerk, expected_version=seen, notes="First")
    with pytest.raises(StaleQuoteError) as refused:
        services.quote_update(quote=quote, user=clerk, expected_version=seen, notes="Second")
    assert "since you opened it" in str(refused.value)
    quote.refresh_from_db()
    assert quote.notes == "First"


def test_quote_make_order_copies_lines_and_prices_and_links_back(quote_with_lines, clerk):
    """A Pending order for the same customer, one line per quote line with the quote's
    quantity, unit price and discount; the quote is Accepted, names the order, says who."""
    order = services.quote_make_order(
        quote=quote_with_lines, user=clerk, expected_version=quote_with_lines.version
    )
    assert order.status == SalesOrder.Status.PENDING
    assert order.customer_id == quote_with_lines.customer_id
    lines = {line.part_sku: line for line in order.lines.all()}
    assert set(lines) == {"BOLT-1", "NUT-1"}
    assert (lines["BOLT-1"].quantity, lines["BOLT-1"].unit_price) == (
        Decimal("4"),
        Decimal("2.2000"),
    )
    assert lines["BOLT-1"].discount_percent == Decimal("10")
    assert lines["NUT-1"].unit_price == Decimal("0.8000")
    order.refresh_from_db()
    assert order.total == quote_with_lines.total == Decimal("105.50")
    quote_with_lines.refresh_from_db()
    assert quote_with_lines.status == SalesQuote.Status.ACCEPTED
    assert quote_with_lines.order == order
    assert quote_with_lines.decided_by == clerk
    assert quote_with_lines.decided_at is not None
    assert order.source_quote == quote_with_lines
    assert order.events.filter(
        kind=SalesOrderEvent.Kind.NOTE, message=f"Made from quote {quote_with_lines.number}."
    ).exists()


def test_quote_make_order_refuses_a_second_conversion(quote_with_lines, clerk):
    first = services.quote_make_order(quote=quote_with_lines, user=clerk)
    with pytest.raises(QuoteAlreadyDoneError) as refused:
        services.quote_make_order(quote=quote_with_lines, user=clerk)
    assert str(refused.value) == f"{quote_with_lines.number} was already made into order {first}."
    assert SalesOrder.objects.count() == 1


def test_quote_make_order_refuses_an_expired_quote_and_writes_nothing(quote_with_lines, clerk):
    SalesQuote.objects.filter(pk=quote_with_lines.pk).update(
        quote_date=days(-40), valid_until=days(-10)
    )
    with pytest.raises(QuoteStateError) as refused:
        services.quote_make_order(quote=quote_with_lines, user=clerk)
    assert "expired on" in str(refused.value)
    assert "extend its valid-until date" in str(refused.value)
    assert not SalesOrder.objects.exists()
    quote_with_lines.refresh_from_db()
    assert quote_with_lines.status == SalesQuote.Status.DRAFT
    assert quote_with_lines.state == SalesQuote.Status.EXPIRED


def test_quote_make_order_refuses_a_declined_quote_and_writes_nothing(quote_with_lines, clerk):
    services.quote_decline(quote=quote_with_lines, user=clerk)
    version = SalesQuote.objects.get(pk=quote_with_lines.pk).version
    with pytest.raises(QuoteStateError) as refused:
        services.quote_make_order(quote=quote_with_lines, user=clerk)
    assert "is Declined, so it cannot be made into an order" in str(refused.value)
    assert not SalesOrder.objects.exists()
    assert SalesQuote.objects.get(pk=quote_with_lines.pk).version == version


def test_quote_make_order_refuses_a_stale_version(quote_with_lines, clerk):
    with pytest.raises(StaleQuoteError):
        services.quote_make_order(
            quote=quote_with_lines, user=clerk, expected_version=quote_with_lines.version - 1
        )
    assert not SalesOrder.objects.exists()


def test_quote_make_order_rolls_back_when_the_order_services_refuse(quote_with_lines, clerk):
    """A part retired since the quote: the order service refuses its line, and neither the
    order nor the quote's acceptance is written."""
    from inventory.models import Part

    Part.objects.filter(sku="NUT-1").update(active=False)
    with pytest.raises(services.ValidationError) as refused:
        services.quote_make_order(quote=quote_with_lines, user=clerk)
    assert "NUT-1" in str(refused.value)
    assert not SalesOrder.objects.exists()
    quote_with_lines.refresh_from_db()
    assert quote_with_lines.status == SalesQuote.Status.DRAFT
    assert quote_with_lines.order is None


def test_quote_make_order_refuses_a_quote_without_lines(quote, clerk):
    with pytest.raises(QuoteStateError) as refused:
        services.quote_make_order(quote=quote, user=clerk)
    assert "has no lines" in str(refused.value)


def test_quote_send_then_again_is_already_done(quote, clerk):
    services.quote_send(quote=quote, user=clerk)
    quote.refresh_from_db()
    assert quote.status == SalesQuote.Status.SENT
    assert quote.sent_at <= timezone.now()
    with pytest.raises(QuoteAlreadyDoneError):
        services.quote_send(quote=quote, user=clerk)


def test_an_accepted_quote_cannot_be_changed(quote_with_lines, clerk):
    services.quote_make_order(quote=quote_with_lines, user=clerk)
    line = SalesQuoteLine.objects.filter(quote=quote_with_lines).first()
    with pytest.raises(QuoteStateError) as refused:
        services.quote_line_delete(line=line, user=clerk)
    assert "is Accepted, so it cannot be changed" in str(refused.value)
    with pytest.raises(QuoteStateError):
        services.quote_decline(quote=quote_with_lines, user=clerk)
