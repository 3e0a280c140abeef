"""This app's part of `manage.py demo_data`: tax rates, locations, parts, price breaks, stock."""

import datetime
from decimal import Decimal

from django.utils import timezone

from inventory import services
from inventory.models import (
    Part,
    PriceBreak,
    PriceList,
    PriceListPrice,
    StockItem,
    StockLocation,
    TaxRate,
)

# Price lists in a currency of their own (sku, [(min qty, price)]): every GBP customer buys
# from the first, one Swiss customer has its own CHF list; other currencies are converted.
GBP_PRICES = [
    ("MTR-075-4P", [(1, "165.0000"), (5, "155.0000")]),
    ("BRG-6204", [(1, "3.4000"), (10, "2.9500")]),
    ("VLV-BALL-1", [(1, "12.9000")]),
    ("HLM-WHT", [(1, "10.9000")]),
    ("GLS-SAFE-CL", [(1, "4.2000"), (20, "3.6000")]),
    ("SRV-INST-H", [(1, "59.0000")]),
]
CUSTOMER_PRICES = ("Alpine Fixings AG", "CHF", [("MTR-075-4P", [(1, "169.0000")])])

# sku, name, unit, list price, tax key, price breaks [(min qty, price)]
PARTS = [
    (
        "BLT-M6-20",
        "Hex bolt M6x20, zinc plated",
        "pcs",
        "0.1200",
        "std",
        [(100, "0.10"), (1000, "0.08")],
    ),
    (
        "BLT-M8-30",
        "Hex bolt M8x30, zinc plated",
        "pcs",
        "0.1800",
        "std",
        [(100, "0.15"), (1000, "0.12")],
    ),
    ("BLT-M10-40", "Hex bolt M10x40, A2 stainless", "pcs", "0.4500", "std", [(250, "0.39")]),
    ("NUT-M8", "Hex nut M8, zinc plated", "pcs", "0.0500", "std", [(500, "0.04")]),
    ("NUT-M10-NY", "Nyloc nut M10, A2 stainless", "pcs", "0.1400", "std", []),
    ("WSH-M8", "Flat washer M8", "pcs", "0.0200", "std", [(1000, "0.015")]),
    ("ANC-10-80", "Wall anchor 10x80 with screw", "pcs", "0.6500", "std", [(50, "0.55")]),
    (
        "CBL-NYM-3X15",
        "Installation cable NYM-J 3x1.5",
        "m",
        "0.9800",
        "std",
        [(100, "0.85"), (500, "0.79")],
    ),
    ("CBL-H07-5G25", "Rubber cable H07RN-F 5G2.5", "m", "3.4000", "std", [(50, "3.10")]),
    ("CHN-G80-8", "Lifting chain grade 80, 8 mm", "m", "12.5000", "std", []),
    ("RPE-PP-12", "Polypropylene rope 12 mm", "m", "0.7500", "std", [(200, "0.60")]),
    ("HSE-HYD-12", "Hydraulic hose 1/2in, 2SN", "m", "8.9000", "std", [(25, "8.20")]),
    ("FIT-HYD-12", "Hydraulic fitting 1/2in BSP", "pcs", "4.2000", "std", [(20, "3.80")]),
    ("VLV-BALL-1", "Brass ball valve 1in", "pcs", "14.9000", "std", [(10, "13.50")]),
    ("VLV-CHK-34", "Check valve 3/4in", "pcs", "9.6000", "std", []),
    (
        "BRG-6204",
        "Deep groove ball bearing 6204-2RS",
        "pcs",
        "3.9000",
        "std",
        [(10, "3.40"), (100, "2.95")],
    ),
    ("BRG-6305", "Deep groove ball bearing 6305-2RS", "pcs", "6.2000", "std", [(10, "5.50")]),
    ("BLT-V-A42", "V-belt A42", "pcs", "7.8000", "std", []),
    ("MTR-075-4P", "Electric motor 0.75 kW, 4 pole", "pcs", "189.0000", "std", [(5, "176.00")]),
    ("PMP-HP200", "Hydraulic pump HP-200 (serialised)", "pcs", "1450.0000", "std", []),
    ("GRB-SEAL-310", "Silicone sealant 310 ml, clear", "pcs", "5.9000", "std", [(24, "5.20")]),
    ("GRS-LI-400", "Lithium grease cartridge 400 g", "pcs", "6.4000", "std", [(12, "5.80")]),
    ("OIL-HYD46-20", "Hydraulic oil HLP 46, 20 l", "pcs", "79.0000", "std", []),
    ("ADH-EPX-50", "Two-part epoxy adhesive 50 ml", "pcs", "11.2000", "std", []),
    ("GLV-NIT-L", "Nitrile gloves, size L, box of 100", "box", "8.5000", "std", [(10, "7.60")]),
    ("GLS-SAFE-CL", "Safety glasses, clear", "pcs", "4.9000", "std", [(20, "4.20")]),
    ("HLM-WHT", "Safety helmet, white", "pcs", "12.9000", "std", []),
    ("TPE-DUCT-50", "Duct tape 50 mm x 50 m", "pcs", "6.8000", "std", [(36, "5.90")]),
    ("STL-FLT-40X5", "Flat steel bar 40x5 mm", "m", "4.1000", "std", [(60, "3.70")]),
    ("STL-ANG-40", "Steel angle 40x40x4 mm", "m", "5.3000", "std", []),
    ("ALU-TUBE-25", "Aluminium tube 25x2 mm", "m", "6.7000", "std", []),
    ("SAL-DEICE-25", "De-icing salt, 25 kg sack", "kg", "0.3200", "red", [(500, "0.27")]),
    ("CLN-DEG-5", "Industrial degreaser, 5 l", "l", "3.6000", "std", []),
    ("PAL-EURO", "Euro pallet (returnable)", "pcs", "14.0000", "zero", []),
    ("SRV-INST-H", "Installation (per hour)", "h", "68.0000", "std", []),
    ("SRV-CAL", "Calibration certificate", "pcs", "45.0000", "std", []),
    # not salable: used in the workshop, kept in stock
    ("WS-RAG-10", "Workshop rags, 10 kg bale", "kg", "2.1000", "std", []),
    ("WS-SPARE-KIT", "Pump repair kit (internal use)", "pcs", "0.0000", "std", []),
    # discontinued
    ("BLT-M8-30-OLD", "Hex bolt M8x30 (old supplier)", "pcs", "0.2000", "std", []),
    ("CBL-NYM-3X25-OLD", "Installation cable NYM-J 3x2.5 (discontinued)", "m", "1.4000", "std", []),
]
NOT_SALABLE = {"WS-RAG-10", "WS-SPARE-KIT", "PAL-EURO"}
INACTIVE = {"BLT-M8-30-OLD", "CBL-NYM-3X25-OLD"}
SERVICES = {"SRV-INST-H", "SRV-CAL"}  # no stock: delivered with Mark Delivered
NO_STOCK = SERVICES | {"CBL-NYM-3X25-OLD"}


