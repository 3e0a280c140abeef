"""Invoice lines book to the revenue account and dimension values of the order lines they
bill, and a credit note books its reversal to the same ones."""

from decimal import Decimal

import pytest

from accounting.models import Account, Dimension, DimensionValue
from invoicing import services
from salesorders import services as order_services
from tests.factories import CustomerFactory, PartFactory, StockItemFactory

pytestmark = pytest.mark.django_db


def test_invoice_and_credit_note_lines_carry_the_order_lines_account_and_dimensions(
    manager_user,
):

    goods = Account.objects.create(code="4000", name="Sales - goods")
    region = DimensionValue.objects.create(
        dimension=Dimension.objects.create(name="Region"), code="N", name="North"
    )
    part = PartFactory(list_price=Decimal("10"))
    StockItemFactory(part=part, quantity=Decimal("10"))
    order = order_services.salesorder_create(customer=CustomerFactory(), user=manager_user)
    line = order_services.salesorder_line_add(
        order=order,
        part=part,
        quantity=Decimal("2"),
        user=manager_user,
        revenue_account=goods,
        dimension_values=[region],
    )
    order_services.salesorder_issue(order=order, user=manager_user)
    invoice = services.salesorder_ship_and_invoice(order=order, user=manager_user)
    (billed,) = invoice.lines.all()
    assert billed.order_line_id == line.pk
    assert billed.revenue_account == goods
    assert list(billed.dimension_values.all()) == [region]

    credit = services.invoice_void(invoice=invoice, reason="Wrong address", user=manager_user)
    (reversed_line,) = credit.lines.all()
    assert reversed_line.revenue_account == goods
    assert list(reversed_line.dimension_values.all()) == [region]
