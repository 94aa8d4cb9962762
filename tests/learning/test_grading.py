"""Grading of one question and of a paper: pure functions, no database."""

from decimal import Decimal
from itertools import combinations

import pytest

from lms.learning.grading import grade_item, grade_paper, is_answered, model_answers


def item(kind, key, options, scoring="all_or_nothing"):
    return {"kind": kind, "scoring": scoring, "key": key, "options": [{"id": i, "text": f"#{i}"} for i in options]}


SINGLE = item("single", [2], [1, 2, 3])
TRUE_FALSE = item("true_false", [11], [10, 11])
MULTIPLE = item("multiple", [21, 22, 23], [21, 22, 23, 24, 25])
MULTIPLE_PARTIAL = item("multiple", [21, 22, 23], [21, 22, 23, 24, 25], scoring="partial")
# The correct order is 33, 31, 34, 32: a rank maps option id → place the official gave it.
ORDERING = item("ordering", [33, 31, 34, 32], [31, 32, 33, 34])
ORDERING_PARTIAL = item("ordering", [33, 31, 34, 32], [31, 32, 33, 34], scoring="partial")
IN_ORDER = {"33": 1, "31": 2, "34": 3, "32": 4}


# Single choice and true / false -------------------------------------------------------------------


def test_single_choice_right_option_earns_full_credit():
    assert grade_item(SINGLE, [2]) == 1


def test_single_choice_wrong_option_earns_nothing():
    assert grade_item(SINGLE, [3]) == 0


def test_single_choice_with_the_right_and_a_wrong_option_earns_nothing():
    assert grade_item(SINGLE, [2, 3]) == 0


def test_single_choice_ignores_a_partial_credit_setting():
    assert grade_item({**SINGLE, "scoring": "partial"}, [2, 3]) == 0


def test_true_false_right_and_wrong():
    assert (grade_item(TRUE_FALSE, [11]), grade_item(TRUE_FALSE, [10])) == (1, 0)


# Multiple choice ----------------------------------------------------------------------------------


def test_multiple_all_or_nothing_needs_exactly_the_correct_options():
    assert grade_item(MULTIPLE, [23, 21, 22]) == 1


@pytest.mark.parametrize("chosen", [[21, 22], [21, 22, 23, 24], [24]], ids=["one-missing", "one-extra", "only-wrong"])
def test_multiple_all_or_nothing_anything_else_earns_nothing(chosen):
    assert grade_item(MULTIPLE, chosen) == 0


def test_multiple_partial_all_correct_earns_full_credit():
    assert grade_item(MULTIPLE_PARTIAL, [21, 22, 23]) == 1


def test_multiple_partial_counts_the_share_of_correct_options():
    assert grade_item(MULTIPLE_PARTIAL, [21, 22]) == Decimal("0.6667")


def test_multiple_partial_takes_wrong_choices_off_the_right_ones():
    # (2 right − 1 wrong) / 3 correct options
    assert grade_item(MULTIPLE_PARTIAL, [21, 22, 24]) == Decimal("0.3333")


def test_multiple_partial_never_goes_below_zero():
    # (1 right − 2 wrong) / 3 would be negative
    assert grade_item(MULTIPLE_PARTIAL, [21, 24, 25]) == 0


def test_multiple_partial_stays_between_zero_and_one_for_every_choice():
    options = [option["id"] for option in MULTIPLE_PARTIAL["options"]]
    key = set(MULTIPLE_PARTIAL["key"])
    for chosen in (set(c) for n in range(len(options) + 1) for c in combinations(options, n)):
        expected = max(Decimal(0), Decimal(len(chosen & key) - len(chosen - key)) / len(key))
        credit = grade_item(MULTIPLE_PARTIAL, sorted(chosen))
        assert 0 <= credit <= 1
        assert credit == expected.quantize(Decimal("0.0001")), chosen


def test_multiple_partial_repeated_choices_count_once():
    assert grade_item(MULTIPLE_PARTIAL, [21, 21, 21]) == Decimal("0.3333")


# Ordering -----------------------------------------------------------------------------------------


