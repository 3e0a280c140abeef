"""Duplicate Order: a new Pending order with the same customer and lines."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import Part
from salesorders import services
from salesorders.exceptions import CreditLimitError
from salesorders.models import SalesOrder, SalesOrderSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(order, part, part_with_break, clerk):
    services.salesorder_line_add(
        order=order, part=part, quantity=4, unit_price="2.2000", discount_percent=5, user=clerk
    )
    services.salesorder_line_add(order=order, part=part_with_break, quantity=100, user=clerk)
    services.salesorder_extra_line_add(
        order=order, description="Shipping", unit_price="9.5000", user=clerk
    )
    return services.salesorder_issue(order=order, user=clerk)


def test_salesorder_duplicate_copies_lines_prices_and_extras_into_a_pending_order(issued, clerk):
    copy = services.salesorder_duplicate(order=issued, user=clerk)
    assert copy.pk != issued.pk and copy.reference != issued.reference
    assert copy.status == SalesOrder.Status.PENDING
    assert copy.customer_id == issued.customer_id
    lines = {line.part_sku: line for line in copy.lines.all()}
    assert (lines["BOLT-1"].quantity, lines["BOLT-1"].unit_price) == (
        Decimal("4"),
        Decimal("2.2000"),
    )
    assert lines["BOLT-1"].discount_percent == Decimal("5")
    assert lines["NUT-1"].unit_price == Decimal("0.8000")
    assert [extra.description for extra in copy.extra_lines.all()] == ["Shipping"]
    assert copy.total == SalesOrder.objects.get(pk=issued.pk).total
    assert copy.approved_at is None and copy.issued_at is None
    assert copy.events.filter(message=f"Duplicated from {issued.reference}.").exists()


def test_salesorder_duplicate_refuses_a_retired_part_and_writes_nothing(issued, clerk):
    Part.objects.filter(sku="NUT-1").update(active=False)
    with pytest.raises(services.LineError) as refused:
        services.salesorder_duplicate(order=issued, user=clerk)
    assert "NUT-1" in str(refused.value)
    assert SalesOrder.objects.count() == 1


def test_duplicate_order_button_posts_and_lands_on_the_copy(sales_client, issued):
    page = sales_client.get(issued.get_absolute_url()).content.decode()
    assert "Duplicate Order" in page
    response = sales_client.post(reverse("salesorders:duplicate", args=[issued.pk]), follow=True)
    copy = SalesOrder.objects.exclude(pk=issued.pk).get()
    assert response.redirect_chain[-1][0] == copy.get_absolute_url()
    assert f"created as a copy of {issued.reference}" in response.content.decode()


def test_duplicate_order_needs_the_add_permission(client, warehouse_user, issued):
    client.force_login(warehouse_user)
    assert "Duplicate Order" not in client.get(issued.get_absolute_url()).content.decode()
    response = client.post(reverse("salesorders:duplicate", args=[issued.pk]))
    assert response.status_code == 403
    assert SalesOrder.objects.count() == 1


def test_a_copy_that_takes_the_customer_over_the_limit_is_refused_when_issued(
    customer, part, clerk
):
    """Copying an issued order is no way round the credit limit: the copy is Pending, and
    issuing it runs the check over both orders (policy Block)."""
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"credit_policy": "block"})
    customer.credit_limit = Decimal("150.00")
    customer.save(update_fields=["credit_limit"])
    first = services.salesorder_create(customer=customer, user=clerk)
    services.salesorder_line_add(order=first, part=part, quantity=40, user=clerk)  # 120.00
    services.salesorder_issue(order=first, user=clerk)
    copy = services.salesorder_duplicate(order=first, user=clerk)
    with pytest.raises(CreditLimitError):
        services.salesorder_issue(order=copy, user=clerk, credit_acknowledged=True)
    assert SalesOrder.objects.get(pk=copy.pk).status == SalesOrder.Status.PENDING
