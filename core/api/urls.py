"""URLs of a resource in both of OData's key syntaxes: `salesOrders(5)` and `salesOrders/5`.

The slash form is the one in the OpenAPI schema; the parenthesis form (Business Central's)
routes to the same views and stays out of the schema so each operation is listed once.
"""

from django.urls import path, re_path

LIST = {"get": "list", "post": "create"}
DETAIL = {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}


def _views(viewset, actions: dict, *, read_only: bool):
    wanted = {m: a for m, a in actions.items() if hasattr(viewset, a)}
    if read_only:
        wanted = {m: a for m, a in wanted.items() if m == "get"}
    return wanted


def resource_urls(
    prefix: str,
    viewset,
    *,
    name: str,
    key: str = "pk",
    bound: tuple[str, ...] = (),
    parents: str = "",
    read_only: bool = False,
    bound_only: bool = False,
) -> list:
    """The list, detail and bound-action URLs of `viewset` under `prefix` (e.g. "salesOrders",
    or "salesOrders/<int:order_pk>/salesOrderLines" for a sub-resource; `parents` is the same
    prefix in regex form for the parenthesis routes). `bound_only`: only the bound actions
    (another app's actions on a resource this one does not serve)."""
    urls = []
    list_actions = {} if bound_only else _views(viewset, LIST, read_only=read_only)
    if list_actions:
        urls.append(path(prefix, viewset.as_view(list_actions), name=f"{name}-list"))
        if parents:
            urls.append(re_path(rf"^{parents}$", viewset.as_view(list_actions, schema=None)))
    detail_actions = {} if bound_only else _views(viewset, DETAIL, read_only=read_only)
    paren_prefix = parents or prefix
    if detail_actions:
        urls.append(
            path(f"{prefix}/<int:{key}>", viewset.as_view(detail_actions), name=f"{name}-detail")
        )
        urls.append(
            re_path(
                rf"^{paren_prefix}\((?P<{key}>\d+)\)$",
                viewset.as_view(detail_actions, schema=None),
            )
        )
    for action in bound:
        urls.append(
            path(
                f"{prefix}/<int:{key}>/{action}",
                viewset.as_view({"post": action}),
                name=f"{name}-{action}",
            )
        )
        urls.append(
            re_path(
                rf"^{paren_prefix}\((?P<{key}>\d+)\)/{action}$",
                viewset.as_view({"post": action}, schema=None),
            )
        )
    return urls
