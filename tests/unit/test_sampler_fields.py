"""The sampler's fields as text: one parser for the command line and the app."""

import pytest

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.sampler_fields import parse_beam, parse_temperatures


@pytest.mark.parametrize("text, values", [("0.5,1", [0.5, 1.0]), ("0.5, 1 1.5", [0.5, 1.0, 1.5]), ("0", [0.0]),
                                          (" 100 ", [100.0]), ("1e-9", [1e-9])])
def test_temperatures_are_numbers_separated_by_commas_or_spaces(text, values):
    assert parse_temperatures(text) == values


@pytest.mark.parametrize("text, message", [
    ("", "give one or more numbers from 0 to 100"), ("  ", "give one or more numbers"),
    ("0.5,,1", "an empty item in '0.5,,1'"), ("0.5,", "an empty item"), (",1", "an empty item"),
    ("0.5,x", "'x' is not a number"), ("nan", "temperature must be a number from 0 to 100, not nan"),
    ("-1", "not -1.0"), ("101", "not 101.0"), ("inf", "not inf"),
])
def test_bad_temperatures_are_one_line(text, message):
    with pytest.raises(UserError) as refused:
        parse_temperatures(text)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_the_number_of_temperatures_can_be_bounded():
    assert parse_temperatures("1,2", most=2) == [1.0, 2.0]
    with pytest.raises(UserError, match="at most 2 numbers, not 3"):
        parse_temperatures("1,2,3", most=2)


@pytest.mark.parametrize("text, width", [("", 0), ("  ", 0), ("0", 0), ("1", 1), (" 8 ", 8), ("64", 64)])
def test_a_beam_is_a_width_and_empty_or_0_is_off(text, width):
    assert parse_beam(text) == width


@pytest.mark.parametrize("text", ["65", "-1", "x", "1.5", "8,"])
def test_bad_beams_are_one_line(text):
    with pytest.raises(UserError) as refused:
        parse_beam(text)
    assert str(refused.value) == f"beam: a width from 1 to 64 (empty or 0: off), not {text!r}"
