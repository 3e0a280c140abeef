"""The quote admin: status and money read-only, actions and edits through the services."""

import pytest
from django.urls import reverse

from quotes import services
from quotes.models import SalesQuote
from salesorders.models import SalesOrder

pytestmark = pytest.mark.django_db


def test_quote_change_page_shows_lines_and_keeps_status_and_money_read_only(
    manager_client, quote_with_lines
):
    url = reverse("admin:quotes_salesquote_change", args=[quote_with_lines.pk])
    html = manager_client.get(url).content.decode()
    assert "BOLT-1" in html
    assert 'name="status"' not in html and 'name="total"' not in html
    assert 'name="valid_until"' in html


def test_admin_actions_run_the_services_and_report_refusals(manager_client, quote_with_lines):
    changelist = reverse("admin:quotes_salesquote_changelist")
    selected = {"_selected_action": [quote_with_lines.pk]}
    manager_client.post(changelist, {"action": "make_order_quotes", **selected})
    quote_with_lines.refresh_from_db()
    assert quote_with_lines.status == SalesQuote.Status.ACCEPTED
    order = SalesOrder.objects.get()
    assert quote_with_lines.order == order
    response = manager_client.post(
        changelist, {"action": "decline_quotes", **selected}, follow=True
    )
    assert f"was already made into order {order}" in response.content.decode()
    assert SalesQuote.objects.get(pk=quote_with_lines.pk).status == SalesQuote.Status.ACCEPTED


def test_admin_edit_goes_through_quote_update_and_bumps_the_version(
    manager_client, quote_with_lines
):
    url = reverse("admin:quotes_salesquote_change", args=[quote_with_lines.pk])
    data = {
        "customer_reference": "RFQ-1",
        "description": "",
        "quote_date": quote_with_lines.quote_date.isoformat(),
        "valid_until": quote_with_lines.valid_until.isoformat(),
        "ship_to": "",
        "bill_to": "",
        "notes": "Held for a month",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "2",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, line in enumerate(quote_with_lines.lines.all()):
        data[f"lines-{index}-id"] = line.pk
        data[f"lines-{index}-quote"] = quote_with_lines.pk
    response = manager_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    quote = SalesQuote.objects.get(pk=quote_with_lines.pk)
    assert (quote.customer_reference, quote.notes) == ("RFQ-1", "Held for a month")
    assert quote.version == quote_with_lines.version + 1


def test_csv_export_names_each_quote_and_its_state(sales_client, quote_with_lines):
    response = sales_client.get(reverse("quotes:list"), {"_export": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("Number,Customer,Status")
    assert f"{quote_with_lines.number},Acme Tools,Draft" in text


def test_an_accepted_quote_is_read_only_in_the_admin(manager_client, quote_with_lines):
    services.quote_make_order(quote=quote_with_lines, user=None)
    url = reverse("admin:quotes_salesquote_change", args=[quote_with_lines.pk])
    html = manager_client.get(url).content.decode()
    assert 'name="valid_until"' not in html and 'name="notes"' not in html
