"""Existing orders: split their subtotal into lines and extra lines, freeze a rate at their
order date (the bundled ECB history, the nearest earlier day) and store their base totals."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import migrations
from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

CENT = Decimal("0.01")


def forwards(apps, schema_editor):
    SalesOrder = apps.get_model("salesorders", "SalesOrder")
    Line = apps.get_model("salesorders", "SalesOrderLine")
    Extra = apps.get_model("salesorders", "SalesOrderExtraLine")
    if not SalesOrder.objects.exists():
        return
    money = DecimalField(max_digits=14, decimal_places=2)

    def summed(model):
        rows = (
            model.objects.filter(order=OuterRef("pk"))
            .order_by()
            .values("order")
            .annotate(s=Sum("subtotal"))
            .values("s")
        )
        return Coalesce(Subquery(rows, output_field=money), Decimal("0"), output_field=money)

    SalesOrder.objects.update(lines_subtotal=summed(Line), extras_subtotal=summed(Extra))
    from currency_converter import CurrencyConverter

    converter = CurrencyConverter(
        decimal=True, fallback_on_wrong_date=True, fallback_on_missing_rate=True
    )
    base = settings.BASE_CURRENCY
    rates = {}
    batch = []
    for order in SalesOrder.objects.only(
        "currency", "order_date", "subtotal", "tax_total", "total"
    ).iterator(chunk_size=2000):
        if order.currency == base:
            rate, source = Decimal("1"), "base"
        else:
            key = (order.currency, order.order_date)
            if key not in rates:
                try:
                    rates[key] = converter.convert(Decimal("1"), *key[:1], base, date=key[1])
                except (ValueError, KeyError):
                    rates[key] = None
            if rates[key] is None:
                continue  # no rate known: left at 1 until someone sets it
            rate, source = Decimal(rates[key]).quantize(Decimal("0.000000000001")), "ecb"
        order.currency_rate, order.currency_rate_source = rate, source
        order.currency_rate_date = order.order_date
        order.base_subtotal = (order.subtotal * rate).quantize(CENT, ROUND_HALF_UP)
        order.base_tax_total = (order.tax_total * rate).quantize(CENT, ROUND_HALF_UP)
        order.base_total = order.base_subtotal + order.base_tax_total
        batch.append(order)
        if len(batch) >= 2000:
            _save(SalesOrder, batch)
            batch = []
    _save(SalesOrder, batch)


def _save(SalesOrder, batch):
    SalesOrder.objects.bulk_update(
        batch,
        [
            "currency_rate",
            "currency_rate_source",
            "currency_rate_date",
            "base_subtotal",
            "base_tax_total",
            "base_total",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("salesorders", "0016_exchange_rate_base_totals_tax_rules_order_discount")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
