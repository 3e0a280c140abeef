"""OData query options on a list: $filter, $orderby, $select, $expand, $top and $skip.

$filter is parsed by odata-query's grammar (a maintained OData v4 parser) into its AST, which
`FilterTranslator` turns into a Django Q over the resource's whitelist only: each resource
names the JSON fields a client may filter and sort on (`ODataField`), so a field not on the
list is a 400 naming it, never a column the API does not show. Supported: eq ne gt ge lt le,
in, and or not, parentheses, contains() startswith() endswith() on text (case-insensitive),
null.
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db.models import Q
from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from core.api.errors import BadQuery

MAX_FILTER_LENGTH = 2000
MAX_FILTER_DEPTH = 12
MAX_SKIP = 10_000_000

STRING, BOOLEAN, DATE, DATETIME, DECIMAL, INTEGER, ENUM = (
    "string",
    "boolean",
    "date",
    "datetime",
    "decimal",
    "integer",
    "enum",
)
LOOKUPS = {ast.Eq: "exact", ast.Gt: "gt", ast.GtE: "gte", ast.Lt: "lt", ast.LtE: "lte"}
TEXT_FUNCTIONS = {"contains": "icontains", "startswith": "istartswith", "endswith": "iendswith"}
EXAMPLES = {
    STRING: "'text'",
    BOOLEAN: "true or false",
    DATE: "a date such as 2025-02-01",
    DATETIME: "a date and time such as 2025-02-01T10:00:00Z",
    DECIMAL: "a number such as 10.50",
    INTEGER: "a whole number",
}


@dataclass(frozen=True)
class ODataField:
    """A JSON field a client may use in $filter (and, with `sortable`, in $orderby).

    `path` is the ORM path it reads; `values` maps an ENUM's API values to stored ones;
    `q(lookup, value)` builds the condition itself for a derived field (fullyShipped)."""

    path: str
    kind: str = STRING
    sortable: bool = True
    values: Mapping[str, str] | None = None
    q: Callable[[str, object], Q] | None = None


_lexer = ODataLexer()
_parser = ODataParser()


def _paren_depth(text: str) -> int:
    """How deep the parentheses nest, outside 'string literals' (which the AST does not show)."""
    depth = deepest = 0
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted  # '' inside a literal toggles twice: still quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and char == ")":
            depth -= 1
    return deepest


def parse_filter(text: str):
    if len(text) > MAX_FILTER_LENGTH:
        raise BadQuery(f"$filter is longer than {MAX_FILTER_LENGTH} characters.", target="$filter")
    if _paren_depth(text) > MAX_FILTER_DEPTH:
        raise BadQuery(
            f"$filter nests deeper than {MAX_FILTER_DEPTH} levels; simplify it.", target="$filter"
        )
    try:
        return _parser.parse(_lexer.tokenize(text))
    except (ODataException, RecursionError) as error:
        raise BadQuery(f"$filter cannot be read: {error}", target="$filter") from None


class FilterTranslator:
    """An odata-query AST to a Q over the whitelisted `fields` ({JSON name: ODataField})."""

    def __init__(self, fields: Mapping[str, ODataField]):
        self.fields = fields

    def translate(self, node, depth: int = 0) -> Q:
        if depth > MAX_FILTER_DEPTH:
            raise BadQuery(
                f"$filter nests deeper than {MAX_FILTER_DEPTH} levels; simplify it.",
                target="$filter",
            )
        if isinstance(node, ast.BoolOp):
            left = self.translate(node.left, depth + 1)
            right = self.translate(node.right, depth + 1)
            return left & right if isinstance(node.op, ast.And) else left | right
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~self.translate(node.operand, depth + 1)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Identifier):
            name, field = self.field(node)
            if field.kind != BOOLEAN:
                raise BadQuery(f"{name} is not true or false; compare it.", target=name)
            return self.condition(name, field, "exact", True)
        raise BadQuery("$filter must be a condition such as status eq 'Open'.", target="$filter")

    def field(self, node) -> tuple[str, ODataField]:
        if not isinstance(node, ast.Identifier) or node.namespace:
            raise BadQuery("A $filter condition starts with a field name.", target="$filter")
        field = self.fields.get(node.name)
        if field is None:
            allowed = ", ".join(sorted(self.fields))
            raise BadQuery(
                f"{node.name} cannot be used in $filter; use one of: {allowed}.", target=node.name
            )
        return node.name, field

    def compare(self, node: ast.Compare) -> Q:
        left, right, op = node.left, node.right, node.comparator
        if not isinstance(left, ast.Identifier) and isinstance(right, ast.Identifier):
            left, right = right, left
            op = {ast.Gt: ast.Lt(), ast.Lt: ast.Gt(), ast.GtE: ast.LtE(), ast.LtE: ast.GtE()}.get(
                type(op), op
            )
        name, field = self.field(left)
        if isinstance(op, ast.In):
            if field.q is not None or field.kind == BOOLEAN:
                raise BadQuery(f"{name} compares by eq or ne.", target=name)
            if not isinstance(right, ast.List):
                raise BadQuery(f"{name} in (...) takes a list of values.", target=name)
            values = [self.value(name, field, each) for each in right.val]
            return self.condition(name, field, "in", values)
        if isinstance(right, ast.Null):
            if field.q is not None or field.kind == ENUM:
                raise BadQuery(f"{name} is never null.", target=name)
            isnull = Q(**{f"{field.path}__isnull": True})
            if isinstance(op, ast.Eq):
                return isnull
            if isinstance(op, ast.NotEq):
                return ~isnull
            raise BadQuery(f"{name} compares with null by eq or ne only.", target=name)
        value = self.value(name, field, right)
        if isinstance(op, ast.NotEq):
            return ~self.condition(name, field, "exact", value)
        lookup = LOOKUPS.get(type(op))
        if lookup is None:
            raise BadQuery(f"{name}: this comparison is not supported.", target=name)
        if lookup != "exact" and field.kind in (BOOLEAN, ENUM):
            raise BadQuery(f"{name} compares by eq, ne or in only.", target=name)
        return self.condition(name, field, lookup, value)

    def call(self, node: ast.Call) -> Q:
        function = node.func.name if isinstance(node.func, ast.Identifier) else ""
        lookup = TEXT_FUNCTIONS.get(function)
        if lookup is None:
            raise BadQuery(
                f"{function or 'That function'}() is not supported in $filter; use "
                "contains(), startswith() or endswith().",
                target="$filter",
            )
        if len(node.args) != 2:
            raise BadQuery(f"{function}() takes a field and a text.", target="$filter")
        name, field = self.field(node.args[0])
        if field.kind != STRING:
            raise BadQuery(f"{function}() works on text fields; {name} is not one.", target=name)
        value = self.value(name, field, node.args[1])
        return self.condition(name, field, lookup, value)

    def condition(self, name: str, field: ODataField, lookup: str, value) -> Q:
        if field.q is not None:
            return field.q(lookup, value)
        return Q(**{f"{field.path}__{lookup}": value})

    def value(self, name: str, field: ODataField, node):
        """The literal as the stored type; a literal of another type is a 400 saying which."""
        expected = field.kind
        try:
            if expected == ENUM and isinstance(node, ast.String):
                if node.val not in field.values:
                    allowed = ", ".join(f"'{v}'" for v in field.values)
                    raise BadQuery(f"{name} is one of {allowed}, not '{node.val}'.", target=name)
                return field.values[node.val]
            if expected == STRING and isinstance(node, ast.String):
                return node.val
            if expected == BOOLEAN and isinstance(node, ast.Boolean):
                return node.val.lower() == "true"
            if expected == DATE and isinstance(node, ast.Date):
                return datetime.date.fromisoformat(node.val)
            if expected == DATETIME and isinstance(node, ast.DateTime | ast.Date):
                return datetime.datetime.fromisoformat(node.val.replace("Z", "+00:00"))
            if expected == DECIMAL and isinstance(node, ast.Integer | ast.Float):
                number = Decimal(node.val)
                if not number.is_finite():
                    raise InvalidOperation
                return number
            if expected == INTEGER and isinstance(node, ast.Integer):
                return int(node.val)
        except (ValueError, InvalidOperation):
            pass
        example = EXAMPLES.get(expected, "one of its values")
        raise BadQuery(f"{name} compares with {example}.", target=name)


@dataclass
class QueryOptions:
    top: int
    skip: int
    select: list[str] | None
    expand: list[str]
    orderby: list[str]
    filter: Q | None


def _whole(params, name: str, default: int, maximum: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number, not {raw[:20]!r}.", target=name) from None
    if value < 0 or value > maximum:
        raise BadQuery(f"{name} must be from 0 to {maximum:,}.", target=name)
    return value


def _names(params, option: str) -> list[str]:
    return [part.strip() for part in params.get(option, "").split(",") if part.strip()]


def query_options(
    params,
    *,
    fields: Mapping[str, ODataField],
    selectable: set[str],
    expandable: set[str],
) -> QueryOptions:
    """Read and check the query options; every refusal is a 400 naming the option or field."""
    max_top = settings.API_MAX_PAGE_SIZE
    top = _whole(params, "$top", settings.API_PAGE_SIZE, max_top)
    skip = _whole(params, "$skip", 0, MAX_SKIP)
    select = _names(params, "$select") or None
    for name in select or []:
        if name not in selectable:
            raise BadQuery(f"{name} is not a field of this resource.", target=name)
    expand = _names(params, "$expand")
    for name in expand:
        if name not in expandable:
            allowed = ", ".join(sorted(expandable)) or "nothing"
            raise BadQuery(f"{name} cannot be expanded here; expand {allowed}.", target=name)
    orderby = []
    for part in _names(params, "$orderby"):
        words = part.split()
        name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
        field = fields.get(name)
        if field is None or not field.sortable or field.q is not None:
            sortable = sorted(n for n, f in fields.items() if f.sortable and f.q is None)
            raise BadQuery(
                f"{name} cannot be used in $orderby; use one of: {', '.join(sortable)}.",
                target=name,
            )
        if direction not in ("asc", "desc") or len(words) > 2:
            raise BadQuery(f"$orderby {part!r}: write 'field asc' or 'field desc'.", target=name)
        orderby.append(("-" if direction == "desc" else "") + field.path)
    condition = None
    text = params.get("$filter", "").strip()
    if text:
        condition = FilterTranslator(fields).translate(parse_filter(text))
    return QueryOptions(top, skip, select, expand, orderby, condition)
