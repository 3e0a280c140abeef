"""One base for every refusal: each app's error is a core DomainError and reads as a sentence."""

import pytest

from core.exceptions import DomainError
from customers.exceptions import CustomerError
from inventory.exceptions import InventoryError
from salesorders.exceptions import SalesOrderError
from shipping.exceptions import ShippingError


@pytest.mark.parametrize(
    "error_class", [CustomerError, InventoryError, SalesOrderError, ShippingError]
)
def test_every_app_error_is_a_domain_error_that_reads_as_its_sentences(error_class):
    assert issubclass(error_class, DomainError)
    assert str(error_class("Nothing was written.")) == "Nothing was written."
    at_fields = error_class({"quantity": "Too many.", "part": "Not salable."})
    assert str(at_fields) == "Too many. Not salable."
