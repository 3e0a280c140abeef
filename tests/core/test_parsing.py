"""Booleans typed into URLs (core.parsing.parse_bool)."""

import pytest

from core.parsing import parse_bool


@pytest.mark.parametrize("text", ["true", "TRUE", " 1 ", "yes", "Yes"])
def test_true_in_any_spelling(text):
    assert parse_bool("fillable", text) is True


@pytest.mark.parametrize("text", ["false", "0", "no", "NO"])
def test_false_in_any_spelling(text):
    assert parse_bool("fillable", text) is False


def test_missing_gives_the_default():
    assert parse_bool("fillable", None) is False
    assert parse_bool("fillable", None, default=True) is True


@pytest.mark.parametrize("text", ["", "maybe", "2", "tru", "on"])
def test_anything_else_is_refused_with_a_sentence_naming_the_parameter(text):
    with pytest.raises(ValueError) as error:
        parse_bool("fillable", text)
    assert str(error.value) == (f"fillable must be true or false (also 1/0, yes/no), not {text!r}.")
