"""The order pages: list, create, order page, line items, actions, print, settings."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.numbers import format_money, money
from salesorders import services
from salesorders.models import SalesOrder, SalesOrderLine, SalesOrderSettings
from tests.factories import CustomerFactory, PartFactory, SalesOrderFactory, SalesOrderLineFactory

pytestmark = pytest.mark.django_db


def test_list_shows_orders_with_badges_and_overdue_highlight(sales_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    past = timezone.localdate() - datetime.timedelta(days=3)
    late = SalesOrderFactory(order_date=past, target_date=past)
    SalesOrderLineFactory(order=late, part=part)
    response = sales_client.get(reverse("salesorders:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert order.reference in html and late.reference in html
    assert "badge-status-pending" in html and "Not shipped" in html
    assert 'class="overdue"' in html
    assert "12.00 EUR" in html  # 4 x 2.50 + 20% tax
    assert reverse("calendar:month") in html
    assert "New Sales Order" in html


def test_list_filters_by_search_status_overdue_and_target_range(sales_client, order, clerk):
    other = SalesOrderFactory(customer_reference="PO-777", status=SalesOrder.Status.ISSUED)
    url = reverse("salesorders:list")
    html = sales_client.get(url, {"q": "PO-777"}).content.decode()
    assert other.reference in html and order.reference not in html
    html = sales_client.get(url, {"status": ["pending"]}).content.decode()
    assert order.reference in html and other.reference not in html
    html = sales_client.get(url, {"overdue": "true"}).content.decode()
    assert order.reference not in html
    day = order.target_date.isoformat()
    html = sales_client.get(
        url, {"target_date_after": day, "target_date_before": day}
    ).content.decode()
    assert order.reference in html and other.reference not in html


def test_list_filter_form_keeps_what_was_asked_and_says_what_is_wrong(sales_client, order):
    """The side column's form shows the filter in use (the box ticked, the text kept) and,
    for a date that is not one, the field's own message beside it."""
    html = sales_client.get(
        reverse("salesorders:list"),
        {"status": ["issued"], "q": "PO-1", "order_date_after": "not-a-date"},
    ).content.decode()
    boxes = {
        re.search(r'value="(\w+)"', tag).group(1): tag
        for tag in re.findall(r'<input type="checkbox" name="status"[^>]*>', html)
    }
    assert "checked" in boxes["issued"] and "checked" not in boxes["pending"]
    for tag in boxes.values():  # each box is named by the label next to it
        box_id = re.search(r'id="([^"]+)"', tag).group(1)
        assert f'<label for="{box_id}"' in html
    assert 'name="q" value="PO-1"' in html
    start = html.index('<legend class="form-label fs-6">Order date</legend>')
    order_date = html[start : html.index("</fieldset>", start)]
    assert 'name="order_date_after" value="not-a-date"' in order_date
    assert 'name="order_date_before"' in order_date
    assert "Enter a valid date." in order_date
    # The hidden field the dashboard's links fill shows no label or help text.
    assert 'name="ids"' in html and "is in" not in html and "separated by commas" not in html


def test_list_customer_filter_takes_a_code_or_part_of_a_name(sales_client):
    acme = CustomerFactory(name="Acme Trading")
    mine, other = SalesOrderFactory(customer=acme), SalesOrderFactory()
    url = reverse("salesorders:list")
    page = sales_client.get(url)
    assert '<input type="text" name="customer"' in page.content.decode()
    for text in (acme.code.lower(), "acme trad", " ACME "):
        rows = sales_client.get(url, {"customer": text}).context["table"].rows
        assert [row.record.pk for row in rows] == [mine.pk], text
    assert other.customer.code != acme.code
    assert list(sales_client.get(url, {"customer": "nobody"}).context["table"].rows) == []


def test_calendar_button_keeps_status_and_customer_filters(sales_client, order):
    html = sales_client.get(
        reverse("salesorders:list"), {"status": "issued", "customer": order.customer.code, "q": "x"}
    ).content.decode()
    assert f'{reverse("calendar:month")}?status=issued&amp;customer={order.customer.code}"' in html


