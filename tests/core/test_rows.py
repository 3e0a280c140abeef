"""core.rows renders a table's body rows as django-tables2's own row loop would."""

import datetime
import re
from decimal import Decimal

import django_tables2 as tables
from django.template import Context, Template
from django.utils.html import format_html

from core.columns import DateColumn, QuantityColumn
from core.rows import table_header, table_rows

LOOP = Template(
    "{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
    "{% for column, cell in row.items %}"
    '<td {{ column.attrs.td.as_html }} data-label="{{ column.header }}">{{ cell }}</td>'
    "{% endfor %}</tr>\n{% endfor %}"
)


class ExampleTable(tables.Table):
    name = tables.Column(verbose_name="Name & title", linkify=lambda record: f"/x/{record['id']}/")
    count = tables.Column(attrs={"td": {"class": "text-end"}})
    when = DateColumn()
    quantity = QuantityColumn()
    note = tables.Column(default="—")
    flag = tables.Column(attrs={"td": {"data-flag": lambda record: f"f{record['id']}"}})
    both = tables.Column(empty_values=())

    def render_both(self, record, value):
        return format_html("<b>{}</b> {}", record["name"], value)


ROWS = [
    {
        "id": 1,
        "name": "<A & B>",
        "count": 1234,
        "when": datetime.date(2026, 1, 2),
        "quantity": Decimal("2.5000"),
        "note": "",
        "flag": "x",
        "both": None,
    },
    {
        "id": 2,
        "name": "C",
        "count": 5,
        "when": None,
        "quantity": Decimal("10"),
        "note": "n",
        "flag": "y",
        "both": 3,
    },
]


def test_rows_match_the_template_loop_cell_for_cell():
    """Links, escaping, localised numbers, defaults, render_<column> and per-record
    attributes come out exactly as the template loop writes them."""
    table = ExampleTable(ROWS)
    context = Context({"table": table})
    expected = LOOP.render(context)
    assert str(table_rows(ExampleTable(ROWS), context)) == expected
    assert 'data-flag="f2"' in expected
    assert '<a href="/x/1/">&lt;A &amp; B&gt;</a>' in expected
    assert 'data-label="Name &amp; title"' in expected


def test_an_empty_table_has_no_rows():
    """The partial shows the table's empty text instead (tested through the list pages)."""
    assert str(table_rows(ExampleTable([]), Context())) == ""


def test_each_row_is_one_line_of_cells():
    html = str(table_rows(ExampleTable(ROWS), Context()))
    assert len(re.findall(r"<tr [^>]*>", html)) == 2
    assert html.count("<td ") == 2 * len(ExampleTable.base_columns)


class OrderTable(tables.Table):
    reference = tables.Column(linkify=lambda record: f"/o/{record.reference}/")
    status = tables.Column()
    customer_reference = tables.Column(default="—")
    line_count = tables.Column()
    unissued = tables.Column(accessor="is_unissued")
    total = tables.Column(accessor="total", verbose_name="Total")


def test_model_rows_read_attributes_and_choice_labels_as_django_tables2_does():
    """Model records take the direct path for one-attribute accessors: a field with choices
    shows its label, an empty value the column's default, and an accessor naming a method
    is still called (django-tables2's own path), exactly as the template loop shows them."""
    from salesorders.models import SalesOrder

    Status = SalesOrder.Status
    orders = [
        SalesOrder(
            reference=reference,
            status=status,
            customer_reference=po,
            line_count=lines,
            total=Decimal(total),
        )
        for reference, status, po, lines, total in [
            ("SO-1", Status.ISSUED, "", 3, "12.50"),
            ("SO-<2>", Status.PENDING, "PO 7", 0, "0"),
        ]
    ]
    context = Context({"table": OrderTable(orders)})
    expected = LOOP.render(context)
    assert str(table_rows(OrderTable(orders), context)) == expected
    assert ">Issued</td>" in expected and ">Pending</td>" in expected
    assert ">—</td>" in expected and ">PO 7</td>" in expected
    assert ">False</td>" in expected and ">True</td>" in expected
    assert '<a href="/o/SO-&lt;2&gt;/">SO-&lt;2&gt;</a>' in expected


class LinkTable(tables.Table):
    reference = tables.Column(linkify=True, attrs={"a": {"class": "ref", "title": "<o & p>"}})
    customer = tables.Column(linkify=True)  # the customer's own page
    customer_name = tables.Column(linkify=lambda record: record.customer.get_absolute_url())
    customer_reference = tables.Column(linkify=lambda record: None, default="—")
    status = tables.Column(linkify=("salesorders:detail", [tables.A("pk")]))


