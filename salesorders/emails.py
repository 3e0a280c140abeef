"""The emails of a sales order, rendered for core.emails' send job."""

from django.conf import settings
from django.template.loader import render_to_string

from core.emails import RenderedEmail, document_renderer
from salesorders.models import SalesOrder


@document_renderer
def order_confirmation(order: SalesOrder) -> RenderedEmail:
    """The order confirmation: plain text and HTML from templates/salesorders/email/.

    No attachment yet: when core.pdf lands, add the confirmation's PDF here as
    `attachments=[(f"{order.reference}.pdf", <pdf bytes>, "application/pdf")]`."""
    lines = list(order.lines.order_by("sort_order", "pk"))
    context = {
        "order": order,
        "lines": lines,
        "extra_lines": list(order.extra_lines.all()),
        "contact": order.contact,
        "COMPANY_NAME": settings.COMPANY_NAME,
        "order_url": settings.SITE_URL + order.get_absolute_url(),
    }
    return RenderedEmail(
        subject=f"Order confirmation {order.reference} · {settings.COMPANY_NAME}",
        text=render_to_string("salesorders/email/order_confirmation.txt", context),
        html=render_to_string("salesorders/email/order_confirmation.html", context),
    )
