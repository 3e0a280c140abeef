"""Currencies, countries and tax treatments shared by the apps that store them."""

from decimal import ROUND_HALF_UP, Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.db import models

# An exchange rate: how many units of the base currency one unit of a currency is worth.
RATE = {"max_digits": 22, "decimal_places": 12}
RATE_STEP = Decimal("0.000000000001")
MAX_RATE = Decimal("1000000")
UNIT_PRICE_STEP = Decimal("0.0001")

# Members of the European Union (ISO 3166 alpha-2), for the intra-EU reverse charge.
EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)
REVERSE_CHARGE_NOTE = (
    "Reverse charge: intra-Community supply, VAT to be accounted for by the recipient "
    "(Article 196 of Council Directive 2006/112/EC)."
)
EXPORT_NOTE = "Export outside the country of supply: zero rated."
EXEMPT_NOTE = "Exempt from VAT."


# ISO 4217 minor units of the currencies that do not have 2 (pycountry does not carry them).
MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
# Symbols of the common currencies, for settings.MONEY_DISPLAY_FORMAT's {symbol}; a currency
# not here shows its code.
SYMBOLS = {
    "EUR": "€",
    "GBP": "£",
    "USD": "$",
    "JPY": "¥",
    "CNY": "¥",
    "INR": "₹",
    "KRW": "₩",
}


def minor_unit_digits(code: str) -> int:
    """How many decimals the currency's amounts show: EUR 2, JPY 0, KWD 3."""
    return MINOR_UNITS.get((code or "").upper(), 2)


def currency_symbol(code: str) -> str:
    """€ for EUR, £ for GBP; the code and a space ("CHF ") for a currency without one."""
    code = (code or "").upper()
    return SYMBOLS.get(code, f"{code}\N{NO-BREAK SPACE}" if code else "")


def validate_currency_code(value: str) -> None:
    """Accept only ISO 4217 currency codes (EUR, USD, GBP, ...), upper case."""
    if not value or value != value.upper() or pycountry.currencies.get(alpha_3=value) is None:
        raise ValidationError(
            "%(value)s is not an ISO 4217 currency code (e.g. EUR, USD, GBP).",
            code="unknown_currency",
            params={"value": value or "An empty value"},
        )


def country_code_choices() -> list[tuple[str, str]]:
    """ISO 3166 alpha-2 codes with their names, for select boxes: ("GB", "United Kingdom")."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country else code


def in_base(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount of a document currency in the base currency, rounded half-up to cents."""
    return (amount * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def from_base_unit_price(price: Decimal, rate: Decimal) -> Decimal:
    """A unit price in the base currency converted to a currency worth `rate` base units,
    rounded half-up to 4 decimal places."""
    return (price / rate).quantize(UNIT_PRICE_STEP, rounding=ROUND_HALF_UP)


class TaxTreatment(models.TextChoices):
    """How a customer is taxed (Customer.tax_treatment; the tax rules in accounting)."""

    DOMESTIC = "domestic", "Domestic"
    REVERSE_CHARGE = "reverse_charge", "Intra-EU business (reverse charge)"
    EXPORT = "export", "Export"
    EXEMPT = "exempt", "Exempt"
