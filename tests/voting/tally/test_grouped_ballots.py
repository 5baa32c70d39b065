"""Ballots handed over grouped (each distinct ballot once, with how many cast it) give the result
the repeated ballots give: the same selection, reasons, voter count and input hash."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hypothesis_examples import examples
from voting.tally import Ballots, tally

from .test_properties import elections


def _grouped(ballots: Ballots) -> Ballots:
    """The same ballots as a database GROUP BY gives them: equal texts once, with their count.
    (Ranked ballots in another order, or approvals listed in another order, stay apart.)"""
    def key(item):
        return tuple(sorted(item.items())) if isinstance(item, dict) else tuple(item)

    counts = Counter(key(item) for item in ballots.items)
    first = {}
    for item in ballots.items:
        first.setdefault(key(item), item)
    return Ballots(kind=ballots.kind, items=[first[k] for k in counts], counts=list(counts.values()),
                   max_rank=ballots.max_rank)


@settings(max_examples=examples(300), deadline=None)
@given(st.sampled_from(["approval", "ranked", "cumulative"]).flatmap(elections))
def test_grouped_ballots_give_the_result_of_the_repeated_ones(election):
    projects, ballots, budget = election
    grouped = _grouped(ballots)
    assert grouped.voter_count == ballots.voter_count == len(ballots.items)
    rules = ["greedy", "mes"] + (["borda"] if ballots.kind == "ranked" else [])
    for rule in rules:
        one_by_one = tally(rule=rule, budget=budget, projects=projects, ballots=ballots)
        counted = tally(rule=rule, budget=budget, projects=projects, ballots=grouped)
        assert counted.to_dict() == one_by_one.to_dict()
        assert counted.input_hash == one_by_one.input_hash


def test_counts_must_fit_the_items():
    with pytest.raises(ValueError):
        Ballots(kind="approval", items=[("1",)], counts=[1, 2])
    with pytest.raises(ValueError):
        Ballots(kind="approval", items=[("1",)], counts=[0])
    assert Ballots(kind="approval", items=[("1",), ("2", "1")], counts=[3, 2]).approval_sets() == [("1",)] * 3 + [("1", "2")] * 2
