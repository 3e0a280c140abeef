"""The admin helpers: an action that runs a service on each selected row, a refused edit."""

import pytest
from django.contrib import messages
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from core.admin import run_each
from core.exceptions import DomainError
from customers.models import Customer
from salesorders import services as salesorder_services
from salesorders.exceptions import OrderReferenceError
from salesorders.models import SalesOrderSettings
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


class Admin:
    """Stands in for a ModelAdmin: keeps what message_user was told."""

    def __init__(self):
        self.said = []

    def message_user(self, request, message, level=messages.INFO):
        self.said.append((level, message))


def test_run_each_reports_each_refusal_and_counts_the_rest():
    first = CustomerFactory(name="Acme Tools")
    second = CustomerFactory(name="Bolt Co")
    third = CustomerFactory(name="Cog Ltd")
    touched = []

    def service_call(customer):
        if customer.pk == second.pk:
            raise DomainError("It is on credit stop.")
        touched.append(customer.pk)

    admin = Admin()
    done = run_each(admin, None, Customer.objects.all(), service_call, "checked")
    assert done == 2 and touched == [first.pk, third.pk]  # primary-key order
    assert admin.said == [
        (messages.ERROR, f"{second}: It is on credit stop."),
        (messages.SUCCESS, "2 customer(s) checked."),
    ]


def test_run_each_does_not_repeat_the_row_a_refusal_already_names():
    customer = CustomerFactory()

    def refuse(row):
        raise DomainError(f"{row} is already inactive.")

    admin = Admin()
    assert run_each(admin, None, Customer.objects.all(), refuse, "deactivated") == 0
    assert admin.said == [(messages.ERROR, f"{customer} is already inactive.")]


def settings_url(pk=1):
    return reverse("admin:salesorders_salesordersettings_change", args=[pk])


def test_numbering_settings_admin_saves_through_the_service(manager_client):
    SalesOrderSettings.load()
    response = manager_client.post(
        settings_url(), {"reference_pattern": "ORD-{ref:05d}"}, follow=True
    )
    assert "was changed successfully" in response.text
    assert SalesOrderSettings.load().reference_pattern == "ORD-{ref:05d}"


def test_numbering_settings_admin_refused_by_the_service_says_not_saved(
    manager_client, monkeypatch
):
    """The service re-checks under the settings row's lock; its refusal is shown as "Not
    saved: <reason>", and nothing is written (no change, no log entry)."""
    SalesOrderSettings.load()

    def refuse(**kwargs):
        raise OrderReferenceError("The pattern must contain {ref}.")

    monkeypatch.setattr(salesorder_services, "settings_update", refuse)
    response = manager_client.post(
        settings_url(), {"reference_pattern": "ORD-{ref:05d}"}, follow=True
    )
    assert response.redirect_chain == [(settings_url(), 302)]
    assert "Not saved: The pattern must contain {ref}." in response.text
    assert "was changed successfully" not in response.text
    assert SalesOrderSettings.load().reference_pattern == "SO-{ref:04d}"
    assert not LogEntry.objects.exists()


def test_numbering_settings_admin_refuses_an_invalid_pattern_at_the_field(manager_client):
    SalesOrderSettings.load()
    response = manager_client.post(settings_url(), {"reference_pattern": "no number"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reference_pattern"]
    assert SalesOrderSettings.load().reference_pattern == "SO-{ref:04d}"


def test_numbering_settings_admin_creates_the_one_row_through_the_service(manager_client):
    response = manager_client.post(
        reverse("admin:salesorders_salesordersettings_add"),
        {"reference_pattern": "INV-{ref:03d}"},
        follow=True,
    )
    assert "was added successfully" in response.text
    assert list(SalesOrderSettings.objects.values_list("pk", "reference_pattern")) == [
        (1, "INV-{ref:03d}")
    ]