def test_links_are_written_as_django_tables2_writes_them():
    """linkify=True on the record and on a related record, a function of the record, a
    function that gives no URL, fixed <a> attributes (escaped), and reverse arguments (left
    to django-tables2) come out exactly as the template loop shows them."""
    from customers.models import Customer
    from salesorders.models import SalesOrder

    customer = Customer(pk=5, code="C-5", name="Acme <Ltd>")
    orders = [
        SalesOrder(
            pk=pk,
            reference=f"SO-{pk}",
            customer=customer,
            customer_name=customer.name,
            customer_reference=po,
            status=SalesOrder.Status.ISSUED,
        )
        for pk, po in [(3, ""), (4, "PO <9>")]
    ]
    context = Context({"table": LinkTable(orders)})
    expected = LOOP.render(context)
    assert str(table_rows(LinkTable(orders), context)) == expected
    assert '<a class="ref" title="&lt;o &amp; p&gt;" href="/orders/3/">SO-3</a>' in expected
    assert '<a href="/customers/5/">C-5 Acme &lt;Ltd&gt;</a>' in expected
    assert '<a href="/customers/5/">Acme &lt;Ltd&gt;</a>' in expected
    assert ">PO &lt;9&gt;</td>" in expected and ">—</td>" in expected
    assert '<a href="/orders/4/">Issued</a>' in expected


class CheckTable(tables.Table):
    pick = tables.CheckBoxColumn(
        accessor="id", attrs={"td__input": {"form": "bulk", "aria-label": "Select <row>"}}
    )
    bare = tables.CheckBoxColumn(accessor="id")
    ticked = tables.CheckBoxColumn(accessor="id", checked=True)
    per_row = tables.CheckBoxColumn(
        accessor="id", attrs={"td__input": {"data-row": lambda record: f"r{record['id']}"}}
    )


def test_checkboxes_are_written_as_django_tables2_writes_them():
    """A never-checked box with fixed attributes (escaped), one with none, one checked and one
    with attributes computed per record come out as CheckBoxColumn.render writes them."""
    rows = [{"id": 7}, {"id": "8&"}]
    html = str(table_rows(CheckTable(rows), Context({})))
    cells = re.findall(r"<td [^>]*>(.*?)</td>", html)
    expected = [
        str(row.get_cell(name))
        for row in CheckTable(rows).rows
        for name in ("pick", "bare", "ticked", "per_row")
    ]
    assert cells == expected
    assert (
        '<input type="checkbox" name="pick" value="8&amp;" form="bulk" '
        'aria-label="Select &lt;row&gt;" />'
    ) in expected
    assert '<input type="checkbox" name="bare" value="7" />' in expected
    assert 'checked="checked"' in expected[2] and 'data-row="r8&amp;"' in expected[7]


class LineTable(tables.Table):
    order_reference = tables.Column(accessor="order__reference")
    order_status = tables.Column(accessor="order__status")  # a choice label across the key
    customer = tables.Column(accessor="order__customer__name")
    delivered_by = tables.Column(accessor="delivered_by__username")  # a key not set
    revenue = tables.Column(accessor="revenue_account__code", empty_values=())
    quantity = tables.Column()


def test_paths_across_foreign_keys_read_as_django_tables2_reads_them():
    """Accessors through loaded foreign keys (two deep, to a field with choices, through a key
    not set, with a column that renders empty values too) come out as the template loop
    shows them."""
    from customers.models import Customer
    from salesorders.models import SalesOrder, SalesOrderLine

    order = SalesOrder(
        reference="SO-<9>",
        status=SalesOrder.Status.ON_HOLD,
        customer=Customer(code="C-1", name="Acme & Co"),
    )
    lines = [SalesOrderLine(order=order, quantity=Decimal(n)) for n in ("1", "2.5")]
    context = Context({"table": LineTable(lines)})
    expected = LOOP.render(context)
    assert str(table_rows(LineTable(lines), context)) == expected
    assert ">SO-&lt;9&gt;</td>" in expected and ">On Hold</td>" in expected
    assert ">Acme &amp; Co</td>" in expected and ">—</td>" in expected
    assert ">None</td>" in expected  # empty_values=(): the key not set renders None


HEADER = Template(
    "{% load django_tables2 %}{% for column in table.columns %}"
    '<th {{ column.attrs.th.as_html }} scope="col">'
    '{% if column.orderable %}<a href="{% querystring_replace '
    'table.prefixed_order_by_field=column.order_by_alias.next %}">{{ column.header }}</a>'
    "{% else %} {{ column.header }} {% endif %}</th>\n{% endfor %}"
)


def test_the_header_matches_django_tables2s_template_with_the_query_kept(rf):
    """Each sort link keeps the rest of the query string (escaped) and flips the column's
    order; a column that does not sort shows its header alone; headers are escaped."""

    class Sorted(ExampleTable):
        note = tables.Column(orderable=False)

    request = rf.get("/x/", {"q": 'a&b "c"', "status": ["issued", "pending"], "sort": "-count"})
    table = Sorted(ROWS, order_by="-count")
    context = Context({"table": table, "request": request})
    expected = HEADER.render(context)
    assert str(table_header(table, context)) == expected
    assert "?q=a%26b+%22c%22&amp;status=issued&amp;status=pending&amp;sort=count" in expected
    assert "Name &amp; title" in expected
    assert 'scope="col"> Note </th>' in expected and "sort=note" not in expected
