"""Order references: a pattern such as `SO-{ref:04d}` or `{date:%Y}/{ref:05d}`.

A pattern must contain `{ref}` exactly once (with an optional integer format) and may contain
literal text and `{date:...}` parts formatted with strftime codes. Nothing else.
"""

import datetime
import re
import string

from salesorders.exceptions import OrderReferenceError

_formatter = string.Formatter()
# reference_number is an IntegerField: the largest value every database stores.
MAX_REFERENCE_NUMBER = 2_147_483_647
MAX_REFERENCE_LENGTH = 50  # SalesOrder.reference
# What a strftime code may render as, for matching a reference typed by a user.
_DATE_CODE_PATTERNS = {
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "m": r"\d{2}",
    "d": r"\d{2}",
    "j": r"\d{3}",
    "H": r"\d{2}",
    "M": r"\d{2}",
    "U": r"\d{2}",
    "W": r"\d{2}",
    "V": r"\d{2}",
    "G": r"\d{4}",
    "b": r"[A-Za-z]+",
    "B": r"[A-Za-z]+",
    "a": r"[A-Za-z]+",
    "A": r"[A-Za-z]+",
    "%": "%",
}


def _parts(pattern: str):
    try:
        return list(_formatter.parse(pattern))
    except ValueError as error:
        raise OrderReferenceError(
            f"The reference pattern {pattern!r} is not valid: {error}."
        ) from None


def validate_pattern(pattern: str) -> None:
    """Refuse a pattern without exactly one {ref}, with unknown fields or a bad format."""
    ref_count = 0
    for _literal, field, spec, conversion in _parts(pattern):
        if field is None:
            continue
        if conversion:
            raise OrderReferenceError(f"The reference pattern may not use !{conversion}.")
        if field == "ref":
            ref_count += 1
            # Before format(): {ref:099999999999d} would build a 100 GB string.
            if any(int(width) > MAX_REFERENCE_LENGTH for width in re.findall("[0-9]+", spec)):
                raise OrderReferenceError(
                    f"{{ref:{spec}}} is wider than a reference may be "
                    f"({MAX_REFERENCE_LENGTH} characters)."
                )
            try:
                format(1, spec or "d")
            except ValueError:
                raise OrderReferenceError(
                    f"{{ref:{spec}}} is not a number format; use e.g. {{ref:04d}}."
                ) from None
            if spec and not spec.endswith("d"):
                raise OrderReferenceError(
                    f"{{ref:{spec}}} is not a whole-number format; use e.g. {{ref:04d}}."
                )
        elif field == "date":
            codes = re.findall(r"%(.)", spec or "")
            if not spec or any(code not in _DATE_CODE_PATTERNS for code in codes):
                raise OrderReferenceError(
                    "A {date:...} part needs strftime codes such as %Y, %y, %m or %d."
                )
        else:
            raise OrderReferenceError(
                f"The reference pattern may only contain {{ref}} and {{date:...}}, not {{{field}}}."
            )
    if ref_count != 1:
        raise OrderReferenceError("The reference pattern must contain {ref} exactly once.")
    if len(format_reference(pattern, 1, datetime.date(2000, 1, 1))) > MAX_REFERENCE_LENGTH:
        raise OrderReferenceError("References made by this pattern would be too long.")


def format_reference(pattern: str, number: int, date: datetime.date) -> str:
    """The reference for `number`, e.g. SO-0042."""
    return pattern.format(ref=number, date=date)


def _regex(pattern: str) -> re.Pattern:
    out = []
    for literal, field, spec, _conversion in _parts(pattern):
        out.append(re.escape(literal))
        if field == "ref":
            out.append(r"(?P<ref>\d+)")
        elif field == "date":
            pieces = re.split(r"(%.)", spec)
            for piece in pieces:
                if piece.startswith("%") and len(piece) == 2:
                    out.append(_DATE_CODE_PATTERNS[piece[1]])
                else:
                    out.append(re.escape(piece))
    return re.compile("".join(out))


def parse_reference(pattern: str, reference: str) -> int:
    """The number inside a reference a user typed; refuse one that does not fit the pattern."""
    match = _regex(pattern).fullmatch(reference.strip())
    example = format_reference(pattern, 1, datetime.date.today())
    if not match:
        raise OrderReferenceError(
            {"reference": f"{reference!r} does not match the reference pattern (like {example})."}
        )
    digits = match.group("ref")
    number = int(digits)
    spec = next(spec for _l, field, spec, _c in _parts(pattern) if field == "ref")
    if number > MAX_REFERENCE_NUMBER:
        raise OrderReferenceError(
            {
                "reference": (
                    f"The number in {reference!r} is too large; use at most {MAX_REFERENCE_NUMBER}."
                )
            }
        )
    if number < 1 or format(number, spec or "d") != digits:
        raise OrderReferenceError(
            {"reference": f"{reference!r} does not match the reference pattern (like {example})."}
        )
    return number
