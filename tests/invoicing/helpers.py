"""Builders shared by the invoicing tests: orders made through salesorders' services (so
their stored totals are right), shipped through shipping's."""

from decimal import Decimal

from salesorders import services as order_services
from shipping import services as shipping_services
from tests.factories import CustomerFactory, PartFactory, StockItemFactory, TaxRateFactory

D = Decimal


def make_order(user, lines=(("10", "9.9900"),), *, tax="19", customer=None, issue=True, **kw):
    """An order with a line per (quantity, unit price), each of a new stocked part taxed at
    `tax` percent; issued unless `issue` is False."""
    customer = customer or CustomerFactory()
    order = order_services.salesorder_create(customer=customer, user=user, **kw)
    rate = TaxRateFactory(name=f"VAT {tax}%", percent=D(tax))
    for quantity, price in lines:
        part = PartFactory(default_tax_rate=rate)
        StockItemFactory(part=part, quantity=D("1000"))
        order_services.salesorder_line_add(
            order=order, part=part, quantity=D(quantity), unit_price=D(price), user=user
        )
    if issue:
        order_services.salesorder_issue(order=order, user=user)
    order.refresh_from_db()
    return order


def ship(order, user, quantities: dict | None = None):
    """Ship `quantities` ({line: quantity}; None: everything) in one completed shipment."""
    shipment = shipping_services.shipment_create(order=order, user=user)
    if quantities is None:
        shipping_services.order_auto_allocate(order=order, shipment=shipment, user=user)
    else:
        for line, quantity in quantities.items():
            item = line.part.stock_items.first()
            shipping_services.allocation_create(
                line=line, stock_item=item, shipment=shipment, quantity=D(quantity), user=user
            )
    shipping_services.shipment_complete(shipment=shipment, user=user)
    order.refresh_from_db()
    return shipment
