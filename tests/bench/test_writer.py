"""The generator's light constructors build what the model's constructor builds."""

from decimal import Decimal

import pytest
from django.db import models

from bench.generate.writer import light_constructors
from salesorders.models import SalesOrder, SalesOrderLine
from tests.factories import PartFactory, SalesOrderFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_snapshot_lines_are_the_same_built_lightly_and_the_constructor_comes_back():
    order = SalesOrderFactory()
    part = PartFactory()
    usual = SalesOrderLine.from_part(order=order, part=part, quantity=Decimal("3"))
    with light_constructors([SalesOrder, SalesOrderLine]):
        assert SalesOrderLine.__init__ is not models.Model.__init__
        light = SalesOrderLine.from_part(order=order, part=part, quantity=Decimal("3"))
    assert SalesOrderLine.__init__ is models.Model.__init__
    assert _fields(light) == _fields(usual)
    assert light.order is order and light.part is part  # cached as the descriptors do
    assert light._state.adding and light._state.db == usual._state.db == "default"


def test_names_that_are_not_fields_take_the_usual_constructor():
    with light_constructors([SalesOrderLine]), pytest.raises(TypeError, match="unexpected"):
        SalesOrderLine(not_a_field=1)
