"""factory-boy factories for every model. Build data with these, never with fixture files."""

import datetime
import inspect
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounting.models import ExchangeRate, RateSource, TaxRule
from customers.models import Address, Contact, Customer
from inventory.models import (
    Part,
    PriceBreak,
    PriceList,
    PriceListPrice,
    StockItem,
    StockLocation,
    TaxRate,
)
from salesorders.models import SalesOrder, SalesOrderExtraLine, SalesOrderLine, kept_line_flags
from shipping.models import Allocation, Shipment

PASSWORD = "correct-horse-battery-staple"

# What SalesOrderLine.from_part takes (order, part, quantity, unit_price, ...).
FROM_PART_OPTIONS = set(inspect.signature(SalesOrderLine.from_part).parameters)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C-{n + 1:05d}")
    name = factory.Faker("company")
    email = factory.Faker("company_email")
    currency = "EUR"


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    label = "Head office"
    line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    postcode = factory.Faker("postcode")
    country = "Germany"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name")
    role = "Buyer"
    email = factory.Faker("email")


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate
        django_get_or_create = ("name",)

    name = "VAT 20%"
    percent = Decimal("20.000")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    """One unit of `currency` is worth `rate` EUR (the test base currency) on `date`."""

    class Meta:
        model = ExchangeRate
        django_get_or_create = ("currency", "date")

    date = factory.LazyFunction(timezone.localdate)
    currency = "GBP"
    rate = Decimal("1.15")
    source = RateSource.ECB


class TaxRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRule

    name = factory.Sequence(lambda n: f"Rule {n + 1}")
    charged_rate = factory.SubFactory(TaxRateFactory, name="Zero 0%", percent=Decimal("0"))


class PriceListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceList

    name = factory.LazyAttribute(lambda o: f"{o.currency} prices")
    currency = "GBP"


class PriceListPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceListPrice

    price_list = factory.SubFactory(PriceListFactory)
    min_quantity = Decimal("1")
    unit_price = Decimal("9.0000")


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part

    sku = factory.Sequence(lambda n: f"P-{n + 1:05d}")
    name = factory.Faker("catch_phrase")
    list_price = Decimal("10.0000")
    default_tax_rate = factory.SubFactory(TaxRateFactory)


class ServicePartFactory(PartFactory):
    """A service part (installation by the hour): no stock, delivered with Mark Delivered."""

    name = "Installation (per hour)"
    unit = Part.Unit.HOURS
    kind = Part.Kind.SERVICE
    list_price = Decimal("68.0000")


class PriceBreakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceBreak

    part = factory.SubFactory(PartFactory)
    min_quantity = Decimal("10")
    unit_price = Decimal("9.0000")


class StockLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLocation

    name = factory.Sequence(lambda n: f"Shelf {n + 1}")


class StockItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockItem

    part = factory.SubFactory(PartFactory)
    location = factory.SubFactory(StockLocationFactory)
    quantity = Decimal("100")
    received_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class SalesOrderFactory(factory.django.DjangoModelFactory):
    """An order row as stored. Tests of rules create orders through the services instead."""

    class Meta:
        model = SalesOrder

    reference_number = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"SO-{o.reference_number:04d}")
    customer = factory.SubFactory(CustomerFactory)
    customer_name = factory.LazyAttribute(lambda o: o.customer.name)
    currency = factory.LazyAttribute(lambda o: o.customer.currency)
    target_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    # At rate 1 the base totals are the document's (set currency_rate and base_* together).
    base_subtotal = factory.LazyAttribute(lambda o: getattr(o, "subtotal", Decimal("0")))
    base_tax_total = factory.LazyAttribute(lambda o: getattr(o, "tax_total", Decimal("0")))
    base_total = factory.LazyAttribute(lambda o: getattr(o, "total", Decimal("0")))


def keep_line_flags(order) -> None:
    """The order's stored line flags (models.kept_line_flags) brought up to date, for a test
    that writes line counters directly: every service writes them with the change."""
    SalesOrder.objects.filter(pk=getattr(order, "pk", order)).update(**kept_line_flags())


class SalesOrderLineFactory(factory.django.DjangoModelFactory):
    """A line built by SalesOrderLine.from_part (name, SKU and unit copied, priced by the
    part's price breaks, taxed at its rate, amounts rounded). from_part's options
    (unit_price, discount_percent, tax_rate, ...) may be given, and stored counters such as
    shipped_quantity. The order's totals are not refreshed: use the services for that. Its
    stored line flags are (models.kept_line_flags), as every service that changes a line
    does, so the queues and "overdue" see the line."""

    class Meta:
        model = SalesOrderLine

    order = factory.SubFactory(SalesOrderFactory)
    part = factory.SubFactory(PartFactory)
    quantity = Decimal("10")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        options = {k: kwargs.pop(k) for k in FROM_PART_OPTIONS if k in kwargs}
        line = model_class.from_part(**options)
        for name, value in kwargs.items():
            setattr(line, name, value)
        return line

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        line = cls._build(model_class, *args, **kwargs)
        line.save()
        SalesOrder.objects.filter(pk=line.order_id).update(**kept_line_flags())
        return line


class SalesOrderExtraLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesOrderExtraLine

    order = factory.SubFactory(SalesOrderFactory)
    description = "Shipping"
    unit_price = Decimal("15.0000")


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(SalesOrderFactory)
    reference = factory.Sequence(lambda n: str(n + 1))


class AllocationFactory(factory.django.DjangoModelFactory):
    """A bare allocation row; it does not update the reserved counters. Use the service."""

    class Meta:
        model = Allocation

    line = factory.SubFactory(SalesOrderLineFactory)
    stock_item = factory.SubFactory(StockItemFactory, part=factory.SelfAttribute("..line.part"))
    shipment = factory.SubFactory(ShipmentFactory, order=factory.SelfAttribute("..line.order"))
    quantity = Decimal("1")
