"""The order calendar page, its ICS feed, and regenerating the feed's secret URL."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_safe

from core.parsing import parse_bool
from core.views import confirm_step
from order_calendar import feeds, selectors, services
from order_calendar.grid import ORDERS_PER_DAY, build_grid, month_days, parse_month
from salesorders.filters import SalesOrderFilter
from salesorders.models import SalesOrder

# Who may see the calendar and its feed: whoever may see the orders.
VIEW_PERMISSION = "salesorders.view_salesorder"
FILTER_PARAMS = ("status", "customer")


def filter_data(query: QueryDict) -> QueryDict:
    """Only the order list's filters the calendar and the feed take: status and customer."""
    data = QueryDict(mutable=True)
    for name in FILTER_PARAMS:
        values = [value for value in query.getlist(name) if value != ""]
        if values:
            data.setlist(name, values)
    return data


def _with(query: QueryDict, **params) -> str:
    data = query.copy()
    for name, value in params.items():
        data[name] = value
    return data.urlencode()


class CalendarMonthView(PermissionRequiredMixin, View):
    """A month of orders by target date; `?month=YYYY-MM`, filters status and customer.

    Queries: the orders of the grid's dates (one), plus what the filter form needs."""

    permission_required = VIEW_PERMISSION
    template_name = "order_calendar/calendar_month.html"
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        filters = filter_data(request.GET)
        filterset = SalesOrderFilter(filters or None, queryset=SalesOrder.objects.all())
        try:
            first = parse_month(request.GET.get("month"), today)
        except ValueError as error:
            context = {
                "error": str(error),
                "today_url": f"?{_with(filters, month=f'{today:%Y-%m}')}",
                "filter": filterset,
            }
            return render(request, "order_calendar/calendar_bad_month.html", context, status=400)

        status = 200
        days = month_days(first)
        if filterset.is_bound and not filterset.is_valid():
            orders = []
            status = 400
        else:
            orders = selectors.month_orders(
                filterset.qs, days[0][0], days[-1][-1], per_day=ORDERS_PER_DAY
            )

        list_url = reverse("salesorders:list")

        def more_url(date: datetime.date) -> str:
            iso = date.isoformat()
            return f"{list_url}?{_with(filters, target_date_after=iso, target_date_before=iso)}"

        grid = build_grid(first, orders, today=today, more_url=more_url)
        month_query = lambda month: f"?{_with(filters, month=f'{month:%Y-%m}')}"  # noqa: E731
        token_row = getattr(request.user, "calendar_feed_token", None)
        feed_url = selectors.feed_url(request.user, filters)
        context = {
            "grid": grid,
            "today": today,
            "filter": filterset,
            "previous_url": month_query(grid.previous) if grid.previous else "",
            "next_url": month_query(grid.next) if grid.next else "",
            "today_url": month_query(today),
            "list_url": f"{list_url}?{filters.urlencode()}" if filters else list_url,
            "feed_url": feed_url,
            "webcal_url": selectors.webcal_url(feed_url),
            "legend": SalesOrder.Status.choices,
            "feed_regenerated_at": token_row.created_at if token_row else None,
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            "current_url": request.get_full_path(),
        }
        return render(request, self.template_name, context, status=status)


def _quiet(response: HttpResponse) -> HttpResponse:
    # Django logs every 4xx with the request path ("Not Found: /calendar/feed/..."); the path
    # holds the feed token, so mark the response as logged already.
    response._has_been_logged = True
    return response


def _text(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    return _quiet(response)


@login_not_required
@require_safe
def feed(request, user_id: int, token: str):
    """The ICS feed of orders with a target date, authenticated by the token in the URL.

    Leaves out Complete and Cancelled orders unless `include_completed` is true or a status
    filter is given. Queries: the token's user (one), their permissions (two, none for a
    superuser), the feed generation (one, by primary key); the orders (one) only when the feed is
    not cached.
    """
    user = selectors.user_for_feed_token(user_id, token)
    if user is None:
        return _text("No calendar feed at this address. Copy the Subscribe link again.", 404)
    if not user.has_perm(VIEW_PERMISSION):
        return _text("Your account may not view sales orders.", 403)
    try:
        include_completed = parse_bool("include_completed", request.GET.get("include_completed"))
    except ValueError as error:
        return _text(str(error), 400)
    filterset = SalesOrderFilter(
        filter_data(request.GET), queryset=SalesOrder.objects.filter(target_date__isnull=False)
    )
    if not filterset.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items()
        )
        return _text(f"Bad filter: {problems}", 400)
    statuses = sorted(filterset.form.cleaned_data.get("status") or [])
    customer = (filterset.form.cleaned_data.get("customer") or "").strip()
    orders = filterset.qs
    if not include_completed and not statuses:
        orders = orders.open()

    name = f"{settings.COMPANY_NAME} sales orders"
    details = [selectors.customer_label(customer)] if customer else []
    details += [str(SalesOrder.Status(s).label) for s in statuses if s in SalesOrder.Status]
    if details:
        name += f" ({', '.join(details)})"
    # The name is part of the text (X-WR-CALNAME): a renamed customer changes the ETag too.
    variant = "|".join([str(include_completed), ",".join(statuses), customer, name])
    state = feeds.fingerprint()
    etag = state.etag(variant)
    headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "X-Robots-Tag": "noindex",
    }
    if state.last_modified:
        headers["Last-Modified"] = http_date(state.last_modified.timestamp())
    # Only If-None-Match decides a 304. Last-Modified is the last change of any order (the
    # generation's), not of this feed's.
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        for header, value in headers.items():
            not_modified[header] = value
        return not_modified
    body = feeds.cached_feed(orders, etag=etag, name=name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8", headers=headers)
    response["Content-Disposition"] = 'attachment; filename="sales-orders.ics"'
    return response


def _back_to(request, target: str) -> str:
    """`target` when it is a path of ours (our pages send their own), else the calendar.
    redirect() would take other text ("list") for a view name and fail to reverse it."""
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return reverse("calendar:month")
    return target


class FeedTokenRegenerateConfirmView(PermissionRequiredMixin, View):
    """GET only: the confirmation step of Regenerate (`?next=` the page to return to)."""

    permission_required = VIEW_PERMISSION
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        back = _back_to(request, request.GET.get("next", ""))
        return confirm_step(
            request,
            title="Regenerate your calendar feed address?",
            text=(
                "The old address stops working at once: every calendar subscribed to it stops "
                "updating until you subscribe again with the new one."
            ),
            action_url=reverse("calendar:feed-regenerate"),
            button_label="Regenerate",
            button_style="danger",
            hidden={"next": back},
            back_url=back,
            back_label="Keep the current address",
            breadcrumbs=[(reverse("calendar:month"), "Calendar")],
        )


class FeedTokenRegenerateView(PermissionRequiredMixin, View):
    """Give the user a new feed URL; the old one stops working at once."""

    permission_required = VIEW_PERMISSION
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        services.feed_token_regenerate(user=request.user)
        messages.success(
            request,
            "New calendar feed link created. The old link no longer works: "
            "subscribe again with the new one wherever you used it.",
        )
        return redirect(_back_to(request, request.POST.get("next", "")))
