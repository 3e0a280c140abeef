"""Status badges: one markup for every status a page shows as a coloured label.

`<span class="badge {css}" data-testid="{testid}">{label}</span>`. A kind of status is
described once, as a `Badges` (its labels and the CSS class of each value), and used by its
table column (`core.columns.BadgeColumn`) and its pages.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from core.markup import escaped


def badge(label: Any, css: str, *, testid: str = "") -> SafeString:
    """A badge reading `label`, styled by the CSS class(es) `css`; `testid` names it for tests."""
    if testid:
        return mark_safe(
            f'<span class="badge {escaped(css)}" data-testid="{escaped(testid)}">'
            f"{escaped(label)}</span>"
        )
    return mark_safe(f'<span class="badge {escaped(css)}">{escaped(label)}</span>')


def kind_badge(kind: str, value: Any, label: Any) -> SafeString:
    """The house style: class `badge-<kind>-<value>` (static/app/app.css colours it) and
    `data-testid="<kind>"`, e.g. kind_badge("status", "issued", "Issued")."""
    return badge(label, f"badge-{kind}-{value}", testid=kind)


class Badges:
    """How one kind of status shows as badges.

    `choices` (a TextChoices class) or `labels` (a mapping) give each value's label; `css` is
    either a mapping of value -> CSS class or a prefix the value is appended to
    ("badge-status-" makes "badge-status-issued"). `default` stands in for an empty value.
    """

    def __init__(
        self,
        choices=None,
        *,
        css: Mapping[Any, str] | str,
        labels: Mapping[Any, str] | None = None,
        testid: str = "",
        default: Any = None,
    ) -> None:
        if (choices is None) == (labels is None):
            raise TypeError("Badges takes either choices or labels.")
        self.labels = dict(choices.choices) if choices is not None else dict(labels)
        self.css = css
        self.testid = testid
        self.default = default

    def _value(self, value: Any) -> Any:
        return self.default if value in (None, "") and self.default is not None else value

    def label(self, value: Any) -> str:
        """The label people read for `value` (also the CSV cell)."""
        return str(self.labels[self._value(value)])

    def css_class(self, value: Any) -> str:
        value = self._value(value)
        if isinstance(self.css, str):
            return f"{self.css}{value}"
        return self.css[value]

    def render(self, value: Any) -> SafeString:
        return badge(self.label(value), self.css_class(value), testid=self.testid)