def test_ordering_all_or_nothing_every_step_in_place():
    assert grade_item(ORDERING, IN_ORDER) == 1


def test_ordering_all_or_nothing_one_swap_earns_nothing():
    assert grade_item(ORDERING, {**IN_ORDER, "34": 4, "32": 3}) == 0


def test_ordering_partial_counts_the_share_of_steps_in_place():
    assert grade_item(ORDERING_PARTIAL, {**IN_ORDER, "34": 4, "32": 3}) == Decimal("0.5")


def test_ordering_partial_every_step_in_place_earns_full_credit():
    assert grade_item(ORDERING_PARTIAL, IN_ORDER) == 1


def test_ordering_partial_no_step_in_place_earns_nothing():
    assert grade_item(ORDERING_PARTIAL, {"33": 4, "31": 1, "34": 2, "32": 3}) == 0


def test_ordering_partial_steps_left_unranked_earn_nothing():
    assert grade_item(ORDERING_PARTIAL, {"33": 1}) == Decimal("0.25")


def test_ordering_shown_in_the_correct_order_but_unranked_earns_nothing():
    assert grade_item(ORDERING_PARTIAL, {}) == 0


# Unanswered and malformed answers -----------------------------------------------------------------


@pytest.mark.parametrize("question", [SINGLE, TRUE_FALSE, MULTIPLE, MULTIPLE_PARTIAL, ORDERING, ORDERING_PARTIAL])
@pytest.mark.parametrize("answer", [None, [], {}], ids=["missing", "empty-list", "empty-dict"])
def test_unanswered_earns_nothing_and_is_not_answered(question, answer):
    assert grade_item(question, answer) == 0
    assert not is_answered(question, answer)


def test_choice_answer_in_the_wrong_shape_earns_nothing():
    assert grade_item(SINGLE, {"2": 1}) == 0


def test_ordering_answer_in_the_wrong_shape_earns_nothing():
    assert grade_item(ORDERING_PARTIAL, [33, 31, 34, 32]) == 0


def test_an_ordering_question_counts_as_answered_only_when_every_step_has_a_rank():
    assert not is_answered(ORDERING, {"33": 1, "31": 2, "34": 3})
    assert is_answered(ORDERING, IN_ORDER)


def test_a_wrong_answer_still_counts_as_answered():
    assert is_answered(SINGLE, [3])


# A whole paper ------------------------------------------------------------------------------------


def test_grade_paper_gives_credits_per_position_and_the_percentage():
    paper = [SINGLE, MULTIPLE_PARTIAL, ORDERING]
    credits, score = grade_paper(paper, {"0": [2], "1": [21], "2": {}})
    assert credits == [1, Decimal("0.3333"), 0]
    assert score == Decimal("44.44")


def test_grade_paper_rounds_the_score_to_two_decimals():
    credits, score = grade_paper([SINGLE, SINGLE, SINGLE], {"0": [2], "1": [2]})
    assert score == Decimal("66.67")
    assert score.as_tuple().exponent == -2


def test_grade_paper_rounds_half_up():
    # 33.33 / 2 = 16.665 exactly: half-up gives 16.67 where banker's rounding would give 16.66.
    credits, score = grade_paper([MULTIPLE_PARTIAL, SINGLE], {"0": [21]})
    assert credits == [Decimal("0.3333"), 0]
    assert score == Decimal("16.67")


def test_grade_paper_full_marks_is_one_hundred():
    paper = [SINGLE, TRUE_FALSE, MULTIPLE, MULTIPLE_PARTIAL, ORDERING, ORDERING_PARTIAL]
    assert grade_paper(paper, model_answers(paper))[1] == Decimal("100.00")


def test_grade_paper_nothing_answered_is_zero():
    assert grade_paper([SINGLE, ORDERING], {}) == ([0, 0], Decimal("0.00"))


def test_grade_paper_of_an_empty_paper_is_zero():
    assert grade_paper([], {}) == ([], 0)


def test_grade_paper_ignores_answers_for_positions_not_on_the_paper():
    assert grade_paper([SINGLE], {"0": [3], "1": [2], "5": [2]})[1] == 0
