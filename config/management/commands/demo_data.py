"""Fill an empty database with a believable company, once.

Each app contributes its part through `<app>/demo.py`'s `build(ctx)`, in dependency order;
`ctx` carries the users and what earlier apps created.
"""

import random

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

import accounting.demo
import customers.demo
import inventory.demo
import invoicing.demo
import quotes.demo
import salesorders.demo
import shipping.demo
from config.roles import sync_role_groups

DEMO_PASSWORD = "demo"  # noqa: S105 - printed for the demo login, only ever made by this command
DEMO_USERS = [
    # username, group, is_staff, first name, last name
    ("demo", "Managers", True, "Dana", "Demo"),
    ("sales", "Sales", False, "Sam", "Seller"),
    ("warehouse", "Warehouse", False, "Wes", "Picker"),
    # Admin access for the chart of accounts and dimensions (the admin's pages).
    ("accounts", "Accounts", True, "Alex", "Ledger"),
    ("credit", "Credit Control", False, "Cora", "Credit"),
]


class Command(BaseCommand):
    help = "Load demo data (customers, parts, stock, orders, shipments, invoices) into an empty DB."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off (never on a production database).",
        )
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, force: bool, seed: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "demo_data creates logins with known passwords; with DEBUG off, "
                "pass --force if you really mean it."
            )
        User = get_user_model()
        if User.objects.filter(username="demo").exists():
            self.stdout.write("Demo data is already loaded; nothing to do.")
        else:
            with transaction.atomic():
                self._load(User, random.Random(seed))
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Log in at {settings.SITE_URL}/ as demo / {DEMO_PASSWORD} (manager, admin access); "
            f"also sales, warehouse, accounts and credit (Credit Control) / {DEMO_PASSWORD}."
        )

    def _load(self, User, rng: random.Random) -> None:
        if not Group.objects.filter(name="Managers").exists():
            sync_role_groups(apps)
        users = {}
        for username, group, is_staff, first, last in DEMO_USERS:
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
                is_staff=is_staff,
            )
            user.groups.add(Group.objects.get(name=group))
            users[username] = user
        ctx = {"users": users, "rng": rng, "stdout": self.stdout}
        for module in (
            customers.demo,
            inventory.demo,
            accounting.demo,
            salesorders.demo,
            shipping.demo,
            invoicing.demo,
            quotes.demo,
        ):
            module.build(ctx)
        salesorders.demo.build_approvals(ctx)
        # Last: no document can be dated in a closed period once it is closed.
        accounting.demo.close_periods(ctx)
