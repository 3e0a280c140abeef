"""The order page's line rows, written in Python (`{% order_line_rows %}` in
salesorders/order_detail.html).

A page of the order shows up to LINES_PER_PAGE (100) lines of a dozen cells each, and the
template loop resolved some forty variables and filters per line: a third of a millisecond a
line, a third of the page's time. Here each line is one f-string over values formatted by the
same functions the template filters call (core.numbers, inventory's unit quantities, core's
badges), every text escaped. The markup is the loop's; the line being edited inline still
gets its form row from salesorders/partials/line_edit_row.html, placed after its line by
the template.
"""

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from core.badges import kind_badge
from core.markup import escaped as e
from core.numbers import format_date, format_money, format_unit_price
from core.numbers import format_unit_quantity_number as qty
from inventory.models import format_unit_quantity


def _person(user) -> str:
    return e(user.get_full_name() or user.get_username())


def _part_cell(line, *, order, order_is_open: bool, may_deliver: bool) -> str:
    html = [f'<td><span class="fw-semibold">{e(line.part_sku)}</span> {e(line.part_name)}']
    html.append('\n          <div class="small" data-testid="fulfilment">')
    if line.is_service:
        html.append('<span class="badge text-bg-info">Service</span>')
        if line.delivered_at:
            by = f" by {_person(line.delivered_by)}" if line.delivered_by else ""
            html.append(
                f' <span class="text-body-secondary">delivered'
                f" {e(format_date(line.delivered_at))}{by}</span>"
            )
        if may_deliver and line.can_deliver():
            url = reverse("salesorders:line-deliver", args=[order.pk, line.pk])
            html.append(
                '\n            <button class="btn btn-sm btn-outline-success py-0" type="submit"'
                f' form="deliver-actions" formaction="{e(url)}">Mark Delivered</button>'
            )
    elif order_is_open:
        fulfilment = line.get_fulfilment_state_display()
        allocation = line.get_allocation_status_display()
        html.append(
            f"{kind_badge('fulfilment', line.fulfilment_state, fulfilment)}"
            f" {kind_badge('allocation', line.allocation_status, allocation)}"
        )
    html.append("</div>")
    if line.target_date:
        html.append(
            f'<br><small class="text-body-secondary">by {e(format_date(line.target_date))}</small>'
        )
    if line.notes:
        html.append(f'<br><small class="text-body-secondary">{e(line.notes)}</small>')
    dimensions = line.dimensions.all()
    if line.revenue_account or dimensions:
        account = e(str(line.revenue_account)) if line.revenue_account else "No revenue account"
        values = "".join(f" · {e(row.dimension.name)}: {e(row.value.name)}" for row in dimensions)
        html.append(
            '<br><small class="text-body-secondary" data-testid="line-booking">'
            f"{account}{values}</small>"
        )
    html.append("</td>")
    return "".join(html)


def _actions_cell(line, *, may_cancel_remaining: bool) -> str:
    edit = e(line.inline_edit_href)
    html = [
        '\n        <td class="text-nowrap text-end">\n          <a class="btn btn-sm'
        f' btn-outline-secondary" hx-get="{edit}" hx-target="#line-{line.pk}"'
        f' hx-select="#line-edit-{line.pk}" hx-swap="outerHTML" href="{edit}">Edit</a>'
    ]
    if line.can_remove():
        html.append(
            '\n          <button class="btn btn-sm btn-outline-danger" type="submit"'
            f' form="line-actions" formaction="{e(line.remove_url)}">Remove</button>'
        )
    if may_cancel_remaining and line.can_cancel_remaining():
        html.append(
            '\n          <button class="btn btn-sm btn-outline-warning" type="submit"'
            f' form="line-actions" formaction="{e(line.cancel_remaining_url)}">'
            "Cancel Remaining</button>"
        )
    html.append("\n        </td>")
    return "".join(html)


def order_line_row(
    line, *, order, can_edit: bool, may_deliver: bool, may_cancel_remaining: bool
) -> SafeString:
    """The `<tr>` of one line of `order` (read through the order page's selector: its
    fulfilment annotations, dimension values and, when `can_edit`, its links set)."""
    order_is_open = order.is_open
    currency = order.currency
    unit = line.unit
    cells = [
        _part_cell(line, order=order, order_is_open=order_is_open, may_deliver=may_deliver),
        f'\n        <td class="text-end">{e(format_unit_quantity(line.quantity, unit))}</td>',
    ]
    if order_is_open:
        cells.append(f'\n        <td class="text-end">{e(qty(line.allocated_quantity, unit))}</td>')
    cells.append(
        f'\n        <td class="text-end" data-testid="shipped">'
        f"{e(qty(line.shipped_quantity, unit))}</td>"
        f'\n        <td class="text-end" data-testid="cancelled">'
        f"{e(qty(line.cancelled_quantity, unit))}</td>"
    )
    if order_is_open:
        cells.append(
            f'\n        <td class="text-end" data-testid="remaining">'
            f"{e(qty(line.remaining_quantity, unit))}</td>"
        )
    discount = f"{e(qty(line.discount_percent, None))}%" if line.discount_percent else ""
    changed = ' <small class="text-body-secondary">(changed)</small>' if line.tax_overridden else ""
    order_discount = (
        f'<br><small class="text-body-secondary">−{e(format_money(line.order_discount, currency))}'
        "</small>"
        if line.order_discount
        else ""
    )
    unit_price = format_unit_price(line.unit_price, currency)
    cells.append(
        f'\n        <td class="text-end text-nowrap">{e(unit_price)}'
        f'<br><small class="text-body-secondary" data-testid="price-source">'
        f"{e(line.price_source_label)}</small></td>"
        f'\n        <td class="text-end">{discount}</td>'
        f'\n        <td data-testid="tax-charged">{e(line.tax_name or "—")}{changed}</td>'
        f'\n        <td class="text-end" data-testid="amount-subtotal">'
        f"{e(format_money(line.subtotal, currency))}{order_discount}</td>"
        f'\n        <td class="text-end" data-testid="amount-total">'
        f"{e(format_money(line.total, currency))}</td>"
    )
    if can_edit:
        cells.append(_actions_cell(line, may_cancel_remaining=may_cancel_remaining))
    return mark_safe(
        f'<tr id="line-{line.pk}" data-testid="line-{e(line.part_sku)}">\n        '
        f"{''.join(cells)}\n      </tr>"
    )


def order_line_rows(
    lines, *, order, can_edit: bool, may_deliver: bool, may_cancel_remaining: bool
) -> list[tuple]:
    """(line, its `<tr>`) for each of `lines`."""
    return [
        (
            line,
            order_line_row(
                line,
                order=order,
                can_edit=can_edit,
                may_deliver=may_deliver,
                may_cancel_remaining=may_cancel_remaining,
            ),
        )
        for line in lines
    ]
