"""The English reasons count in English: "1 vote", "58 votes" (issue 13 saw "Funded: 1 votes")."""

import re
from fractions import Fraction

from voting.tally import reasons

ONE_PLURAL = re.compile(r"\b1 (votes|points|residents)\b")


def test_one_vote_one_point_one_resident_are_singular_in_english():
    texts = [
        reasons.greedy_funded(score=1, kind="approval", cost=10, remaining=20),
        reasons.greedy_funded(score=1, kind="cumulative", cost=10, remaining=20),
        reasons.greedy_not_funded(score=1, kind="approval", cost=30, remaining=20, budget=100, position=6),
        reasons.mes_funded(supporters=1, cost=10, price=Fraction(10), voter_budget=Fraction(50)),
        reasons.mes_funded_by_add1(supporters=1, cost=10, price=Fraction(10), first_budget=Fraction(5),
                                   voter_budget=Fraction(10)),
        reasons.mes_share_too_small(supporters=1, cost=100, voter_budget=Fraction(10)),
        reasons.mes_share_spent(supporters=1, cost=100, leftover=3),
    ]
    for _indonesian, english in texts:
        assert not ONE_PLURAL.search(english), english
        assert re.search(r"\b1 (vote|point|resident)\b", english), english
    assert "Funded: 1 vote;" in texts[0][1]
    assert "Didanai: 1 suara," in texts[0][0]


def test_other_counts_stay_plural():
    assert "Funded: 58 votes;" in reasons.greedy_funded(score=58, kind="knapsack", cost=10, remaining=20)[1]
    assert "(2 residents)" in reasons.mes_share_spent(supporters=2, cost=100, leftover=3)[1]
    assert "Funded without any votes" in reasons.greedy_funded(score=0, kind="approval", cost=10, remaining=20)[1]