def build(ctx: dict) -> None:
    """Tax rates, two locations, ~40 parts and stock received through the services.

    Puts ctx["tax_rates"] (dict), ctx["locations"] (list), ctx["parts"] (list of Part).
    """
    rng = ctx["rng"]
    user = ctx["users"].get("warehouse")
    today = timezone.localdate()
    tax_rates = {
        "std": TaxRate.objects.create(name="VAT 19%", percent=Decimal("19.000"), standard=True),
        "red": TaxRate.objects.create(name="VAT 7%", percent=Decimal("7.000")),
        "zero": TaxRate.objects.create(name="Zero rated", percent=Decimal("0.000")),
    }
    TaxRate.objects.create(name="VAT 16% (2020)", percent=Decimal("16.000"), active=False)
    site = StockLocation.objects.create(name="Hamburg site", description="Our only site.")
    main = StockLocation.objects.create(
        name="Main warehouse", description="Racks A-F, picking area.", parent=site
    )
    overflow = StockLocation.objects.create(
        name="Overflow store", description="Bulk and long goods, yard hall 2.", parent=site
    )

    parts = []
    for sku, name, unit, price, tax, breaks in PARTS:
        part = Part.objects.create(
            sku=sku,
            name=name,
            unit=unit,
            kind=Part.Kind.SERVICE if sku in SERVICES else Part.Kind.STOCK,
            list_price=Decimal(price),
            default_tax_rate=tax_rates[tax],
            salable=sku not in NOT_SALABLE,
            active=sku not in INACTIVE,
        )
        PriceBreak.objects.bulk_create(
            PriceBreak(part=part, min_quantity=Decimal(qty), unit_price=Decimal(unit_price))
            for qty, unit_price in breaks
        )
        parts.append(part)

    for part in parts:
        if part.sku in NO_STOCK:
            continue
        if part.sku == "PMP-HP200":
            for number in range(1, 5):
                services.stock_receive(
                    part=part,
                    location=main,
                    quantity=Decimal("1"),
                    serial_number=f"HP200-24{number:04d}",
                    received_date=today - datetime.timedelta(days=90 - number * 10),
                    reference="Supplier delivery note DN-88120",
                    user=user,
                )
            continue
        if part.sku == "GRB-SEAL-310":
            for batch, expiry_days, quantity in [("L2406", 40, 48), ("L2411", 400, 120)]:
                services.stock_receive(
                    part=part,
                    location=main,
                    quantity=Decimal(quantity),
                    batch_code=batch,
                    expiry_date=today + datetime.timedelta(days=expiry_days),
                    received_date=today - datetime.timedelta(days=rng.randint(20, 120)),
                    reference="DN-77031",
                    user=user,
                )
            continue
        lots = rng.randint(1, 3)
        for _lot in range(lots):
            bulk = part.unit in {"m", "kg"} or part.list_price < 1
            quantity = rng.choice([200, 500, 1000, 2500]) if bulk else rng.choice([5, 12, 20, 40])
            services.stock_receive(
                part=part,
                location=overflow if bulk and rng.random() < 0.5 else main,
                quantity=Decimal(quantity),
                received_date=today - datetime.timedelta(days=rng.randint(3, 200)),
                reference=f"DN-{rng.randint(70000, 79999)}",
                user=user,
            )

    # A little history: a count correction, a move, damaged and quarantined stock.
    items = list(StockItem.objects.select_related("part").order_by("pk"))
    counted = rng.choice([i for i in items if i.quantity > 10 and not i.serial_number])
    services.stock_adjust(
        item=counted,
        new_quantity=counted.quantity - 3,
        reason="Cycle count: three short",
        user=user,
    )
    moved = rng.choice([i for i in items if i.location_id == main.pk and i is not counted])
    services.stock_move(item=moved, location=overflow, reason="Make room in rack C", user=user)
    services.stock_receive(
        part=next(p for p in parts if p.sku == "VLV-BALL-1"),
        location=main,
        quantity=Decimal("3"),
        status=StockItem.Status.DAMAGED,
        reference="DN-77410, crushed carton",
        user=user,
    )
    quarantined = next(i for i in items if i.part.sku == "OIL-HYD46-20")
    services.stock_set_status(
        item=quarantined,
        status=StockItem.Status.QUARANTINED,
        reason="Supplier recall notice 2024-17",
        user=user,
    )

    _price_lists(ctx, {part.sku: part for part in parts})
    ctx["tax_rates"] = tax_rates
    ctx["locations"] = [main, overflow]
    ctx["parts"] = parts


def _price_lists(ctx: dict, parts: dict) -> None:
    """The GBP price list and one customer's own CHF list (see GBP_PRICES)."""
    lists = [(PriceList.objects.create(name="UK prices", currency="GBP"), GBP_PRICES)]
    name, currency, prices = CUSTOMER_PRICES
    customer = next((c for c in ctx.get("customers", []) if c.name == name), None)
    if customer is not None:
        own = PriceList.objects.create(
            name=f"{name} contract", currency=currency, customer_id=customer.pk
        )
        lists.append((own, prices))
    PriceListPrice.objects.bulk_create(
        PriceListPrice(
            price_list=price_list,
            part=parts[sku],
            min_quantity=Decimal(qty),
            unit_price=Decimal(price),
        )
        for price_list, rows in lists
        for sku, breaks in rows
        for qty, price in breaks
    )
