import numpy as np
import pytest

from rnn_tui.engine.errors import UserError
from rnn_tui.engine.insight.features import FEATURES, features_of, regex_feature

TEXT = 'x = f("a b", [1])  # it\'s\nDon\'t \'q\'\n'


def as_list(name: str) -> list[int]:
    return [int(v) for v in FEATURES[name](TEXT)]


def spans(values: list[int]) -> str:
    return "".join(TEXT[t] for t, v in enumerate(values) if v)


def test_quotes_hold_from_the_opening_quote_to_before_the_closing_one():
    assert spans(as_list("double_quote")) == '"a b'
    # the apostrophes of it's and Don't open nothing; 'q' on the second line is quoted
    assert spans(as_list("single_quote")) == "'q"


def test_bracket_depth_counts_the_bracket_just_read():
    depth = as_list("bracket_depth")
    assert depth[TEXT.index("(")] == 1 and depth[TEXT.index("[")] == 2 and depth[TEXT.index("1")] == 2
    assert depth[TEXT.index("]")] == 1 and depth[TEXT.index(")")] == 0


def test_positions_in_line_and_word():
    line = as_list("line_position")
    second = TEXT.index("\n") + 1
    assert line[:3] == [1, 2, 3] and line[second - 1] == 0 and line[second] == 1
    word = as_list("word_position")
    assert word[TEXT.index("Don't"):TEXT.index("Don't") + 5] == [1, 2, 3, 0, 1]
    assert spans(as_list("word_start")) == "xfab1isDtq"
    assert spans(as_list("line_start")) == "xD"


def test_comment_runs_from_a_hash_outside_quotes_to_the_line_end():
    assert spans(as_list("comment")) == "# it's"
    assert not FEATURES["comment"]('s = "#no"\n').any()


def test_character_classes():
    assert spans(as_list("upper_case")) == "D"
    assert spans(as_list("digit")) == "1"
    assert spans(as_list("whitespace")) == "".join(ch for ch in TEXT if ch in " \n")


def test_every_feature_has_one_value_per_character():
    for name, values in features_of(TEXT).items():
        assert values.shape == (len(TEXT),), name


def test_a_regex_marks_every_character_of_each_match():
    assert spans(list(regex_feature(TEXT, r"\[\d\]"))) == "[1]"
    np.testing.assert_array_equal(regex_feature(TEXT, "[0-9]"), FEATURES["digit"](TEXT))


def test_a_bad_regex_is_a_user_error():
    with pytest.raises(UserError, match="not a regular expression"):
        regex_feature(TEXT, "(unclosed")
