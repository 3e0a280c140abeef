"""Line quantities follow their unit; service lines are delivered, not shipped; each line's
fulfilment state and allocation status (and the order's) are read in constant queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Part
from salesorders import services
from salesorders.exceptions import LineError, OrderStateError
from salesorders.models import (
    AllocationStatus,
    FulfilmentState,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderLine,
)
from shipping import services as shipping_services
from tests.factories import (
    PartFactory,
    ServicePartFactory,
    StockItemFactory,
    UserFactory,
    keep_line_flags,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = SalesOrder.Status
F = FulfilmentState
A = AllocationStatus


@pytest.fixture
def helmet():
    return PartFactory(sku="HLM-WHT", name="Safety helmet", unit=Part.Unit.PIECES)


@pytest.fixture
def installation():
    return ServicePartFactory(sku="SRV-INST-H", name="Installation (per hour)")


@pytest.fixture
def certificate():
    return ServicePartFactory(
        sku="SRV-CAL", name="Calibration certificate", unit=Part.Unit.PIECES, list_price=D("45")
    )


def issued(order, clerk):
    return services.salesorder_issue(order=order, user=clerk)


# --- units on lines ------------------------------------------------------------------------


def test_half_a_helmet_is_refused_naming_the_unit_and_nothing_is_written(order, helmet, clerk):
    version = SalesOrder.objects.get(pk=order.pk).version
    with pytest.raises(LineError) as refused:
        services.salesorder_line_add(order=order, part=helmet, quantity="2.5", user=clerk)
    assert refused.value.message_dict["quantity"] == [
        "Safety helmet is counted in whole pieces (pcs): 2.5 is not allowed."
    ]
    order.refresh_from_db()
    assert not order.lines.exists() and order.version == version and order.total == 0


def test_kilograms_take_three_decimals_and_metres_two(order, clerk):
    salt = PartFactory(name="Salt", unit=Part.Unit.KILOGRAMS, list_price=D("0.3200"))
    rope = PartFactory(name="Rope", unit=Part.Unit.METRES, list_price=D("0.7500"))
    line = services.salesorder_line_add(order=order, part=salt, quantity="2.125", user=clerk)
    assert line.quantity == D("2.125") and line.subtotal == D("0.68")  # 0.68 = 2.125 x 0.32
    with pytest.raises(LineError, match=r"Rope is counted in metres \(m\) to 2 decimal places"):
        services.salesorder_line_add(order=order, part=rope, quantity="1.005", user=clerk)
    assert order.lines.count() == 1


def test_changing_a_line_to_a_fraction_of_its_unit_is_refused(order, helmet, clerk):
    line = services.salesorder_line_add(order=order, part=helmet, quantity="4", user=clerk)
    with pytest.raises(LineError) as refused:
        services.salesorder_line_update(line=line, quantity="4.5", user=clerk)
    assert "whole pieces (pcs): 4.5 is not allowed" in refused.value.message_dict["quantity"][0]
    line.refresh_from_db()
    assert line.quantity == D("4")


def test_add_line_page_shows_the_unit_refusal_at_the_quantity_field(sales_client, order, helmet):
    response = sales_client.post(
        reverse("salesorders:line-add", args=[order.pk]),
        {"version": order.version, "part": helmet.pk, "quantity": "2.5", "discount_percent": "0"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [
        "Safety helmet is counted in whole pieces (pcs): 2.5 is not allowed."
    ]
    assert not order.lines.exists()


def test_edit_line_page_refuses_a_fraction_at_the_field(sales_client, order, helmet, clerk):
    line = services.salesorder_line_add(order=order, part=helmet, quantity="4", user=clerk)
    order.refresh_from_db()
    response = sales_client.post(
        reverse("salesorders:line-update", args=[order.pk, line.pk]),
        {"version": order.version, "quantity": "3.5", "discount_percent": "0", "unit_price": ""},
    )
    assert response.status_code == 200
    assert "3.5 is not allowed" in response.context["form"].errors["quantity"][0]


# --- service lines -------------------------------------------------------------------------


def test_a_service_line_snapshots_its_type_and_is_delivered_with_date_user_and_history(
    order, installation, clerk
):
    line = services.salesorder_line_add(order=order, part=installation, quantity="6", user=clerk)
    assert line.part_kind == Part.Kind.SERVICE and line.is_service
    order = issued(order, clerk)
    version = order.version
    fitter = UserFactory(username="fitter")
    services.salesorder_line_deliver(line=line, user=fitter, expected_version=version)
    line.refresh_from_db()
    assert line.shipped_quantity == D("6") and line.remaining_quantity == 0
    assert line.delivered_by == fitter and line.delivered_at is not None
    order = SalesOrder.objects.with_delivery_state().get(pk=order.pk)
    assert order.version == version + 1
    assert order.delivery_state == SalesOrder.DeliveryState.SHIPPED
    event = order.events.get(kind=SalesOrderEvent.Kind.SERVICE_DELIVERED)
    assert event.message == "Delivered 6.00 h of SRV-INST-H." and event.user == fitter
    services.salesorder_complete(order=order, user=clerk)
    assert SalesOrder.objects.get(pk=order.pk).status == S.COMPLETE


def test_part_of_a_service_can_be_delivered_and_the_rest_later(order, installation, clerk):
    line = services.salesorder_line_add(order=order, part=installation, quantity="8", user=clerk)
    issued(order, clerk)
    services.salesorder_line_deliver(line=line, user=clerk, quantity="2.5")
    line.refresh_from_db()
    assert line.shipped_quantity == D("2.5") and line.remaining_quantity == D("5.5")
    with pytest.raises(LineError, match="Deliver between 0.01 h and 5.50 h of SRV-INST-H"):
        services.salesorder_line_deliver(line=line, user=clerk, quantity="6")
    with pytest.raises(LineError, match=r"counted in hours \(h\) to 2 decimal places"):
        services.salesorder_line_deliver(line=line, user=clerk, quantity="1.255")
    services.salesorder_line_deliver(line=line, user=clerk)
    line.refresh_from_db()
    assert line.shipped_quantity == D("8")


def test_complete_order_is_refused_while_a_service_line_is_undelivered(
    order, installation, helmet, clerk
):
    services.salesorder_line_add(order=order, part=installation, quantity="2", user=clerk)
    goods = services.salesorder_line_add(order=order, part=helmet, quantity="1", user=clerk)
    issued(order, clerk)
    SalesOrderLine.objects.filter(pk=goods.pk).update(shipped_quantity=1)  # goods went out
    keep_line_flags(order)
    with pytest.raises(OrderStateError) as refused:
        services.salesorder_complete(order=order, user=clerk)
    assert str(refused.value.message) == (
        f"{order.reference} cannot be completed until its service lines are delivered "
        "(SRV-INST-H): use Mark Delivered, or Cancel Remaining for a service that will not be "
        "given."
    )
    assert SalesOrder.objects.get(pk=order.pk).status == S.ISSUED


def test_mark_delivered_is_refused_for_a_stock_line_a_pending_order_and_twice(
    order, installation, helmet, clerk
):
    service = services.salesorder_line_add(order=order, part=installation, quantity="1", user=clerk)
    goods = services.salesorder_line_add(order=order, part=helmet, quantity="1", user=clerk)
    with pytest.raises(OrderStateError, match="services are delivered only on an Issued order"):
        services.salesorder_line_deliver(line=service, user=clerk)
    issued(order, clerk)
    with pytest.raises(LineError, match="is a stock part: it is shipped with a shipment"):
        services.salesorder_line_deliver(line=goods, user=clerk)
    services.salesorder_line_deliver(line=service, user=clerk)
    with pytest.raises(LineError, match="already delivered in full"):
        services.salesorder_line_deliver(line=service, user=clerk)
    goods.refresh_from_db()
    assert goods.shipped_quantity == 0
    assert order.events.filter(kind=SalesOrderEvent.Kind.SERVICE_DELIVERED).count() == 1


def test_deliver_all_services_delivers_every_open_service_line_in_one_history_line(
    order, installation, certificate, helmet, clerk
):
    services.salesorder_line_add(order=order, part=installation, quantity="3.5", user=clerk)
    services.salesorder_line_add(order=order, part=certificate, quantity="1", user=clerk)
    goods = services.salesorder_line_add(order=order, part=helmet, quantity="2", user=clerk)
    issued(order, clerk)
    delivered = services.salesorder_services_deliver(order=order, user=clerk)
    assert {line.part_sku for line in delivered} == {"SRV-INST-H", "SRV-CAL"}
    quantities = dict(order.lines.services().values_list("part_sku", "shipped_quantity"))
    assert quantities == {"SRV-INST-H": D("3.5"), "SRV-CAL": D("1")}
    goods.refresh_from_db()
    assert goods.shipped_quantity == 0
    event = order.events.get(kind=SalesOrderEvent.Kind.SERVICE_DELIVERED)
    assert event.message == "Delivered 3.50 h of SRV-INST-H, 1 pcs of SRV-CAL."
    with pytest.raises(LineError, match="has no service lines left to deliver"):
        services.salesorder_services_deliver(order=order, user=clerk)


def test_mark_delivered_buttons_for_the_warehouse_and_403_for_sales(
    client, warehouse_user, sales_user, order, installation, clerk
):
    line = services.salesorder_line_add(order=order, part=installation, quantity="2", user=clerk)
    order = issued(order, clerk)
    client.force_login(sales_user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Mark Delivered" not in page
    deliver = reverse("salesorders:line-deliver", args=[order.pk, line.pk])
    assert client.post(deliver, {"version": order.version}).status_code == 403
    client.force_login(warehouse_user)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Mark Delivered: all services" in page and f'formaction="{deliver}"' in page
    response = client.post(deliver, {"version": order.version}, follow=True)
    assert "SRV-INST-H marked delivered (2.00 h in all)." in [
        str(m) for m in response.context["messages"]
    ]
    line.refresh_from_db()
    assert line.shipped_quantity == D("2") and line.delivered_by == warehouse_user
    stale = client.post(deliver, {"version": order.version}, follow=True)  # version moved on
    assert any("reload the page" in str(m) for m in stale.context["messages"])


def test_deliver_all_view_delivers_the_services(warehouse_client, order, installation, clerk):
    services.salesorder_line_add(order=order, part=installation, quantity="2", user=clerk)
    order = issued(order, clerk)
    url = reverse("salesorders:services-deliver", args=[order.pk])
    response = warehouse_client.post(url, {"version": order.version}, follow=True)
    assert "Service lines delivered: SRV-INST-H." in [str(m) for m in response.context["messages"]]
    assert order.lines.get().remaining_quantity == 0


# --- fulfilment state and allocation status --------------------------------------------------


def test_fulfilment_state_and_allocation_status_of_each_line(order, installation, clerk):
    covered = PartFactory(sku="COVERED")
    scarce = PartFactory(sku="SCARCE")
    done = PartFactory(sku="DONE")
    StockItemFactory(part=covered, quantity=D("100"))
    scarce_item = StockItemFactory(part=scarce, quantity=D("3"))
    for part, quantity in [(covered, "10"), (scarce, "5"), (done, "2"), (installation, "1")]:
        services.salesorder_line_add(order=order, part=part, quantity=quantity, user=clerk)
    order = issued(order, clerk)
    SalesOrderLine.objects.filter(order=order, part=done).update(shipped_quantity=2)
    keep_line_flags(order)
    line = order.lines.get(part=scarce)
    shipment = shipping_services.shipment_create(order=order, user=clerk)
    shipping_services.allocation_create(
        line=line, stock_item=scarce_item, shipment=shipment, quantity=D("3"), user=clerk
    )
    states = {
        row.part_sku: (row.fulfilment_state, row.allocation_status, row.part_available)
        for row in SalesOrderLine.objects.filter(order=order).with_fulfilment()
    }
    assert states == {
        "COVERED": (F.AVAILABLE, A.SHORT, D("100")),
        "SCARCE": (F.NOT_AVAILABLE, A.PARTIAL, D("0")),  # 2 more needed, none free
        "DONE": (F.COMPLETE, A.READY, D("0")),
        "SRV-INST-H": (F.AVAILABLE, A.READY, D("0")),  # a service needs no stock
    }
    status = SalesOrder.objects.with_allocation_status().get(pk=order.pk).allocation_status
    assert status == A.PARTIAL


def test_order_allocation_status_ready_short_and_services_only(order, installation, clerk):
    services.salesorder_line_add(order=order, part=installation, quantity="1", user=clerk)
    assert SalesOrder.objects.with_allocation_status().get(pk=order.pk).allocation_status == A.READY
    bolt = PartFactory()
    StockItemFactory(part=bolt, quantity=D("10"))
    services.salesorder_line_add(order=order, part=bolt, quantity="4", user=clerk)
    assert SalesOrder.objects.with_allocation_status().get(pk=order.pk).allocation_status == A.SHORT


def test_order_page_shows_fulfilment_and_allocation_and_costs_the_same_for_30_lines(
    sales_client, order, clerk, installation, django_assert_max_num_queries
):
    bolt = PartFactory(sku="BOLT-9")
    StockItemFactory(part=bolt, quantity=D("100"))
    services.salesorder_line_add(order=order, part=bolt, quantity="5", user=clerk)
    services.salesorder_line_add(order=order, part=installation, quantity="1", user=clerk)
    order = issued(order, clerk)
    with CaptureQueriesContext(connection) as small:
        page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "Allocation: Short" in page and ">Available<" in page and ">Service<" in page
    for _ in range(28):
        part = PartFactory()
        StockItemFactory(part=part, quantity=D("1"))
        services.salesorder_line_add(order=order, part=part, quantity="3", user=clerk)
    with django_assert_max_num_queries(len(small)):
        page = sales_client.get(order.get_absolute_url()).content.decode()
    assert ">Not available<" in page
