import django_tables2 as tables

from customers.models import Customer


class CustomerTable(tables.Table):
    code = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    active = tables.TemplateColumn(
        '{% if value %}<span class="badge text-bg-success">Active</span>'
        '{% else %}<span class="badge text-bg-secondary">Inactive</span>{% endif %}',
        verbose_name="Status",
    )

    class Meta:
        model = Customer
        fields = ["code", "name", "email", "phone", "currency", "payment_terms_days", "active"]
        empty_text = "No customers match."
