"""Quote pages: list, detail, forms, actions, print and PDF; permissions and query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core import pdf
from quotes import services
from quotes.models import SalesQuote
from salesorders.models import SalesOrder
from tests.factories import PartFactory

pytestmark = pytest.mark.django_db


def add_lines(quote, user, count: int) -> None:
    for part in [PartFactory() for _ in range(count)]:
        services.quote_line_add(quote=quote, part=part, quantity=2, user=user)


def test_quote_list_query_count_does_not_grow_with_rows(
    sales_client, customer, clerk, django_assert_max_num_queries
):
    services.quote_create(customer=customer, user=clerk)
    with django_assert_max_num_queries(12) as few:
        response = sales_client.get(reverse("quotes:list"))
    assert response.status_code == 200
    for _ in range(15):
        services.quote_create(customer=customer, user=clerk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = sales_client.get(reverse("quotes:list"))
    assert "SQ-00016" in response.content.decode()


def test_quote_list_filters_by_state_expired_included(sales_client, customer, clerk):
    sent = services.quote_create(customer=customer, user=clerk)
    services.quote_send(quote=sent, user=clerk)
    old = services.quote_create(customer=customer, user=clerk)
    SalesQuote.objects.filter(pk=old.pk).update(quote_date="2020-01-01", valid_until="2020-01-31")
    shown = sales_client.get(reverse("quotes:list"), {"status": "expired"}).context["table"]
    assert [row.record.number for row in shown.rows] == [old.number]
    shown = sales_client.get(reverse("quotes:list"), {"status": "sent"}).context["table"]
    assert [row.record.number for row in shown.rows] == [sent.number]


def test_quote_page_query_count_does_not_grow_with_lines(
    sales_client, quote, clerk, django_assert_max_num_queries
):
    add_lines(quote, clerk, 2)
    with django_assert_max_num_queries(12) as few:
        response = sales_client.get(quote.get_absolute_url())
    assert response.status_code == 200
    add_lines(quote, clerk, 30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = sales_client.get(quote.get_absolute_url())
    html = response.content.decode()
    assert "Make Order" in html and "Mark Sent" in html
    assert html.count('data-testid="line-') == 32


def test_new_quote_page_creates_a_quote(sales_client, customer):
    response = sales_client.post(reverse("quotes:create"), {"customer": customer.pk})
    quote = SalesQuote.objects.get()
    assert response.status_code == 302 and response["Location"] == quote.get_absolute_url()
    assert quote.customer == customer


def test_line_add_page_adds_a_line_and_its_form_has_cancel(sales_client, quote, bolt):
    url = reverse("quotes:line-add", args=[quote.pk])
    page = sales_client.get(url).content.decode()
    assert ">Cancel</a>" in page
    response = sales_client.post(
        url, {"part": bolt.pk, "quantity": "3", "discount_percent": "0", "version": quote.version}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.subtotal == Decimal("7.50")


def test_make_order_posts_and_lands_on_the_new_order(sales_client, quote_with_lines):
    response = sales_client.post(
        reverse("quotes:make-order", args=[quote_with_lines.pk]),
        {"version": quote_with_lines.version},
        follow=True,
    )
    order = SalesOrder.objects.get()
    assert response.redirect_chain[-1][0] == order.get_absolute_url()
    html = response.content.decode()
    assert f"Sales order {order.reference} made from {quote_with_lines.number}." in html
    assert f'Made from quote <a href="{quote_with_lines.get_absolute_url()}">' in html


def test_make_order_of_an_accepted_quote_says_so_and_makes_nothing(
    sales_client, quote_with_lines, clerk
):
    first = services.quote_make_order(quote=quote_with_lines, user=clerk)
    quote_with_lines.refresh_from_db()
    response = sales_client.post(
        reverse("quotes:make-order", args=[quote_with_lines.pk]),
        {"version": quote_with_lines.version},
        follow=True,
    )
    assert f"was already made into order {first}" in response.content.decode()
    assert SalesOrder.objects.count() == 1


def test_decline_confirm_step_then_post(sales_client, quote):
    step = sales_client.get(reverse("quotes:confirm", args=[quote.pk, "decline"]))
    assert step.status_code == 200 and "Decline of" in step.content.decode()
    sales_client.post(reverse("quotes:decline", args=[quote.pk]), {"version": quote.version})
    quote.refresh_from_db()
    assert quote.status == SalesQuote.Status.DECLINED


def test_warehouse_may_not_see_or_change_quotes(client, warehouse_user, quote):
    client.force_login(warehouse_user)
    assert client.get(reverse("quotes:list")).status_code == 403
    assert client.get(quote.get_absolute_url()).status_code == 403
    response = client.post(reverse("quotes:send", args=[quote.pk]), {"version": quote.version})
    assert response.status_code == 403
    quote.refresh_from_db()
    assert quote.status == SalesQuote.Status.DRAFT


def test_nav_shows_quotes_to_sales_only(client, sales_client, warehouse_user):
    assert 'href="/quotes/"' in sales_client.get("/").content.decode()
    client.force_login(warehouse_user)
    assert 'href="/quotes/"' not in client.get("/").content.decode()


def test_print_of_a_draft_says_draft_and_valid_until(sales_client, quote_with_lines):
    html = sales_client.get(reverse("quotes:print", args=[quote_with_lines.pk])).content.decode()
    assert "Sales Quote" in html
    assert f"Valid until: {quote_with_lines.valid_until:%d %b %Y}" in html
    assert 'data-testid="draft-mark"' in html


def test_print_of_a_sent_quote_has_no_draft_mark(sales_client, quote_with_lines, clerk):
    services.quote_send(quote=quote_with_lines, user=clerk)
    html = sales_client.get(reverse("quotes:print", args=[quote_with_lines.pk])).content.decode()
    assert 'data-testid="draft-mark"' not in html and "DRAFT" not in html


@pytest.mark.skipif(not pdf.pdf_available(), reason="WeasyPrint or its libraries are missing")
def test_quote_pdf_is_a_pdf_named_for_the_quote(sales_client, quote_with_lines):
    response = sales_client.get(reverse("quotes:pdf", args=[quote_with_lines.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="quote-{quote_with_lines.number}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2_000


def test_line_edit_and_remove_pages(sales_client, quote_with_lines):
    bolt = quote_with_lines.lines.get(part_sku="BOLT-1")
    url = reverse("quotes:line-update", args=[quote_with_lines.pk, bolt.pk])
    assert ">Cancel</a>" in sales_client.get(url).content.decode()
    sales_client.post(
        url,
        {
            "quantity": "5",
            "unit_price": "2.2000",
            "discount_percent": "0",
            "notes": "",
            "version": quote_with_lines.version,
        },
    )
    bolt.refresh_from_db()
    assert (bolt.quantity, bolt.unit_price, bolt.subtotal) == (
        Decimal("5"),
        Decimal("2.2000"),
        Decimal("11.00"),
    )
    quote_with_lines.refresh_from_db()
    sales_client.post(
        reverse("quotes:line-delete", args=[quote_with_lines.pk, bolt.pk]),
        {"version": quote_with_lines.version},
    )
    assert list(quote_with_lines.lines.values_list("part_sku", flat=True)) == ["NUT-1"]


def test_edit_page_with_a_stale_version_says_so_and_keeps_the_quote(sales_client, quote, clerk):
    seen = quote.version
    services.quote_update(quote=quote, user=clerk, notes="Changed meanwhile")
    response = sales_client.post(
        reverse("quotes:update", args=[quote.pk]),
        {
            "quote_date": quote.quote_date.isoformat(),
            "valid_until": quote.valid_until.isoformat(),
            "notes": "Mine",
            "version": seen,
        },
    )
    assert response.status_code == 200
    assert "since you opened it" in response.content.decode()
    quote.refresh_from_db()
    assert quote.notes == "Changed meanwhile"


def test_pages_of_an_accepted_quote_send_back_with_the_reason(sales_client, quote_with_lines):
    services.quote_make_order(quote=quote_with_lines, user=None)
    response = sales_client.get(reverse("quotes:line-add", args=[quote_with_lines.pk]), follow=True)
    assert "is Accepted, so it cannot be changed" in response.content.decode()
    page = sales_client.get(quote_with_lines.get_absolute_url()).content.decode()
    assert "Add Line Item" not in page and "Make Order" not in page
    assert 'data-testid="made-order"' in page
