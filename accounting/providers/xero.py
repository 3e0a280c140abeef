"""Xero's Accounting API (api.xro/2.0): invoices as ACCREC, voids, payments.

Every write carries `Idempotency-Key`: Xero answers a repeated key with the first call's
result, so a retry after a timeout never makes a second invoice. A duplicate invoice number
(the first call went through but its answer was lost, and the key has since expired) is
looked up by number and taken as already pushed."""

from django.conf import settings

from accounting.models import AccountingProvider
from accounting.providers.base import Permanent, Provider, PushResult

NO_ID = "00000000-0000-0000-0000-000000000000"


class XeroProvider(Provider):
    name = AccountingProvider.XERO
    label = "Xero"

    def headers(self, idempotency_key):
        headers = {**super().headers(idempotency_key), "xero-tenant-id": self.tenant}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def push_invoice(self, payload, idempotency_key):
        body = {"Invoices": [invoice_body(payload)]}
        response = self.request(
            "PUT", "/api.xro/2.0/Invoices", idempotency_key=idempotency_key, json=body
        )
        if response.status_code in (200, 201):
            return self._invoice_result(response.json())
        if response.status_code == 400 and _is_duplicate_number(response):
            existing = self._find_by_number(payload["number"])
            if existing is not None:
                return existing
        raise self.refused(response)

    def void_invoice(self, payload, idempotency_key):
        body = {"Invoices": [{"InvoiceID": payload["external_id"], "Status": "VOIDED"}]}
        response = self.request(
            "POST",
            f"/api.xro/2.0/Invoices/{payload['external_id']}",
            idempotency_key=idempotency_key,
            json=body,
        )
        if response.status_code in (200, 201):
            return self._invoice_result(response.json())
        raise self.refused(response)

    def push_payment(self, payload, idempotency_key):
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": payload["invoice_external_id"]},
                    "Account": {"Code": settings.ACCOUNTING_PAYMENT_ACCOUNT},
                    "Date": payload["date"],
                    "Amount": payload["amount"],
                    "Reference": payload["reference"],
                }
            ]
        }
        response = self.request(
            "PUT", "/api.xro/2.0/Payments", idempotency_key=idempotency_key, json=body
        )
        if response.status_code in (200, 201):
            payment = (response.json().get("Payments") or [{}])[0]
            if not payment.get("PaymentID"):
                raise Permanent("Xero answered without a PaymentID.")
            return PushResult(external_id=payment["PaymentID"])
        raise self.refused(response)

    def message_of(self, response):
        try:
            body = response.json()
        except ValueError:
            return super().message_of(response)
        messages = [
            error.get("Message", "")
            for element in body.get("Elements") or []
            for error in element.get("ValidationErrors") or []
        ]
        return "; ".join(m for m in messages if m) or body.get("Message") or body.get("Detail", "")

    def _invoice_result(self, body) -> PushResult:
        invoice = (body.get("Invoices") or [{}])[0]
        if not invoice.get("InvoiceID") or invoice["InvoiceID"] == NO_ID:
            raise Permanent(f"Xero did not create the invoice: {invoice}")
        return PushResult(invoice["InvoiceID"], invoice.get("InvoiceNumber", ""))

    def _find_by_number(self, number: str) -> PushResult | None:
        response = self.request("GET", "/api.xro/2.0/Invoices", params={"InvoiceNumbers": number})
        if response.status_code != 200:
            return None
        for invoice in response.json().get("Invoices") or []:
            if invoice.get("InvoiceNumber") == number and invoice.get("Status") != "DELETED":
                return PushResult(invoice["InvoiceID"], number)
        return None


def invoice_body(payload: dict) -> dict:
    """The neutral payload as a Xero ACCREC invoice, approved (AUTHORISED) as it is posted."""
    return {
        "Type": "ACCREC",
        "Contact": {
            "Name": payload["customer"]["name"],
            "ContactNumber": payload["customer"]["code"],
        },
        "InvoiceNumber": payload["number"],
        "Reference": payload["reference"],
        "Date": payload["date"],
        "DueDate": payload["due_date"],
        "CurrencyCode": payload["currency"],
        "CurrencyRate": payload["currency_rate"],
        "Status": "AUTHORISED",
        "LineAmountTypes": "Inclusive" if payload["prices_include_tax"] else "Exclusive",
        "LineItems": [
            {
                "Description": line["description"],
                "ItemCode": line["sku"] or None,
                "Quantity": line["quantity"],
                "UnitAmount": line["unit_price"],
                "DiscountRate": line["discount_percent"],
                "LineAmount": line["amount"],
                "TaxAmount": line["tax_amount"],
                "AccountCode": line["account_code"] or None,
            }
            for line in payload["lines"]
        ],
    }


def _is_duplicate_number(response) -> bool:
    try:
        text = str(response.json()).lower()
    except ValueError:
        return False
    return "must be unique" in text or "already been used" in text
