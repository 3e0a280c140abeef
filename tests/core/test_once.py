"""Submit once: the same submission of a create form or an additive action, sent twice (a
double click, a retry after a cut connection), is done once; the repeat shows the first
result with a note."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.models import OnceToken
from core.once import ALREADY_DONE, once_tokens_prune
from customers.models import Address, Contact, Customer
from inventory.models import Part, StockItem, StockLocation
from salesorders.models import SalesOrder, SalesOrderExtraLine, SalesOrderLine
from shipping.models import Allocation, Shipment
from tests.customers.test_views import ADDRESS_POST, CONTACT_POST, CUSTOMER_POST
from tests.factories import CustomerFactory, PartFactory, SalesOrderFactory
from tests.inventory.test_views import part_post
from tests.shipping.helpers import issued_order, new_shipment, order_line, stock

pytestmark = pytest.mark.django_db
TOKEN = "3f1c0a9be2d84c17a5f6e0b1c2d3e4f5"


def _new_order():
    customer = CustomerFactory()
    return reverse("salesorders:create"), {"customer": customer.pk, "priority": 0}, SalesOrder


def _add_line():
    order = SalesOrderFactory(status=SalesOrder.Status.PENDING)
    data = {"version": order.version, "part": PartFactory().pk, "quantity": "2"}
    data["discount_percent"] = "0"
    return reverse("salesorders:line-add", args=[order.pk]), data, SalesOrderLine


def _extra_line():
    order = SalesOrderFactory(status=SalesOrder.Status.PENDING)
    data = {"version": order.version, "description": "Freight", "quantity": "1"}
    data["unit_price"] = "12.50"
    return reverse("salesorders:extra-add", args=[order.pk]), data, SalesOrderExtraLine


def _new_customer():
    return reverse("customers:customer-create"), dict(CUSTOMER_POST), Customer


def _add_address():
    customer = CustomerFactory()
    url = reverse("customers:address-create", args=[customer.pk])
    return url, dict(ADDRESS_POST), Address


def _add_contact():
    customer = CustomerFactory()
    url = reverse("customers:contact-create", args=[customer.pk])
    return url, dict(CONTACT_POST), Contact


def _new_part():
    return reverse("inventory:part-create"), part_post(), Part


def _receive_stock():
    part, location = PartFactory(), StockLocation.objects.create(name="Bay 9")
    data = {"part": part.pk, "location": location.pk, "quantity": "12", "status": "ok"}
    data.update(received_date="2025-01-15", reference="DN-4411", batch_code="", notes="")
    return reverse("inventory:stockitem-receive"), data, StockItem


def _new_shipment():
    order = issued_order()
    order_line(order)
    url = reverse("shipping:shipment-create", args=[order.pk])
    return url, {"reference": "", "carrier": ""}, Shipment


def _allocate_stock():
    order = issued_order()
    line = order_line(order, quantity="10")
    item = stock(line.part, quantity="8")
    shipment = new_shipment(order)
    url = reverse("shipping:shipment-allocate", args=[order.pk, shipment.pk])
    data = {"line": line.pk, "shipment": shipment.pk, "stock_item": item.pk, "quantity": "3"}
    return url, data, Allocation


FORMS = [
    _new_order,
    _add_line,
    _extra_line,
    _new_customer,
    _add_address,
    _add_contact,
    _new_part,
    _receive_stock,
    _new_shipment,
    _allocate_stock,
]


@pytest.mark.parametrize("form", FORMS, ids=[f.__name__.lstrip("_") for f in FORMS])
def test_the_same_submission_twice_is_done_once_and_shows_the_first_result(manager_client, form):
    url, data, model = form()
    before = model.objects.count()
    data["once_token"] = TOKEN

    first = manager_client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    assert model.objects.count() == before + 1

    again = manager_client.post(url, data, follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    assert ALREADY_DONE in [str(m) for m in again.context["messages"]]
    assert model.objects.count() == before + 1


def test_allocate_stock_sent_twice_allocates_three_not_six(manager_client):
    url, data, _ = _allocate_stock()
    data["once_token"] = TOKEN
    manager_client.post(url, data)
    manager_client.post(url, data)
    assert Allocation.objects.get().quantity == Decimal("3")


def test_a_new_form_is_a_new_submission(manager_client):
    """Two orders entered one after the other (each page load has its own token) are two."""
    url, data, _ = _new_order()
    manager_client.post(url, {**data, "once_token": TOKEN})
    manager_client.post(url, {**data, "once_token": TOKEN[::-1]})
    assert SalesOrder.objects.count() == 2


def test_a_refused_submission_keeps_no_token_so_the_corrected_form_goes_through(
    manager_client,
):
    url, data, _ = _new_customer()
    refused = manager_client.post(url, {**data, "name": "", "once_token": TOKEN})
    assert refused.status_code == 200 and not Customer.objects.exists()
    assert manager_client.post(url, {**data, "once_token": TOKEN}).status_code == 302
    assert Customer.objects.count() == 1


def test_a_token_is_one_users(manager_client, sales_user):
    """Another person's request with the same token is their own submission."""
    url, data, _ = _new_customer()
    manager_client.post(url, {**data, "once_token": TOKEN})
    other = Client()
    other.force_login(sales_user)
    other.post(url, {**data, "name": "Other GmbH", "once_token": TOKEN})
    assert Customer.objects.count() == 2


def test_old_tokens_are_pruned(manager_client):
    url, data, _ = _new_customer()
    manager_client.post(url, {**data, "once_token": TOKEN})
    assert once_tokens_prune() == 0
    OnceToken.objects.update(created_at="2000-01-01T00:00:00Z")
    assert once_tokens_prune() == 1
