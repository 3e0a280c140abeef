"""This app's part of `manage.py demo_data`: believable customers with addresses and contacts."""

import pycountry
from django.conf import settings

from core.currency import EU_COUNTRIES, TaxTreatment
from customers import services
from customers.models import PaymentTermsKind

# name, country, city, currency, payment terms (days)
COMPANIES = [
    ("Harbour Tools GmbH", "Germany", "Hamburg", "EUR", 30),
    ("Alpine Fixings AG", "Switzerland", "Zürich", "CHF", 30),
    ("Nordic Build Supply AB", "Sweden", "Göteborg", "SEK", 45),
    ("Thames Engineering Ltd", "United Kingdom", "London", "GBP", 30),
    ("Brightwell Facilities Ltd", "United Kingdom", "Manchester", "GBP", 60),
    ("Atelier Dupont SARL", "France", "Lyon", "EUR", 30),
    ("Costa Hydraulics S.L.", "Spain", "Valencia", "EUR", 60),
    ("Van Dijk Installatie B.V.", "Netherlands", "Rotterdam", "EUR", 14),
    ("Kowalski Maszyny Sp. z o.o.", "Poland", "Poznań", "PLN", 30),
    ("Lakeside Marine Inc.", "United States", "Duluth", "USD", 30),
    ("Prairie Agri Parts LLC", "United States", "Omaha", "USD", 45),
    ("Rossi Impianti S.r.l.", "Italy", "Bologna", "EUR", 60),
    ("Danube Metalworks Kft.", "Hungary", "Győr", "EUR", 30),
    ("Fjord Offshore AS", "Norway", "Stavanger", "NOK", 30),
    ("Celtic Plant Hire Ltd", "Ireland", "Cork", "EUR", 30),
    ("Vienna Lift Service GmbH", "Austria", "Wien", "EUR", 30),
    ("Baltic Rail Components OÜ", "Estonia", "Tallinn", "EUR", 14),
    ("Maple Leaf Mechanical Ltd", "Canada", "Hamilton", "CAD", 30),
    ("Sunridge Solar Pty Ltd", "Australia", "Adelaide", "AUD", 30),
    ("Helvetia Labs SA", "Switzerland", "Lausanne", "CHF", 30),
    ("Bremer Werft Service GmbH", "Germany", "Bremen", "EUR", 14),
    ("Quayside Brewing Co.", "United Kingdom", "Bristol", "GBP", 30),
    ("Praha Elektro s.r.o.", "Czechia", "Praha", "CZK", 30),
    ("Lisboa Frio Lda", "Portugal", "Lisboa", "EUR", 60),
    ("Old Mill Joinery", "United Kingdom", "York", "GBP", 7),
    ("Westcoast Print Shop", "United States", "Portland", "USD", 30),
]
INACTIVE = {"Old Mill Joinery", "Westcoast Print Shop"}
# Paid at the end of the month plus the days; the others net.
END_OF_MONTH = {"Atelier Dupont SARL", "Rossi Impianti S.r.l.", "Fjord Offshore AS"}
# Private buyers abroad are not taxed by the reverse charge: charged our VAT as at home.
NO_VAT_NUMBER = {"Lisboa Frio Lda"}


def tax_treatment_of(country_code: str, name: str) -> str:
    """Domestic at home, the reverse charge for EU businesses with a VAT number, export
    outside the EU."""
    if country_code == settings.COMPANY_COUNTRY or name in NO_VAT_NUMBER:
        return TaxTreatment.DOMESTIC
    if country_code in EU_COUNTRIES:
        return TaxTreatment.REVERSE_CHARGE
    return TaxTreatment.EXPORT


STREETS = ["Industriestraße", "Harbour Road", "Mill Lane", "Station Street", "Avenue du Port"]
FIRST = ["Anna", "Ben", "Chiara", "David", "Elif", "Femi", "Greta", "Hugo", "Ines", "Jonas"]
LAST = ["Schmidt", "Moreau", "Rossi", "Jensen", "Novak", "Walsh", "Silva", "Berg", "Okafor"]
ROLES = ["Buyer", "Accounts payable", "Goods receiving", "Operations manager"]


def build(ctx: dict) -> None:
    """Create ~25 customers (two inactive) with addresses and contacts; ctx["customers"]."""
    rng = ctx["rng"]
    user = ctx["users"].get("sales")
    customers = []
    for name, country, city, currency, terms in COMPANIES:
        code = pycountry.countries.lookup(country).alpha_2
        domain = "".join(ch for ch in name.lower().split()[0] if ch.isalnum()) + ".example"
        customer = services.customer_create(
            user=user,
            name=name,
            email=f"orders@{domain}",
            phone=f"+{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(10000, 99999)}",
            website=f"https://www.{domain}",
            currency=currency,
            payment_terms_days=terms,
            payment_terms_kind=PaymentTermsKind.END_OF_MONTH
            if name in END_OF_MONTH
            else PaymentTermsKind.NET,
            credit_limit=rng.choice([None, 5000, 10000, 25000, 50000]),
            country=code,
            tax_treatment=tax_treatment_of(code, name),
            tax_number=""
            if name in NO_VAT_NUMBER
            else f"{code}{rng.randint(100000000, 999999999)}",
        )
        street = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        postcode = str(rng.randint(10000, 99999))
        both = rng.random() < 0.6
        services.address_create(
            customer=customer,
            user=user,
            label="Head office",
            line1=street,
            city=city,
            postcode=postcode,
            country=country,
            is_default_billing=True,
            is_default_shipping=both,
        )
        if not both:
            services.address_create(
                customer=customer,
                user=user,
                label="Goods in",
                line1=f"Unit {rng.randint(1, 30)}, {rng.choice(STREETS)}",
                line2="Dock door 3",
                city=city,
                postcode=postcode,
                country=country,
                is_default_shipping=True,
            )
        for role in rng.sample(ROLES, rng.randint(1, 3)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            services.contact_create(
                customer=customer,
                user=user,
                name=f"{first} {last}",
                role=role,
                email=f"{first.lower()}.{last.lower()}@{domain}",
            )
        if name in INACTIVE:
            services.customer_set_active(customer=customer, active=False, user=user)
        customers.append(customer)
    ctx["customers"] = customers
