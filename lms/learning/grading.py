"""Grading of one question and of a paper: pure functions over the paper snapshot and the answers.

A paper item holds ``kind``, ``scoring``, ``options`` (as shown) and ``key``: the correct option
ids, in the correct order for an ordering question. Answers are a list of chosen option ids, or
for an ordering question a mapping option id → the rank the official gave it (1 = first).
"""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
PARTIAL = "partial"


def _ratio(numerator, denominator):
    if denominator <= 0 or numerator <= 0:
        return ZERO
    return min(ONE, (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def grade_choice(key, chosen, scoring=None, multiple=False):
    """Single choice and true/false: right or wrong. Multiple choice: all-or-nothing, or partial
    credit of (right choices − wrong choices) / correct options, never below zero."""
    key, chosen = set(key), set(chosen or ())
    if not multiple or scoring != PARTIAL:
        return ONE if chosen and chosen == key else ZERO
    return _ratio(len(chosen & key) - len(chosen - key), len(key))


def grade_ordering(key, ranks, scoring=None):
    """All-or-nothing: every step in its place. Partial credit: the share of steps in their place."""
    ranks = ranks or {}
    in_place = sum(1 for position, option_id in enumerate(key, start=1) if ranks.get(str(option_id)) == position)
    if scoring == PARTIAL:
        return _ratio(in_place, len(key))
    return ONE if key and in_place == len(key) else ZERO


def grade_item(item, answer):
    if item["kind"] == "ordering":
        return grade_ordering(item["key"], answer if isinstance(answer, dict) else {}, item.get("scoring"))
    chosen = answer if isinstance(answer, list) else []
    return grade_choice(item["key"], chosen, item.get("scoring"), multiple=item["kind"] == "multiple")


def is_answered(item, answer):
    if item["kind"] == "ordering":
        return isinstance(answer, dict) and len(answer) == len(item["options"])
    return bool(answer)


def grade_paper(paper, answers):
    """Credits per position (0–1) and the score as a percentage with two decimals."""
    credits = [grade_item(item, answers.get(str(position))) for position, item in enumerate(paper)]
    if not credits:
        return credits, ZERO
    score = (sum(credits) * 100 / len(credits)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return credits, score


def model_answers(paper):
    """The answers that earn full marks on ``paper``: for the demo history and for tests."""
    answers = {}
    for position, item in enumerate(paper):
        if item["kind"] == "ordering":
            answers[str(position)] = {str(option_id): rank for rank, option_id in enumerate(item["key"], start=1)}
        else:
            answers[str(position)] = sorted(item["key"])  # as clean_answers stores a choice
    return answers
