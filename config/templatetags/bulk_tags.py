"""The order list's bulk actions as its template needs them (config.bulk is above every
app, so the list's view cannot ask it; its template does)."""

from django import template

from config.bulk import bulk_actions_for

register = template.Library()


@register.simple_tag(takes_context=True)
def order_bulk_actions(context) -> list:
    """The bulk actions the request's user may choose, in the select's order."""
    return bulk_actions_for(context["request"].user)
