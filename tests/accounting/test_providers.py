"""The accounting provider clients (Xero, QuickBooks Online) against a fake provider over
real HTTP: what each answer becomes (a result, Retryable, Permanent), the token refresh, and
the rate limit shared through the database."""

from datetime import UTC, datetime

import pytest

from accounting.models import ProviderToken
from accounting.providers import Permanent, PushResult, Retryable, provider_client, rate_limit_take
from tests.accounting.fake_provider import (
    FakeProvider,
    Planned,
    connect,
    quickbooks_validation_error,
    xero_validation_error,
)

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "number": "INV-00001",
    "date": "2026-12-01",
    "due_date": "2026-12-31",
    "currency": "EUR",
    "currency_rate": "1",
    "reference": "PO-7",
    "prices_include_tax": False,
    "customer": {"code": "C-1", "name": "Acme GmbH", "tax_number": ""},
    "lines": [
        {
            "description": "Widget",
            "sku": "W-1",
            "quantity": "10.0000",
            "unit_price": "9.9900",
            "discount_percent": "0.00",
            "tax_name": "VAT 19%",
            "tax_percent": "19.000",
            "tax_amount": "18.98",
            "amount": "99.90",
            "account_code": "4000",
        }
    ],
    "subtotal": "99.90",
    "tax_total": "18.98",
    "total": "118.88",
}


@pytest.fixture(params=["xero", "quickbooks"])
def fake(request, settings):
    fake = FakeProvider(request.param).start()
    connect(settings, fake, timeout=1)
    yield fake
    fake.stop()


def test_a_pushed_invoice_comes_back_with_the_providers_id_and_number(fake):
    result = provider_client().push_invoice(PAYLOAD, "key-1")
    assert result == PushResult("101", "INV-00001")
    assert list(fake.invoices) == ["key-1"]
    body = fake.invoices["key-1"]["body"]
    if fake.flavor == "xero":
        assert body["Contact"]["Name"] == "Acme GmbH"
        assert body["LineItems"][0]["UnitAmount"] == "9.9900"
        assert body["Status"] == "AUTHORISED"
    else:
        assert body["CustomerRef"] == {"value": "C-1", "name": "Acme GmbH"}
        assert body["Line"][0]["SalesItemLineDetail"]["Qty"] == "10.0000"


def test_the_same_idempotency_key_twice_is_one_invoice_at_the_provider(fake):
    first = provider_client().push_invoice(PAYLOAD, "key-1")
    second = provider_client().push_invoice(PAYLOAD, "key-1")
    assert first == second
    assert len(fake.invoices) == 1
    assert [r["key"] for r in fake.writes()] == ["key-1", "key-1"]


def test_a_duplicate_number_under_another_key_is_the_invoice_already_there(fake):
    first = provider_client().push_invoice(PAYLOAD, "key-1")
    again = provider_client().push_invoice(PAYLOAD, "key-2")
    assert again.external_id == first.external_id
    assert len(fake.by_number) == 1


def test_a_validation_error_is_permanent_with_the_providers_message(fake):
    message = "Account code '4000' is not a valid code for this document."
    body = (
        xero_validation_error(message)
        if fake.flavor == "xero"
        else quickbooks_validation_error(message)
    )
    fake.plan(Planned(status=400, body=body))
    with pytest.raises(Permanent) as error:
        provider_client().push_invoice(PAYLOAD, "key-1")
    assert message in str(error.value)
    assert fake.invoices == {}


def test_an_expired_token_is_refreshed_once_and_the_call_repeated(fake):
    fake.expire_token()
    result = provider_client().push_invoice(PAYLOAD, "key-1")
    assert result.external_id == "101"
    assert fake.refreshes == 1
    token = ProviderToken.objects.get(provider=fake.flavor)
    assert (token.access_token, token.refresh_token) == (fake.access_token, fake.refresh_token)
    assert token.refresh_token == "refresh-2"


def test_a_refused_refresh_token_is_permanent(fake):
    fake.expire_token()
    ProviderToken.objects.filter(provider=fake.flavor).update(refresh_token="revoked")
    with pytest.raises(Permanent, match="refused the refresh token"):
        provider_client().push_invoice(PAYLOAD, "key-1")


@pytest.mark.parametrize("retry_after", ["120", None])
def test_429_is_retryable_no_earlier_than_retry_after(fake, retry_after):
    headers = {"Retry-After": retry_after} if retry_after else {}
    fake.plan(Planned(status=429, body={"Title": "Too many"}, headers=headers))
    with pytest.raises(Retryable) as error:
        provider_client().push_invoice(PAYLOAD, "key-1")
    assert error.value.retry_after == (120.0 if retry_after else None)


def test_a_server_error_is_retryable(fake):
    fake.plan(Planned(status=503, body={"Message": "down for maintenance"}))
    with pytest.raises(Retryable, match="503"):
        provider_client().push_invoice(PAYLOAD, "key-1")


def test_no_answer_in_time_is_retryable_and_the_retry_gets_the_same_invoice(fake):
    fake.plan(Planned(delay=2))  # kept at the provider, answered after our 1 s timeout
    with pytest.raises(Retryable, match="did not answer"):
        provider_client().push_invoice(PAYLOAD, "key-1")
    assert provider_client().push_invoice(PAYLOAD, "key-1").external_id == "101"
    assert len(fake.invoices) == 1


def test_an_unreachable_provider_is_retryable(settings, fake):
    settings.ACCOUNTING_BASE_URL = "http://127.0.0.1:9"  # nothing listens on discard
    with pytest.raises(Retryable, match="could not be reached"):
        provider_client().push_invoice(PAYLOAD, "key-1")


def test_the_idempotency_key_travels_as_each_provider_wants_it(fake):
    provider_client().push_invoice(PAYLOAD, "key-9")
    write = fake.writes()[0]
    if fake.flavor == "xero":
        assert write["path"] == "/api.xro/2.0/Invoices" and write["method"] == "PUT"
    else:
        assert write["path"] == "/v3/company/realm-1/invoice" and write["method"] == "POST"
    assert write["key"] == "key-9"


def test_a_payment_and_a_void_are_pushed_against_the_providers_invoice(fake):
    pushed = provider_client().push_invoice(PAYLOAD, "key-1")
    payment = {
        "invoice_external_id": pushed.external_id,
        "customer_code": "C-1",
        "currency": "EUR",
        "amount": "50.00",
        "date": "2026-12-02",
        "reference": "bank 1",
    }
    assert provider_client().push_payment(payment, "pay-1").external_id.startswith("P")
    voided = {"external_id": pushed.external_id, "number": "INV-00001"}
    provider_client().void_invoice(voided, "void-1")
    assert fake.voided == [pushed.external_id]
    assert list(fake.payments) == ["pay-1"]


def test_no_provider_configured_means_no_client(settings):
    settings.ACCOUNTING_PROVIDER = ""
    assert provider_client() is None


def test_the_rate_limit_defers_to_the_next_minute_once_the_window_is_full(settings):
    settings.ACCOUNTING_RATE_LIMIT_PER_MINUTE = 2
    now = datetime(2026, 12, 2, 10, 15, 30, tzinfo=UTC)
    assert rate_limit_take("xero", now=now) is None
    assert rate_limit_take("xero", now=now) is None
    assert rate_limit_take("xero", now=now) == datetime(2026, 12, 2, 10, 16, tzinfo=UTC)
    assert rate_limit_take("quickbooks", now=now) is None  # each provider its own window
    assert rate_limit_take("xero", now=now.replace(minute=16)) is None
