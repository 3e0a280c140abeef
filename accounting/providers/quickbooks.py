"""QuickBooks Online's Accounting API (v3/company/{realm}): invoices, voids, payments.

Every write carries `?requestid=<key>`: QuickBooks answers a repeated request id with the
first call's result. A "Duplicate Document Number" validation fault (code 6140) names the
transaction that holds the number (TxnId=...): that one is taken as already pushed."""

import re

from accounting.models import AccountingProvider
from accounting.providers.base import Permanent, Provider, PushResult

MINOR_VERSION = "75"
DUPLICATE_NUMBER = "6140"
_TXN_ID = re.compile(r"TxnId=(\w+)")


class QuickBooksProvider(Provider):
    name = AccountingProvider.QUICKBOOKS
    label = "QuickBooks"

    @property
    def company(self) -> str:
        return f"/v3/company/{self.tenant}"

    def headers(self, idempotency_key):
        return {**super().headers(idempotency_key), "Content-Type": "application/json"}

    def _write(self, path: str, key: str, body: dict, **params):
        return self.request(
            "POST",
            f"{self.company}/{path}",
            idempotency_key=key,
            json=body,
            params={"requestid": key, "minorversion": MINOR_VERSION, **params},
        )

    def push_invoice(self, payload, idempotency_key):
        response = self._write("invoice", idempotency_key, invoice_body(payload))
        if response.status_code == 200:
            invoice = response.json().get("Invoice") or {}
            if not invoice.get("Id"):
                raise Permanent("QuickBooks answered without an invoice Id.")
            return PushResult(str(invoice["Id"]), invoice.get("DocNumber", ""))
        existing = _duplicate_of(response)
        if existing:
            return PushResult(existing, payload["number"])
        raise self.refused(response)

    def void_invoice(self, payload, idempotency_key):
        current = self.request("GET", f"{self.company}/invoice/{payload['external_id']}")
        if current.status_code != 200:
            raise self.refused(current)
        sync_token = (current.json().get("Invoice") or {}).get("SyncToken", "0")
        body = {"Id": payload["external_id"], "SyncToken": sync_token}
        response = self._write("invoice", idempotency_key, body, operation="void")
        if response.status_code == 200:
            invoice = response.json().get("Invoice") or {}
            external_id = str(invoice.get("Id", payload["external_id"]))
            return PushResult(external_id, invoice.get("DocNumber", ""))
        raise self.refused(response)

    def push_payment(self, payload, idempotency_key):
        body = {
            "TotalAmt": payload["amount"],
            "TxnDate": payload["date"],
            "PaymentRefNum": payload["reference"][:21],
            "CustomerRef": {"value": payload["customer_code"]},
            "CurrencyRef": {"value": payload["currency"]},
            "Line": [
                {
                    "Amount": payload["amount"],
                    "LinkedTxn": [{"TxnId": payload["invoice_external_id"], "TxnType": "Invoice"}],
                }
            ],
        }
        response = self._write("payment", idempotency_key, body)
        if response.status_code == 200:
            payment = response.json().get("Payment") or {}
            if not payment.get("Id"):
                raise Permanent("QuickBooks answered without a payment Id.")
            return PushResult(str(payment["Id"]))
        raise self.refused(response)

    def message_of(self, response):
        errors = _fault_errors(response)
        if not errors:
            return super().message_of(response)
        return "; ".join(
            " ".join(part for part in (error.get("Message"), error.get("Detail")) if part)
            for error in errors
        )


def invoice_body(payload: dict) -> dict:
    """The neutral payload as a QuickBooks invoice: the customer and each item by reference
    (QuickBooks ids equal to our customer code and SKU), tax as TAX/NON per line."""
    return {
        "DocNumber": payload["number"],
        "TxnDate": payload["date"],
        "DueDate": payload["due_date"],
        "CurrencyRef": {"value": payload["currency"]},
        "ExchangeRate": payload["currency_rate"],
        "CustomerRef": {"value": payload["customer"]["code"], "name": payload["customer"]["name"]},
        "CustomerMemo": {"value": payload["reference"]},
        "GlobalTaxCalculation": "TaxInclusive" if payload["prices_include_tax"] else "TaxExcluded",
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": line["amount"],
                "Description": line["description"],
                "SalesItemLineDetail": {
                    "ItemRef": {"value": line["sku"] or line["description"][:100]},
                    "Qty": line["quantity"],
                    "UnitPrice": line["unit_price"],
                    "DiscountRate": line["discount_percent"],
                    "TaxCodeRef": {"value": "TAX" if line["tax_amount"] != "0.00" else "NON"},
                },
            }
            for line in payload["lines"]
        ],
    }


def _fault_errors(response) -> list[dict]:
    try:
        body = response.json()
    except ValueError:
        return []
    fault = body.get("Fault") or body.get("fault") or {}
    return fault.get("Error") or fault.get("error") or []


def _duplicate_of(response) -> str | None:
    """The id of the transaction that already holds the number, from a 6140 fault."""
    if response.status_code != 400:
        return None
    for error in _fault_errors(response):
        if str(error.get("code")) == DUPLICATE_NUMBER:
            found = _TXN_ID.search(f"{error.get('Detail', '')} {error.get('Message', '')}")
            if found:
                return found.group(1)
    return None
