"""Customers, each with a head-office address and a purchasing contact."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pycountry
from django.conf import settings

from bench.generate.run import CUSTOMER_PREFIX, Run
from bench.generate.words import (
    COMPANY_FORMS,
    COMPANY_TRADES,
    COMPANY_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    STREETS,
)
from core.currency import EU_COUNTRIES, TaxTreatment
from customers.models import Address, Contact, Customer


@dataclass
class CustomerInfo:
    """What an order copies from its customer."""

    id: int
    name: str
    currency: str
    address: str
    contact_id: int
    country: str = ""
    tax_treatment: str = TaxTreatment.DOMESTIC
    tax_number: str = ""


def _treatment(code: str) -> str:
    if code == settings.COMPANY_COUNTRY:
        return TaxTreatment.DOMESTIC
    return TaxTreatment.REVERSE_CHARGE if code in EU_COUNTRIES else TaxTreatment.EXPORT


def build_customers(run: Run) -> None:
    """`run.customers`: the first one has thousands of orders; some names need escaping."""
    rng, w = run.rng, run.writer
    start = Customer.objects.filter(code__startswith=CUSTOMER_PREFIX).count()
    run.customers = []
    created = run.at(run.today - dt.timedelta(days=3 * 365 + 60), 9)
    for n in run.bar(range(run.n_customers), "customers"):
        name = " ".join(
            [rng.choice(COMPANY_WORDS), rng.choice(COMPANY_TRADES), rng.choice(COMPANY_FORMS)]
        )
        if n == 0:
            name = "Atlas Wholesale Group Ltd"  # the customer with thousands of orders
        elif n % 97 == 0:
            name = f'{name}, "Depot {n}"; North'  # punctuation that feeds must escape
        city, country, currency = rng.choice(PLACES)
        code = pycountry.countries.lookup(country).alpha_2
        treatment = _treatment(code)
        number = start + n + 1
        customer = w.add(
            Customer,
            code=f"{CUSTOMER_PREFIX}{number:05d}",
            name=name,
            email=f"orders@customer{number}.example.com",
            phone=f"+49 30 {n:07d}",
            currency=currency,
            payment_terms_days=rng.choice([14, 30, 30, 45, 60]),
            country=code,
            tax_treatment=treatment,
            tax_number=f"{code}{number:09d}" if treatment != TaxTreatment.EXPORT else "",
            active=rng.random() > 0.02 or n == 0,
            created_at=created,
            updated_at=created,
        )
        address = w.add(
            Address,
            customer_id=customer.id,
            label="Head office",
            line1=f"{rng.randint(1, 250)} {rng.choice(STREETS)}",
            city=city,
            postcode=f"{rng.randint(10000, 99999)}",
            country=country,
            is_default_shipping=True,
            is_default_billing=True,
        )
        contact = w.add(
            Contact,
            customer_id=customer.id,
            role="Purchasing",
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            email=f"buyer@customer{number}.example.com",
        )
        run.customers.append(
            CustomerInfo(
                customer.id,
                name,
                currency,
                address.as_text(name),
                contact.id,
                code,
                treatment,
                customer.tax_number,
            )
        )
        w.maybe_flush()
    w.flush()
