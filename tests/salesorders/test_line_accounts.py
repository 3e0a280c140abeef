"""Revenue accounts and dimension values on order lines: the default a line takes from its
part (or the settings), changes per line, the refusals, the pages."""

import pytest
from django.urls import reverse

from accounting.models import Account, Dimension, DimensionValue
from salesorders import services
from salesorders.exceptions import LineError
from salesorders.models import PartRevenueAccount, SalesOrderLineDimension, SalesOrderSettings
from tests.factories import PartFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def goods(db):
    return Account.objects.create(code="4000", name="Sales - goods")


@pytest.fixture
def services_account(db):
    return Account.objects.create(code="4100", name="Sales - services")


@pytest.fixture
def department(db):
    dimension = Dimension.objects.create(name="Department")
    for code, name in (("S", "Sales"), ("P", "Projects")):
        DimensionValue.objects.create(dimension=dimension, code=code, name=name)
    return dimension


@pytest.fixture
def region(db):
    dimension = Dimension.objects.create(name="Region")
    DimensionValue.objects.create(dimension=dimension, code="N", name="North")
    return dimension


def value(dimension, name):
    return dimension.values.get(name=name)


def test_a_new_line_books_to_its_parts_account_else_the_settings_default_else_none(
    order, clerk, part, goods, services_account
):
    PartRevenueAccount.objects.create(part=part, account=goods)
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    assert line.revenue_account == goods
    other = PartFactory(sku="NUT-9")
    assert (
        services.salesorder_line_add(
            order=order, part=other, quantity=1, user=clerk
        ).revenue_account
        is None
    )
    SalesOrderSettings.objects.update_or_create(
        pk=1, defaults={"default_revenue_account": services_account}
    )
    third = PartFactory(sku="WASHER-9")
    line = services.salesorder_line_add(order=order, part=third, quantity=1, user=clerk)
    assert line.revenue_account == services_account


def test_a_line_keeps_its_account_when_the_parts_default_changes_later(order, clerk, part, goods):
    mapping = PartRevenueAccount.objects.create(part=part, account=goods)
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    mapping.account = Account.objects.create(code="4200", name="Freight")
    mapping.save()
    line.refresh_from_db()
    assert line.revenue_account == goods


def test_a_line_may_be_booked_elsewhere_with_dimension_values(
    order, clerk, part, goods, services_account, department, region
):
    PartRevenueAccount.objects.create(part=part, account=goods)
    line = services.salesorder_line_add(
        order=order,
        part=part,
        quantity=1,
        user=clerk,
        revenue_account=services_account,
        dimension_values=[value(department, "Sales"), value(region, "North")],
    )
    assert line.revenue_account == services_account
    assert {v.name for v in line.dimension_values.all()} == {"Sales", "North"}
    line = services.salesorder_line_update(
        line=line,
        user=clerk,
        revenue_account=goods,
        dimension_values=[value(department, "Projects")],
    )
    line.refresh_from_db()
    assert line.revenue_account == goods
    assert [v.name for v in line.dimension_values.all()] == ["Projects"]
    message = order.events.filter(kind="line_changed").get().message
    assert "account 4000 Sales - goods" in message and "Department: Projects" in message
    services.salesorder_line_update(line=line, user=clerk, quantity=3)
    assert [v.name for v in line.dimension_values.all()] == ["Projects"]  # UNSET keeps them


def test_two_values_of_one_dimension_are_refused_and_nothing_is_written(
    order, clerk, part, department
):
    with pytest.raises(LineError) as refusal:
        services.salesorder_line_add(
            order=order,
            part=part,
            quantity=1,
            user=clerk,
            dimension_values=[value(department, "Sales"), value(department, "Projects")],
        )
    assert refusal.value.message_dict["dimension_values"] == [
        "A line takes one Department, not both Sales and Projects."
    ]
    assert not order.lines.exists() and not SalesOrderLineDimension.objects.exists()


def test_an_inactive_or_non_revenue_account_and_an_inactive_value_are_refused(
    order, clerk, part, goods, department
):
    receivable = Account.objects.create(code="1200", name="Receivables", type="receivable")
    with pytest.raises(LineError, match="not a revenue account"):
        services.salesorder_line_add(
            order=order, part=part, quantity=1, user=clerk, revenue_account=receivable
        )
    Account.objects.filter(pk=goods.pk).update(active=False)
    with pytest.raises(LineError, match="4000 Sales - goods is inactive"):
        services.salesorder_line_add(
            order=order, part=part, quantity=1, user=clerk, revenue_account=goods
        )
    DimensionValue.objects.filter(name="Sales").update(active=False)
    with pytest.raises(LineError, match="Department: Sales is inactive"):
        services.salesorder_line_add(
            order=order,
            part=part,
            quantity=1,
            user=clerk,
            dimension_values=[value(department, "Sales")],
        )
    assert not order.lines.exists()


def test_a_line_keeps_an_account_that_became_inactive_when_edited(order, clerk, part, goods):
    line = services.salesorder_line_add(
        order=order, part=part, quantity=1, user=clerk, revenue_account=goods
    )
    Account.objects.filter(pk=goods.pk).update(active=False)
    services.salesorder_line_update(line=line, user=clerk, quantity=2, revenue_account=goods)
    line.refresh_from_db()
    assert line.revenue_account == goods and line.quantity == 2


