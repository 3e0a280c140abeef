"""Escaping for markup written in Python (badges, the order page's line rows, list cells).

`escaped(value)` is django.utils.html.conditional_escape without the check for lazy
arguments that django.utils.html.escape carries (`keep_lazy`): the check costs more than the
escaping, and a page of rows escapes some thousands of values. The output is the same: safe
markup as it is, anything else `html.escape(str(value))`.
"""

from html import escape
from typing import Any


def escaped(value: Any) -> str:
    """`value` as text fit for HTML: markup (anything with `__html__`) as it is, any other
    value's str() escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))
