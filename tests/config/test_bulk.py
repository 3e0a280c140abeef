"""Bulk actions of the order list: each selected order through its own service, the result
page naming what was done and what was refused with the service's sentence; POST only, a
permission per action."""

import pytest
from django.urls import reverse

from invoicing.models import Invoice
from salesorders import services
from salesorders.models import SalesOrder
from tests.factories import CustomerFactory, UserFactory
from tests.invoicing.helpers import make_order, ship

pytestmark = pytest.mark.django_db
Status = SalesOrder.Status
BULK = reverse("salesorders-bulk")


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


def post(client, action: str, orders, **extra):
    data = {"action": action, "select": [o.pk for o in orders], **extra}
    return client.post(BULK, data, follow=True)


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_bulk_issue_of_three_orders_issues_two_and_reports_the_refused_one(sales_client, clerk):
    first = make_order(clerk, issue=False)
    second = make_order(clerk, issue=False)
    empty = services.salesorder_create(customer=CustomerFactory(), user=clerk)
    response = post(sales_client, "issue", [first, empty, second])
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("salesorders-bulk-result")
    assert "2 orders done, 1 refused." in html
    assert f"{first.reference} issued." in html and f"{second.reference} issued." in html
    assert f"{empty.reference} has no lines; add a line item before issuing it." in html
    statuses = dict(SalesOrder.objects.values_list("pk", "status"))
    assert statuses == {first.pk: Status.ISSUED, second.pk: Status.ISSUED, empty.pk: Status.PENDING}


def test_bulk_issue_refuses_an_order_already_issued_with_its_sentence(sales_client, clerk):
    issued = make_order(clerk)
    pending = make_order(clerk, issue=False)
    html = post(sales_client, "issue", [issued, pending]).content.decode()
    assert "1 order done, 1 refused." in html
    assert f"{issued.reference} was already issued" in html


def test_bulk_hold_needs_a_reason_and_holds_nothing_without_one(sales_client, clerk):
    orders = [make_order(clerk), make_order(clerk)]
    response = post(sales_client, "hold", orders, reason="  ")
    assert "say why the selected orders are put on hold" in messages_of(response)
    assert not SalesOrder.objects.filter(status=Status.ON_HOLD).exists()

    html = post(sales_client, "hold", orders, reason="Customer query").content.decode()
    assert "2 orders done, 0 refused." in html
    assert set(SalesOrder.objects.values_list("status", "hold_reason")) == {
        (Status.ON_HOLD, "Customer query")
    }


def test_bulk_actions_are_post_only_and_need_each_action_s_permission(
    client, warehouse_user, sales_user, clerk
):
    order = make_order(clerk, issue=False)
    client.force_login(warehouse_user)
    assert client.get(BULK).status_code == 405
    assert client.post(BULK, {"action": "issue", "select": [order.pk]}).status_code == 403
    assert (
        client.post(BULK, {"action": "hold", "select": [order.pk], "reason": "x"}).status_code
        == 403
    )
    order.refresh_from_db()
    assert order.status == Status.PENDING
    client.force_login(sales_user)
    response = client.post(BULK, {"action": "invoice_shipped", "select": [order.pk]})
    assert response.status_code == 403


def test_bulk_without_a_selection_or_an_action_says_so(sales_client, clerk):
    order = make_order(clerk, issue=False)
    response = sales_client.post(BULK, {"action": "issue"}, follow=True)
    assert "Select the orders first" in messages_of(response)
    response = sales_client.post(BULK, {"select": [order.pk]}, follow=True)
    assert "Choose what to do with the selected orders." in messages_of(response)


def test_the_list_offers_the_actions_each_role_may_use(client, sales_user, warehouse_user):
    url = reverse("salesorders:list")
    client.force_login(sales_user)
    html = client.get(url).content.decode()
    for value in ("issue", "hold", "print", "export"):
        assert f'<option value="{value}"' in html
    assert 'value="invoice_shipped"' not in html and 'name="reason"' in html
    client.force_login(warehouse_user)
    html = client.get(url).content.decode()
    assert '<option value="print"' in html and '<option value="issue"' not in html
    assert 'name="reason"' not in html


def test_export_selected_is_the_list_csv_of_those_orders_only(sales_client, clerk):
    chosen, other, also = (make_order(clerk, issue=False) for _ in range(3))
    response = post(sales_client, "export", [chosen, also])
    csv = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert chosen.reference in csv and also.reference in csv and other.reference not in csv


def test_print_selected_shows_each_confirmation_at_constant_queries(
    sales_client, clerk, django_assert_max_num_queries
):
    orders = [make_order(clerk, issue=False) for _ in range(3)]
    response = post(sales_client, "print", orders[:2])
    html = response.content.decode()
    assert html.count('data-testid="confirmation"') == 2
    assert orders[0].reference in html and orders[2].reference not in html
    url = reverse("salesorders:print-selected")
    ids = ",".join(str(o.pk) for o in orders)
    with django_assert_max_num_queries(7):
        html = sales_client.get(url, {"ids": ids}).content.decode()
    assert html.count('data-testid="confirmation"') == 3


def test_bulk_invoice_shipped_reports_each_order(client, manager_user, clerk):
    shipped, unshipped = make_order(clerk), make_order(clerk)
    ship(shipped, clerk)
    client.force_login(manager_user)
    html = post(client, "invoice_shipped", [shipped, unshipped]).content.decode()
    invoice = Invoice.objects.get()
    assert invoice.order_id == shipped.pk and invoice.status == Invoice.Status.POSTED
    assert "1 order done, 1 refused." in html
    assert f"{invoice} posted for {shipped.reference}." in html
    assert "Nothing is left" in html


def test_the_same_form_may_print_then_export(sales_client, clerk):
    """Print and Export selected write nothing: sending the form again with its token (Back,
    then another action) runs the new action, not a replay of the first."""
    order = make_order(clerk, issue=False)
    data = {"select": [order.pk], "once_token": "a" * 32}
    printed = sales_client.post(BULK, {**data, "action": "print"})
    assert printed["Location"].startswith(reverse("salesorders:print-selected"))
    exported = sales_client.post(BULK, {**data, "action": "export"})
    assert "_export=csv" in exported["Location"]