def test_the_settings_default_must_be_an_active_revenue_account(goods):
    receivable = Account.objects.create(code="1200", name="Receivables", type="receivable")
    with pytest.raises(services.SalesOrderError, match="not a revenue account"):
        services.settings_update(
            reference_pattern="SO-{ref:04d}", default_revenue_account=receivable, user=None
        )
    services.settings_update(
        reference_pattern="SO-{ref:04d}", default_revenue_account=goods, user=None
    )
    assert SalesOrderSettings.objects.get().default_revenue_account == goods


# --- pages -----------------------------------------------------------------------------------


def test_add_line_form_books_the_line_and_the_order_page_shows_it(
    sales_client, order, part, goods, services_account, department, region
):
    PartRevenueAccount.objects.create(part=part, account=goods)
    url = reverse("salesorders:line-add", args=[order.pk])
    form = sales_client.get(url).content.decode()
    assert "Revenue account" in form and "Department" in form and "Region" in form
    response = sales_client.post(
        url,
        {
            "version": order.version,
            "part": part.pk,
            "quantity": "2",
            "discount_percent": "0",
            "revenue_account": "",
            f"dimension_{department.pk}": value(department, "Projects").pk,
            f"dimension_{region.pk}": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    line = order.lines.get()
    assert line.revenue_account == goods
    assert [v.name for v in line.dimension_values.all()] == ["Projects"]
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "4000 Sales - goods · Department: Projects" in page


def test_edit_line_page_changes_the_account_and_clears_a_dimension(
    sales_client, order, part, clerk, goods, services_account, department
):
    line = services.salesorder_line_add(
        order=order,
        part=part,
        quantity=1,
        user=clerk,
        revenue_account=goods,
        dimension_values=[value(department, "Sales")],
    )
    order.refresh_from_db()
    url = reverse("salesorders:line-update", args=[order.pk, line.pk])
    form = sales_client.get(url).context["form"]
    assert form.initial["revenue_account"] == str(goods.pk)
    assert form.initial[f"dimension_{department.pk}"] == str(value(department, "Sales").pk)
    response = sales_client.post(
        url,
        {
            "version": order.version,
            "quantity": "1",
            "unit_price": "2.5",
            "discount_percent": "0",
            "revenue_account": services_account.pk,
            f"dimension_{department.pk}": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    line.refresh_from_db()
    assert line.revenue_account == services_account and not line.dimension_values.exists()


def test_the_inline_line_editor_on_the_order_page_offers_the_booking_fields(
    sales_client, order, part, clerk, goods, department
):
    line = services.salesorder_line_add(order=order, part=part, quantity=1, user=clerk)
    page = sales_client.get(order.get_absolute_url(), {"edit": line.pk}).content.decode()
    assert 'name="revenue_account"' in page and f'name="dimension_{department.pk}"' in page


def test_order_page_queries_do_not_grow_with_booked_lines(
    sales_client, order, clerk, goods, department, region, django_assert_max_num_queries
):
    """Accounts and dimension values cost the same queries for 3 lines or 30."""

    def add(count, start):
        for n in range(start, start + count):
            services.salesorder_line_add(
                order=order,
                part=PartFactory(sku=f"P-{n}"),
                quantity=1,
                user=clerk,
                revenue_account=goods,
                dimension_values=[value(department, "Sales"), value(region, "North")],
            )

    add(3, 0)
    with django_assert_max_num_queries(22) as small:  # see test_pages' budget
        sales_client.get(order.get_absolute_url())
    add(27, 3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = sales_client.get(order.get_absolute_url())
    assert response.content.decode().count("Department: Sales") == 30


def test_api_lines_carry_their_account_and_refuse_one_that_is_not_revenue(
    manager_user, order, part, goods, services_account
):
    from tests.api.conftest import BASE, token_client

    api = token_client(manager_user)
    PartRevenueAccount.objects.create(part=part, account=goods)
    url = f"{BASE}/salesOrders/{order.pk}/salesOrderLines"
    created = api.post(url, {"itemId": part.pk, "quantity": "2"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["accountId"] == goods.pk
    line_url = f"{url}/{created.json()['id']}"
    receivable = Account.objects.create(code="1200", name="Receivables", type="receivable")
    refused = api.patch(
        line_url, {"accountId": receivable.pk}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["target"] == "accountId" and "not a revenue account" in error["message"]
    changed = api.patch(
        line_url,
        {"accountId": services_account.pk},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )
    assert changed.status_code == 200 and changed.json()["accountId"] == services_account.pk


def test_an_extra_line_books_to_the_settings_default_or_the_account_chosen(
    sales_client, order, clerk, goods
):
    freight = Account.objects.create(code="4200", name="Freight")
    SalesOrderSettings.objects.update_or_create(pk=1, defaults={"default_revenue_account": goods})
    extra = services.salesorder_extra_line_add(
        order=order, description="Handling", unit_price=5, user=clerk
    )
    assert extra.revenue_account == goods
    order.refresh_from_db()
    url = reverse("salesorders:extra-add", args=[order.pk])
    response = sales_client.post(
        url,
        {
            "version": order.version,
            "description": "Shipping",
            "quantity": "1",
            "unit_price": "15",
            "tax_rate": "",
            "revenue_account": freight.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    shipping = order.extra_lines.get(description="Shipping")
    assert shipping.revenue_account == freight
    page = sales_client.get(order.get_absolute_url()).content.decode()
    assert "4200 Freight" in page
    services.salesorder_extra_line_update(extra=shipping, user=clerk, revenue_account=None)
    shipping.refresh_from_db()
    assert shipping.revenue_account is None
