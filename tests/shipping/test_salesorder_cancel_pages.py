"""Cancel Order and Cancel Remaining from the order page: the table's cancel entry posts to
shipping (`shipping:salesorder-cancel`), which releases the order's reservations first; the
per-line button posts to `shipping:salesorderline-cancel-remaining`. Moved here from
tests/salesorders/test_pages.py when the URLs moved to shipping."""

import pytest
from django.urls import reverse

from salesorders import services
from salesorders.models import SalesOrder
from tests.factories import CustomerFactory, PartFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


@pytest.fixture
def order(clerk):
    return services.salesorder_create(customer=CustomerFactory(name="Acme Tools"), user=clerk)


@pytest.fixture
def part(db):
    return PartFactory(sku="BOLT-1", name="Bolt")


def test_cancel_order_through_the_page(manager_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    order.refresh_from_db()
    html = manager_client.get(order.get_absolute_url()).content.decode()
    confirm = reverse("salesorders:confirm", args=[order.pk, "cancel"])
    assert f'href="{confirm}"' in html
    html = manager_client.get(confirm).content.decode()
    cancel = reverse("shipping:salesorder-cancel", args=[order.pk])
    assert f'action="{cancel}"' in html and "Reason for cancelling" in html
    response = manager_client.post(cancel, {"version": order.version, "reason": "Changed mind"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.CANCELLED
    assert order.events.filter(message__endswith=": Changed mind").exists()


@pytest.mark.parametrize("version", [None, "abc", "-1"])
def test_cancel_without_a_sound_version_is_refused_and_changes_nothing(
    manager_client, order, version
):
    """A hand-crafted POST that leaves out the version could undo someone else's change."""
    data = {"reason": "Dropped"} if version is None else {"version": version, "reason": "x"}
    response = manager_client.post(
        reverse("shipping:salesorder-cancel", args=[order.pk]), data, follow=True
    )
    assert "reload the page" in response.content.decode()
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING and order.version == 1


def test_sales_may_not_cancel(sales_client, order):
    response = sales_client.post(
        reverse("shipping:salesorder-cancel", args=[order.pk]), {"version": order.version}
    )
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.PENDING


def test_cancel_remaining_is_a_button_of_the_one_line_form_on_an_issued_order(
    manager_client, order, part, clerk
):
    line = services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    order.refresh_from_db()
    services.salesorder_issue(order=order, user=clerk, expected_version=order.version)
    html = manager_client.get(order.get_absolute_url()).content.decode()
    cancel = reverse("shipping:salesorderline-cancel-remaining", args=[order.pk, line.pk])
    assert f'form="line-actions" formaction="{cancel}">Cancel Remaining</button>' in html
    order.refresh_from_db()
    response = manager_client.post(cancel, {"version": order.version})
    assert response["Location"] == f"{order.get_absolute_url()}#line-{line.pk}"
    line.refresh_from_db()
    assert line.cancelled_quantity == 4


def test_sales_may_not_cancel_the_remaining_quantity_of_a_line(sales_client, order, part, clerk):
    """Cancelling ordered quantity is a cancellation: managers only, like Cancel Order."""
    line = services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    services.salesorder_issue(order=order, user=clerk)
    order.refresh_from_db()
    cancel = reverse("shipping:salesorderline-cancel-remaining", args=[order.pk, line.pk])
    assert sales_client.post(cancel, {"version": order.version}).status_code == 403
    line.refresh_from_db()
    assert line.cancelled_quantity == 0
