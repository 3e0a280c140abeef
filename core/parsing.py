"""Reading values people type into URLs."""

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def parse_bool(name: str, value: str | None, default: bool = False) -> bool:
    """Read a boolean query parameter: true/false, 1/0, yes/no in any case.

    Raises ValueError with a sentence for the person who wrote the URL."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{name} must be true or false (also 1/0, yes/no), not {value!r}.")
