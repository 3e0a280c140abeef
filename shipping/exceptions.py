"""Domain errors of shipping. Each carries a sentence a person can act on.

They derive from core.exceptions.DomainError (a ValidationError), so forms and the admin
show them like any other validation message.
"""

from core.exceptions import AlreadyDoneError, DomainError


class ShippingError(DomainError):
    """Base of every refusal raised by shipping.services."""


class OrderNotIssuedError(ShippingError):
    """The order is not in a state that allows this (allocating, shipping)."""


class ShipmentStateError(ShippingError):
    """The shipment is not pending (or not of this order) where the operation needs it."""


class AlreadyShippedError(AlreadyDoneError, ShipmentStateError):
    """A second Complete Shipment of the same shipment."""


class AlreadyDeliveredError(AlreadyDoneError, ShipmentStateError):
    """A second Mark Delivered of a shipment, with the same delivery date."""


class AlreadyDeletedError(AlreadyDoneError, ShippingError):
    """A second Delete of a pending shipment, or Remove of an allocation: it is gone."""


class AllocationError(ShippingError):
    """A stock allocation that would break a rule: wrong part, not OK, too much, ..."""