def test_list_exports_csv(sales_client, order):
    response = sales_client.get(reverse("salesorders:list"), {"_export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("Reference,Customer,Customer PO,Status,Delivery")
    assert f"{order.reference},Acme Tools" in body
    assert "Pending,Not shipped" in body


def test_list_refuses_an_export_format_other_than_csv(sales_client, order):
    response = sales_client.get(reverse("salesorders:list"), {"_export": "xlsx"})
    assert response.status_code == 400
    assert "This list exports as CSV only." in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(sales_client, django_assert_max_num_queries):
    SalesOrderFactory.create_batch(3)
    with django_assert_max_num_queries(12) as small:
        sales_client.get(reverse("salesorders:list"))
    SalesOrderFactory.create_batch(60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        sales_client.get(reverse("salesorders:list"))


def test_new_order_form_offers_only_active_customers_and_creates(sales_client, customer):
    inactive = CustomerFactory(name="Gone Ltd", active=False)
    html = sales_client.get(reverse("salesorders:create")).content.decode()
    # The customer box suggests active customers only (and lists none itself).
    assert f'hx-get="{reverse("customers:customer-search")}?active=1"' in html
    assert "Acme Tools" not in html and "Gone Ltd" not in html
    response = sales_client.post(
        reverse("salesorders:create"),
        {"customer": inactive.pk, "priority": 0},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = sales_client.post(
        reverse("salesorders:create"), {"customer": customer.pk, "priority": 0}
    )
    order = SalesOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()


def test_new_order_form_preselects_the_customer_of_the_link(sales_client, customer):
    """?customer=<pk> comes from the customer page; "²" (a digit to str.isdigit) is ignored."""
    page = sales_client.get(reverse("salesorders:create"), {"customer": customer.pk})
    assert page.context["form"]["customer"].value() == customer.pk
    page = sales_client.get(reverse("salesorders:create"), {"customer": "²"})
    assert page.status_code == 200 and page.context["form"]["customer"].value() is None


def test_new_order_refuses_bad_reference_and_target_before_order_date(sales_client, customer):
    response = sales_client.post(
        reverse("salesorders:create"),
        {"customer": customer.pk, "priority": 0, "reference": "ORDER-1"},
    )
    assert "does not match the reference pattern" in response.content.decode()
    response = sales_client.post(
        reverse("salesorders:create"),
        {
            "customer": customer.pk,
            "priority": 0,
            "order_date": "2030-05-10",
            "target_date": "2030-05-01",
        },
    )
    assert "cannot be before the order date" in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_order_page_shows_lines_totals_and_only_allowed_actions(sales_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    html = sales_client.get(order.get_absolute_url()).content.decode()
    assert "Issue Order" in html and "Hold Order" in html
    assert "Cancel Order" not in html  # Sales may not cancel
    assert "Complete Order" not in html and "Release" not in html
    assert "Add Line Item" in html and "BOLT-1" in html and "List price" in html
    assert "Order created for Acme Tools" in html and "Added BOLT-1 x 2 at 2.5" in html


def test_order_page_shows_history_written_by_the_system(sales_client, order):
    """An event with no user (a background job, a data import) reads as "system"."""
    services.salesorder_event_record(
        order=order, kind="note", message="Imported from EDI.", user=None
    )
    response = sales_client.get(order.get_absolute_url())
    assert response.status_code == 200
    assert "system</span> — Imported from EDI." in response.content.decode()


def test_manager_sees_cancel_and_warehouse_sees_no_edit_buttons(
    manager_client, order, part, clerk, client, warehouse_user
):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    assert "Cancel Order" in manager_client.get(order.get_absolute_url()).content.decode()
    client.force_login(warehouse_user)
    html = client.get(order.get_absolute_url()).content.decode()
    assert "Issue Order" not in html and "Add Line Item" not in html


def add_stored_lines(order, count: int) -> list[SalesOrderLine]:
    """`count` lines as stored, sort order 1..count, without the services (fast)."""
    parts = PartFactory.create_batch(count, default_tax_rate=None)
    return SalesOrderLine.objects.bulk_create(
        SalesOrderLine(
            order=order,
            part=p,
            part_name=p.name,
            part_sku=p.sku,
            unit=p.unit,
            quantity=Decimal("1"),
            unit_price=p.list_price,
            subtotal=p.list_price,
            total=p.list_price,
            sort_order=number,
        )
        for number, p in enumerate(parts, start=1)
    )


def shown_skus(response) -> list[str]:
    return [line.part_sku for line in response.context["lines"]]


def test_order_page_query_count_does_not_grow_with_lines(
    sales_client, order, django_assert_max_num_queries
):
    """5 lines, 105 (two pages of them) or 250 (three), the order page costs the same
    queries, but for the two that a one-page order reads off the lines it shows (its tax
    notes and cancelled value). A Pending order asks the approval gate too: five of them."""
    add_stored_lines(order, 5)
    # The first view caches the content types the attachments and the approval rules name,
    # once per process: what a test run happens to have cached must not count.
    sales_client.get(order.get_absolute_url())
    # 20 for a Pending order: its sections (attachments, emails, dimension values, invoices)
    # and the approval gate (rules, credit) each cost a fixed number, whatever the lines.
    with django_assert_max_num_queries(20) as short:
        sales_client.get(order.get_absolute_url())
    add_stored_lines(order, 100)
    with django_assert_max_num_queries(len(short.captured_queries) + 2) as long:
        sales_client.get(order.get_absolute_url())
    add_stored_lines(order, 145)
    for params in ({}, {"lines_page": 3}):
        with django_assert_max_num_queries(len(long.captured_queries)):
            response = sales_client.get(order.get_absolute_url(), params)
        assert response.status_code == 200


def test_order_page_shows_100_lines_a_page_and_links_to_the_rest(sales_client, order):
    """150 lines: the first 100 in sort order, the count of all, and a link to lines 101-150;
    the totals are the order's stored totals on every page, not sums of the page."""
    lines = add_stored_lines(order, 150)
    SalesOrder.objects.filter(pk=order.pk).update(
        subtotal=Decimal("9876.50"), tax_total=Decimal("0"), total=Decimal("9876.50")
    )
    skus = [line.part_sku for line in lines]
    response = sales_client.get(order.get_absolute_url())
    html = response.content.decode()
    assert shown_skus(response) == skus[:100]
    assert html.count('data-testid="line-') == 100
    assert 'data-testid="lines-count">150<' in html
    assert 'href="?lines_page=2"' in html and "Page 1 of 2" in html and "Lines 1–100 of 150" in html
    assert 'data-testid="total">9,876.50 EUR<' in html

    response = sales_client.get(order.get_absolute_url(), {"lines_page": 2})
    html = response.content.decode()
    assert shown_skus(response) == skus[100:]
    assert "Lines 101–150 of 150" in html and 'href="?lines_page=1"' in html
    assert 'data-testid="total">9,876.50 EUR<' in html


def test_line_pages_keep_other_query_params_and_forgive_bad_page_numbers(sales_client, order):
    lines = add_stored_lines(order, 250)
    url = order.get_absolute_url()
    html = sales_client.get(url, {"from": "calendar", "lines_page": 2}).content.decode()
    assert 'href="?from=calendar&amp;lines_page=3"' in html
    assert 'href="?from=calendar&amp;lines_page=1"' in html
    assert shown_skus(sales_client.get(url, {"lines_page": 99}))[-1] == lines[-1].part_sku
    assert shown_skus(sales_client.get(url, {"lines_page": "x"}))[0] == lines[0].part_sku


def test_order_page_edits_one_line_inline_with_no_form_per_line(sales_client, order):
    """Each row has an Edit link (the form opens in the line's place) and a Remove button; the
    page carries one CSRF token for all of them (and one per order action), however many
    lines there are."""
    lines = add_stored_lines(order, 3)
    html = sales_client.get(order.get_absolute_url()).content.decode()
    tokens_for_3 = html.count("csrfmiddlewaretoken")
    for line in lines:
        edit = f"?lines_page=1&amp;edit={line.pk}#line-{line.pk}"
        remove = reverse("salesorders:line-delete", args=[order.pk, line.pk])
        assert f'href="{edit}">Edit</a>' in html
        assert f'form="line-actions" formaction="{remove}">Remove</button>' in html
    assert html.count('name="quantity"') == 1  # the line entry row's, none per line
    add_stored_lines(order, 120)
    html = sales_client.get(order.get_absolute_url()).content.decode()
    assert html.count("csrfmiddlewaretoken") == tokens_for_3

    second = lines[1]
    html = sales_client.get(order.get_absolute_url(), {"edit": second.pk}).content.decode()
    action = reverse("salesorders:line-update", args=[order.pk, second.pk])
    assert html.count('name="quantity"') == 2  # the line's and the line entry row's
    assert f'action="{action}"' in html and f'aria-label="Edit line {second.part_sku}"' in html
    assert f'name="version" value="{order.version}"' in html
    saved = sales_client.post(
        action,
        {"version": order.version, "quantity": "7", "discount_percent": "0", "tax_rate": ""},
    )
    assert saved.status_code == 302 and saved["Location"].endswith(f"#line-{second.pk}")
    second.refresh_from_db()
    assert second.quantity == 7


def test_issue_hold_release_through_the_pages(manager_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    order.refresh_from_db()
    url = order.get_absolute_url()
    manager_client.post(reverse("salesorders:issue", args=[order.pk]), {"version": order.version})
    order.refresh_from_db()
    assert order.status == "issued"
    response = manager_client.post(
        reverse("salesorders:hold", args=[order.pk]), {"version": order.version, "reason": ""}
    )
    assert "Say why the order is put on hold" in manager_client.get(url).content.decode()
    order.refresh_from_db()
    assert order.status == "issued"
    manager_client.post(
        reverse("salesorders:hold", args=[order.pk]),
        {"version": order.version, "reason": "Credit check"},
    )
    order.refresh_from_db()
    assert order.status == "on_hold" and order.hold_reason == "Credit check"
    response = manager_client.post(
        reverse("salesorders:release", args=[order.pk]), {"version": order.version}, follow=True
    )
    assert f"{order.reference} released." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "issued"


def test_hand_crafted_illegal_transition_is_refused_with_a_message(manager_client, order):
    response = manager_client.post(
        reverse("salesorders:complete", args=[order.pk]), {"version": order.version}, follow=True
    )
    assert response.status_code == 200
    assert "cannot be completed" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize("version", [None, "abc", "-1"])
def test_action_without_a_sound_version_is_refused_and_changes_nothing(
    manager_client, order, version
):
    """A hand-crafted POST that leaves out the version could undo someone else's change."""
    data = {"reason": "Dropped"} if version is None else {"version": version, "reason": "x"}
    response = manager_client.post(reverse("salesorders:hold", args=[order.pk]), data, follow=True)
    assert "reload the page" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "pending" and order.version == 1


def test_header_edit_without_version_is_refused(sales_client, order):
    response = sales_client.post(
        reverse("salesorders:update", args=[order.pk]),
        {
            "customer": order.customer_id,
            "order_date": order.order_date.isoformat(),
            "currency": order.currency,
            "priority": 0,
            "description": "Overwritten",
        },
    )
    assert response.status_code == 200
    assert "missing the order&#x27;s version" in response.content.decode()
    order.refresh_from_db()
    assert order.description != "Overwritten"


def test_sales_may_not_complete(sales_client, order):
    assert sales_client.post(reverse("salesorders:complete", args=[order.pk])).status_code == 403
    assert sales_client.get(reverse("salesorders:issue", args=[order.pk])).status_code == 405


def test_stale_edit_is_refused_with_who_and_when(sales_client, order, part, clerk):
    stale_version = order.version
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    response = sales_client.post(
        reverse("salesorders:update", args=[order.pk]),
        {
            "version": stale_version,
            "customer": order.customer_id,
            "order_date": order.order_date.isoformat(),
            "currency": "EUR",
            "priority": 5,
            "description": "overwrite",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "was changed by Clara Clerk at" in html and "reload" in html
    order.refresh_from_db()
    assert order.description == "" and order.priority == 0


def test_add_line_page_prices_by_break_and_offers_to_edit_a_duplicate(
    sales_client, order, part_with_break
):
    url = reverse("salesorders:line-add", args=[order.pk])
    data = {"version": order.version, "part": part_with_break.pk, "quantity": "150"}
    data["discount_percent"] = "0"
    response = sales_client.post(url, data)
    assert response.status_code == 302
    line = order.lines.get()
    assert line.unit_price == Decimal("0.8000") and line.price_source_label.startswith(
        "Price break"
    )
    order.refresh_from_db()
    data["version"] = order.version
    response = sales_client.post(url, data)
    html = response.content.decode()
    assert "already on this order" in html
    assert reverse("salesorders:line-update", args=[order.pk, line.pk]) in html


def test_add_line_refuses_bad_quantity_and_discount(sales_client, order, part):
    url = reverse("salesorders:line-add", args=[order.pk])
    for quantity, discount, message in [
        ("0", "0", "greater than or equal to 0.0001"),
        ("abc", "0", "Enter a number"),
        ("1", "150", "less than or equal to 100"),
    ]:
        response = sales_client.post(
            url,
            {
                "version": order.version,
                "part": part.pk,
                "quantity": quantity,
                "discount_percent": discount,
            },
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not order.lines.exists()


def test_line_edit_page_shows_the_line_and_saves_back_to_its_place_on_the_order_page(
    sales_client, order, part, clerk
):
    line = services.salesorder_line_add(order=order, part=part, quantity=10, user=clerk)
    order.refresh_from_db()
    url = reverse("salesorders:line-update", args=[order.pk, line.pk])
    html = sales_client.get(url).content.decode()
    assert "Edit line BOLT-1" in html and 'value="10"' in html and "Keep current" in html
    assert (
        f'href="{order.get_absolute_url()}#line-{line.pk}" data-testid="form-cancel">Cancel' in html
    )
    response = sales_client.post(
        url,
        {
            "version": order.version,
            "quantity": "12",
            "unit_price": "3",
            "discount_percent": "10",
            "tax_rate": "none",
            "notes": "Blue ones",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{order.get_absolute_url()}#line-{line.pk}"
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.quantity, line.unit_price, line.discount_percent) == (12, 3, 10)
    assert line.tax_name == "" and line.notes == "Blue ones"
    assert order.total == Decimal("32.40")  # 12 x 3.00 less 10%, no tax


def test_line_actions_return_to_the_page_of_lines_they_were_on(sales_client, order):
    lines = add_stored_lines(order, 150)
    order.refresh_from_db()
    second_page = f"{order.get_absolute_url()}?lines_page=2"
    line = lines[120]
    response = sales_client.post(
        reverse("salesorders:line-update", args=[order.pk, line.pk]),
        {"version": order.version, "quantity": "2", "unit_price": "1", "discount_percent": "0"},
    )
    assert response["Location"] == f"{second_page}#line-{line.pk}"
    assert (
        f'href="{second_page}#line-{line.pk}" data-testid="form-cancel">Cancel'
        in sales_client.get(
            reverse("salesorders:line-update", args=[order.pk, line.pk])
        ).content.decode()
    )
    order.refresh_from_db()
    response = sales_client.post(
        reverse("salesorders:line-delete", args=[order.pk, line.pk]), {"version": order.version}
    )
    assert response["Location"] == second_page
    assert not SalesOrderLine.objects.filter(pk=line.pk).exists()


def test_sales_are_not_offered_cancel_remaining(sales_client, order, part, clerk):
    """Cancelling ordered quantity is a cancellation: managers only, like Cancel Order
    (the refused POST is tested with shipping's Cancel Remaining view)."""
    services.salesorder_line_add(order=order, part=part, quantity=4, user=clerk)
    services.salesorder_issue(order=order, user=clerk)
    order.refresh_from_db()
    assert "Cancel Remaining" not in sales_client.get(order.get_absolute_url()).content.decode()


def test_release_records_the_note_given_with_it(manager_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    services.salesorder_hold(order=order, reason="Credit check", user=clerk)
    order.refresh_from_db()
    html = manager_client.get(order.get_absolute_url()).content.decode()
    confirm = reverse("salesorders:confirm", args=[order.pk, "release"])
    assert f'href="{confirm}">Release with a note…' in html
    assert "Note on the release" in manager_client.get(confirm).content.decode()
    manager_client.post(
        reverse("salesorders:release", args=[order.pk]),
        {"version": order.version, "reason": "Paid in advance"},
    )
    order.refresh_from_db()
    assert order.status == "issued"
    assert order.events.filter(message="Released from hold: Paid in advance").exists()


def test_a_line_too_large_to_store_is_refused_at_the_field_not_a_server_error(
    sales_client, order, part
):
    response = sales_client.post(
        reverse("salesorders:line-add", args=[order.pk]),
        {
            "version": order.version,
            "part": part.pk,
            "quantity": "99999999",
            "unit_price": "9999999",
            "discount_percent": "0",
        },
    )
    assert response.status_code == 200
    assert "more than a line can hold" in response.content.decode()
    assert not order.lines.exists()


def test_line_edit_keeps_the_suggested_price_when_only_quantity_changes(
    sales_client, order, part_with_break, clerk
):
    line = services.salesorder_line_add(order=order, part=part_with_break, quantity=10, user=clerk)
    order.refresh_from_db()
    response = sales_client.post(
        reverse("salesorders:line-update", args=[order.pk, line.pk]),
        {"version": order.version, "quantity": "100", "unit_price": "1", "discount_percent": "0"},
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.unit_price == Decimal("0.8") and not line.price_overridden


def test_remove_line_and_extra_lines_through_pages(sales_client, order, part, clerk):
    line = services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    order.refresh_from_db()
    sales_client.post(
        reverse("salesorders:extra-add", args=[order.pk]),
        {
            "version": order.version,
            "description": "Shipping",
            "quantity": "1",
            "unit_price": "12.50",
        },
    )
    order.refresh_from_db()
    assert order.total == Decimal("18.50")  # 2 x 2.50 + 20% tax + 12.50 shipping
    sales_client.post(
        reverse("salesorders:line-delete", args=[order.pk, line.pk]), {"version": order.version}
    )
    order.refresh_from_db()
    assert order.line_count == 0 and order.total == Decimal("12.50")


def test_print_view_is_an_order_confirmation(sales_client, order, part, clerk):
    services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    html = sales_client.get(reverse("salesorders:print", args=[order.pk])).content.decode()
    assert "Order confirmation" in html and order.reference in html and "BOLT-1" in html
    assert "navbar" not in html


def test_settings_page_is_for_managers_and_refuses_bad_patterns(client, sales_user, manager_user):
    url = reverse("salesorders:settings")
    client.force_login(sales_user)
    assert client.get(url).status_code == 403
    client.force_login(manager_user)
    manager_client = client
    response = manager_client.post(url, {"reference_pattern": "SO-{number}"})
    assert "may only contain" in response.content.decode()
    response = manager_client.post(url, {"reference_pattern": "{date:%Y}-{ref:05d}"})
    assert response.status_code == 302
    assert SalesOrderSettings.load().reference_pattern == "{date:%Y}-{ref:05d}"


def test_dashboard_counts_open_overdue_and_due_this_week(sales_client):
    today = timezone.localdate()
    SalesOrderFactory(target_date=today + datetime.timedelta(days=2), total=Decimal("100"))
    late = SalesOrderFactory(
        order_date=today - datetime.timedelta(days=9),
        target_date=today - datetime.timedelta(days=1),
        total=Decimal("50"),
    )
    SalesOrderLineFactory(order=late)
    SalesOrderFactory(status=SalesOrder.Status.COMPLETE)
    html = sales_client.get("/").content.decode()
    assert 'data-testid="open-count">2<' in html
    assert 'data-testid="overdue-count">1<' in html
    assert 'data-testid="due-count">1<' in html
    assert "150.00 EUR" in html


def test_customer_partial_lists_latest_orders_and_links_to_filtered_list(
    sales_client, order, django_assert_max_num_queries
):
    from django.template import Context, Template
    from django.test import RequestFactory

    SalesOrderFactory.create_batch(12, customer=order.customer)
    template = Template(
        '{% include "salesorders/partials/customer_orders.html" with customer=customer %}'
    )
    request = RequestFactory().get("/")
    with django_assert_max_num_queries(5):  # and the credit panel: its sum, its orders
        html = template.render(Context({"customer": order.customer, "request": request}))
    assert f"?customer={order.customer.code}" in html
    assert "13 open" in html
    assert html.count("badge-status-") == 10


def test_line_pages_of_a_closed_order_go_back_to_the_order_with_the_reason(
    sales_client, order, part, clerk
):
    line = services.salesorder_line_add(order=order, part=part, quantity=2, user=clerk)
    services.salesorder_cancel(order=order, user=clerk)
    for url in (
        reverse("salesorders:line-add", args=[order.pk]),
        reverse("salesorders:line-update", args=[order.pk, line.pk]),
    ):
        response = sales_client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == order.get_absolute_url()
        assert "is Cancelled, so its lines cannot be changed" in response.content.decode()


def test_a_fully_shipped_open_order_is_not_overdue_anywhere(sales_client, part):
    """Overdue is open, past the target date and something still to ship: an order shipped in
    full but not yet completed is neither in "overdue only", nor red, nor counted."""
    past = timezone.localdate() - datetime.timedelta(days=3)
    late = SalesOrderFactory(order_date=past, target_date=past, status=SalesOrder.Status.ISSUED)
    SalesOrderLineFactory(order=late, part=part, quantity=Decimal("4"))
    shipped = SalesOrderFactory(
        order_date=past, target_date=past, status=SalesOrder.Status.ISSUED, customer=late.customer
    )
    SalesOrderLineFactory(
        order=shipped, part=part, quantity=Decimal("4"), shipped_quantity=Decimal("4")
    )
    listed = sales_client.get(reverse("salesorders:list"), {"overdue": "true"}).content.decode()
    assert late.reference in listed and shipped.reference not in listed
    full_list = sales_client.get(reverse("salesorders:list")).content.decode()
    assert full_list.count('class="overdue"') == 1
    assert 'data-testid="overdue-count">1<' in sales_client.get("/").content.decode()
    card = sales_client.get(late.customer.get_absolute_url()).content.decode()
    assert card.count('title="Overdue"') == 1
    page = sales_client.get(shipped.get_absolute_url()).content.decode()
    assert ">Overdue</span>" not in page
    page = sales_client.get(late.get_absolute_url()).content.decode()
    assert ">Overdue</span>" in page


def test_add_line_page_save_and_add_another_comes_back_to_an_empty_add_page(
    sales_client, order, part
):
    url = reverse("salesorders:line-add", args=[order.pk])
    assert "Save and add another" in sales_client.get(url).content.decode()
    data = {"version": order.version, "part": part.pk, "quantity": "2", "discount_percent": "0"}
    response = sales_client.post(url, {**data, "add_another": "Save and add another"})
    assert response.status_code == 302 and response["Location"] == url
    assert order.lines.count() == 1


def test_order_page_line_rows_show_what_people_typed_as_text(sales_client, order):
    """A part name, a line note and a price source with markup in them read as typed on the
    order page's line rows; nothing of them becomes markup."""
    line = add_stored_lines(order, 1)[0]
    SalesOrderLine.objects.filter(pk=line.pk).update(
        part_name="Bolt <b>M8</b>",
        notes='Ask "Jo" & <script>alert(1)</script>',
        price_source_label="<i>Agreed</i>",
    )
    html = sales_client.get(order.get_absolute_url()).content.decode()
    row = html[html.index(f'<tr id="line-{line.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Bolt &lt;b&gt;M8&lt;/b&gt;" in row
    assert "Ask &quot;Jo&quot; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert "&lt;i&gt;Agreed&lt;/i&gt;" in row
    assert "<script>" not in row and "<b>" not in row and "<i>" not in row


def test_list_with_two_statuses_ticked_shows_each_matching_order_once(sales_client, order):
    issued = SalesOrderFactory(status=SalesOrder.Status.ISSUED, customer=order.customer)
    SalesOrderFactory(status=SalesOrder.Status.CANCELLED, customer=order.customer)
    response = sales_client.get(
        reverse("salesorders:list"),
        {"status": ["pending", "issued"], "customer": order.customer.code},
    )
    shown = [row.record.pk for row in response.context["table"].paginated_rows]
    assert sorted(shown) == sorted([order.pk, issued.pk])


@pytest.mark.parametrize("status", [SalesOrder.Status.ISSUED, SalesOrder.Status.CANCELLED])
def test_a_one_page_orders_totals_box_values_what_was_cancelled(sales_client, order, status):
    """4 lines of quantity 1: one shipped, one cancelled, one half of each. An open order's
    box shows the cancelled one and a half lines' value; a cancelled order's shows what was
    shipped and counts everything else as cancelled."""
    lines = add_stored_lines(order, 4)
    changes = [
        {"shipped_quantity": Decimal("1")},
        {"cancelled_quantity": Decimal("1")},
        {"shipped_quantity": Decimal("0.5"), "cancelled_quantity": Decimal("0.5")},
    ]
    for line, change in zip(lines, changes, strict=False):
        SalesOrderLine.objects.filter(pk=line.pk).update(**change)
    total = Decimal("500.00")
    SalesOrder.objects.filter(pk=order.pk).update(status=status, total=total)
    html = sales_client.get(order.get_absolute_url()).content.decode()
    half = money(lines[2].total / 2)
    shipped = lines[0].total + half
    if status == SalesOrder.Status.CANCELLED:
        cancelled = total - shipped
        assert f'data-testid="shipped-value">{format_money(shipped, order.currency)}<' in html
    else:
        cancelled = lines[1].total + half
        net = format_money(total - cancelled, order.currency)
        assert f'data-testid="net-total">{net}<' in html
    assert f'data-testid="cancelled-value">−{format_money(cancelled, order.currency)}<' in html


def test_a_long_orders_totals_box_counts_the_lines_beyond_the_page(sales_client, order):
    """105 lines: the tax note and the cancelled value of a line on the second page show
    on the first."""
    lines = add_stored_lines(order, 105)
    SalesOrderLine.objects.filter(pk=lines[-1].pk).update(
        cancelled_quantity=Decimal("1"), tax_note="Exempt under article 146."
    )
    html = sales_client.get(order.get_absolute_url()).content.decode()
    assert f'data-testid="line-{lines[-1].part_sku}"' not in html  # on page 2
    assert '<p class="small mt-2 mb-0" data-testid="tax-note">Exempt under article 146.</p>' in html
    cancelled = format_money(lines[-1].total, order.currency)
    assert f'data-testid="cancelled-value">−{cancelled}<' in html
