"""The admin: lines inline, status read-only, transitions as actions through the services."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from salesorders import services
from salesorders.models import SalesOrder
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_order_change_page_shows_lines_and_keeps_status_read_only(
    manager_client, order, part, clerk
):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    url = reverse("admin:salesorders_salesorder_change", args=[order.pk])
    html = manager_client.get(url).content.decode()
    assert "BOLT-1" in html
    assert 'name="status"' not in html and 'name="total"' not in html
    assert 'name="customer_reference"' in html


def test_admin_actions_run_the_services_and_report_refusals(manager_client, order, part, clerk):
    changelist = reverse("admin:salesorders_salesorder_changelist")
    response = manager_client.post(
        changelist, {"action": "issue_orders", "_selected_action": [order.pk]}, follow=True
    )
    assert "has no lines" in response.content.decode()
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    manager_client.post(changelist, {"action": "issue_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.ISSUED
    assert order.events.filter(kind="issued").exists()
    manager_client.post(changelist, {"action": "cancel_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.CANCELLED


def test_cancelled_order_is_read_only_in_the_admin(manager_client, order, clerk):
    services.salesorder_cancel(order=order, user=clerk)
    url = reverse("admin:salesorders_salesorder_change", args=[order.pk])
    html = manager_client.get(url).content.decode()
    assert 'name="customer_reference"' not in html
    response = manager_client.post(url, {"customer_reference": "changed"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.customer_reference == ""


def header_post(manager_client, order, **changes):
    url = reverse("admin:salesorders_salesorder_change", args=[order.pk])
    form = manager_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "customer": order.customer_id,
            "order_date": order.order_date.isoformat(),
            "target_date": order.target_date.isoformat(),
            "customer_reference": "PO-9",
            "priority": 0,
            "currency": "EUR",
            "lines-TOTAL_FORMS": 0,
            "lines-INITIAL_FORMS": 0,
            "extra_lines-TOTAL_FORMS": 0,
            "extra_lines-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 1,
            "events-INITIAL_FORMS": 1,
            "events-0-id": order.events.order_by("pk").first().pk,
            "events-0-order": order.pk,
        }
    )
    data.pop("salesperson", None)
    data.pop("contact", None)
    data.update(changes)
    return manager_client.post(url, data, follow=True)


def test_admin_header_edit_goes_through_the_service(manager_client, order, clerk):
    response = header_post(manager_client, order, customer_reference="PO-9")
    assert response.redirect_chain, response.context["errors"] if response.context else ""
    assert "was changed successfully" in response.content.decode()
    order.refresh_from_db()
    assert order.customer_reference == "PO-9" and order.version == 2
    assert order.events.filter(kind="updated").exists()


def test_admin_header_edit_refused_by_the_service_says_so_and_changes_nothing(
    manager_client, order
):
    inactive = CustomerFactory(active=False, name="Gone Ltd")
    response = header_post(manager_client, order, customer=inactive.pk, customer_reference="PO-NEW")
    html = response.content.decode()
    assert "Not saved:" in html and "Gone Ltd is inactive" in html
    assert "changed successfully" not in html
    order.refresh_from_db()
    assert order.customer_id != inactive.pk and order.customer_reference == ""
    assert order.version == 1
    assert not LogEntry.objects.filter(object_id=str(order.pk)).exists()


def test_admin_edit_of_an_order_changed_since_it_was_opened_is_refused(
    manager_client, order, clerk
):
    """The admin form carries the version it was opened at, like the order pages."""
    url = reverse("admin:salesorders_salesorder_change", args=[order.pk])
    opened = manager_client.get(url).context["adminform"].form.initial["seen_version"]
    services.salesorder_update(order=order, user=clerk, description="Rush order")
    response = header_post(manager_client, order, customer_reference="PO-LATE", seen_version=opened)
    html = response.content.decode()
    assert "Not saved:" in html and "was changed by" in html
    order.refresh_from_db()
    assert order.customer_reference == "" and order.description == "Rush order"


def browser_extras(order) -> dict:
    """What a browser posts besides the fields: the hidden initial of the order date (a
    field with a callable default)."""
    return {"initial-order_date": order.order_date.isoformat()}


def test_admin_save_without_changes_records_nothing_and_keeps_the_version(
    manager_client, order, clerk
):
    """Browsers post textareas with CRLF line ends: saving the unchanged form is no change
    (no history line, no admin log entry, no CRLF stored, the version others hold stays)."""
    services.salesorder_update(
        order=order,
        user=clerk,
        ship_to="Acme Tools\nDock 4\nBerlin",
        bill_to="Acme Tools\nPO Box 7",
        notes="Ring twice\nthen wait",
    )
    order.refresh_from_db()
    version, events = order.version, order.events.count()
    response = header_post(
        manager_client,
        order,
        customer_reference="",
        **browser_extras(order),
        ship_to="Acme Tools\r\nDock 4\r\nBerlin",
        bill_to="Acme Tools\r\nPO Box 7",
        notes="Ring twice\r\nthen wait",
    )
    assert response.redirect_chain
    order.refresh_from_db()
    assert order.version == version
    assert order.events.count() == events
    assert order.ship_to == "Acme Tools\nDock 4\nBerlin" and "\r" not in order.notes
    assert not LogEntry.objects.filter(object_id=str(order.pk)).exists()


def test_admin_change_records_only_the_fields_that_changed(manager_client, order, clerk):
    services.salesorder_update(order=order, user=clerk, ship_to="Acme Tools\nDock 4")
    order.refresh_from_db()
    response = header_post(
        manager_client,
        order,
        customer_reference="",
        **browser_extras(order),
        ship_to="Acme Tools\r\nDock 4",
        notes="Call first\r\nGate B",
    )
    assert response.redirect_chain
    order.refresh_from_db()
    assert order.notes == "Call first\nGate B"
    assert order.events.order_by("-pk").first().message == "Changed notes."
    entry = LogEntry.objects.get(object_id=str(order.pk))
    assert entry.get_change_message() == "Changed Notes."
