"""Plain-language reasons, in Indonesian and English, why a project was or was not funded.

Every sentence states facts of the run it describes (amounts, counts, remaining budget),
so a resident can check it against the published numbers.
"""

from __future__ import annotations

from fractions import Fraction

from .money import format_count as n
from .money import format_rupiah as rp

Reason = tuple[str, str]  # (Indonesian, English)


def _unit(kind: str) -> tuple[str, str]:
    return ("suara", "votes") if kind in ("approval", "knapsack") else ("poin", "points")


ENGLISH_SINGULAR = {"votes": "vote", "points": "point", "residents": "resident"}


def en(count: int, plural: str) -> str:
    """A count and its English noun: "1 vote", "58 votes" (Indonesian nouns do not change)."""
    return f"{n(count)} {ENGLISH_SINGULAR[plural] if count == 1 else plural}"


# --- greedy and Borda ------------------------------------------------------------------------


def greedy_funded(*, score: int, kind: str, cost: int, remaining: int) -> Reason:
    unit_id, unit_en = _unit(kind)
    if score == 0:
        return (
            f"Didanai meski tanpa {unit_id}: setelah semua proyek yang mendapat {unit_id} mendapat giliran, "
            f"biayanya {rp(cost)} masih muat dalam sisa anggaran {rp(remaining)}.",
            f"Funded without any {unit_en}: after every project with {unit_en} had its turn, "
            f"its cost of {rp(cost)} still fitted in the remaining budget of {rp(remaining)}.",
        )
    return (
        f"Didanai: {n(score)} {unit_id}, biaya {rp(cost)} masih muat dalam sisa anggaran {rp(remaining)}.",
        f"Funded: {en(score, unit_en)}; its cost of {rp(cost)} fitted in the remaining budget of {rp(remaining)}.",
    )


def greedy_not_funded(*, score: int, kind: str, cost: int, remaining: int, budget: int, position: int) -> Reason:
    unit_id, unit_en = _unit(kind)
    if cost > budget:
        return over_whole_budget(cost=cost, budget=budget)
    return (
        f"Tidak didanai: biaya {rp(cost)} melebihi sisa anggaran {rp(remaining)} saat gilirannya "
        f"(urutan ke-{position} dengan {n(score)} {unit_id}).",
        f"Not funded: its cost of {rp(cost)} exceeded the remaining budget of {rp(remaining)} when its turn came "
        f"(position {position}, with {en(score, unit_en)}).",
    )


def over_whole_budget(*, cost: int, budget: int) -> Reason:
    return (
        f"Tidak didanai: biaya {rp(cost)} melebihi seluruh pagu anggaran {rp(budget)}.",
        f"Not funded: its cost of {rp(cost)} exceeds the whole budget of {rp(budget)}.",
    )


# --- Method of Equal Shares --------------------------------------------------------------------


def mes_funded(*, supporters: int, cost: int, price: Fraction, voter_budget: Fraction) -> Reason:
    return (
        f"Didanai: para pendukungnya ({n(supporters)} warga) cukup membayar bagiannya: biaya {rp(cost)} "
        f"ditanggung bersama, paling banyak sekitar {rp(price)} per orang dari bagian anggaran "
        f"sekitar {rp(voter_budget)} milik tiap warga.",
        f"Funded: its supporters ({en(supporters, 'residents')}) could pay their share: the cost of {rp(cost)} "
        f"was split among them, at most about {rp(price)} each, out of every resident's share "
        f"of about {rp(voter_budget)}.",
    )


def mes_funded_by_add1(
    *, supporters: int, cost: int, price: Fraction, first_budget: Fraction, voter_budget: Fraction
) -> Reason:
    return (
        f"Didanai melalui penyelesaian add1: bagian anggaran tiap warga dinaikkan dari sekitar {rp(first_budget)} "
        f"menjadi sekitar {rp(voter_budget)} (total terpilih tetap dalam pagu), dan para pendukungnya "
        f"({n(supporters)} warga) cukup membayar biaya {rp(cost)}, paling banyak sekitar {rp(price)} per orang.",
        f"Funded by the add1 completion: every resident's share was raised from about {rp(first_budget)} "
        f"to about {rp(voter_budget)} (the selection still fits the budget), and its supporters "
        f"({en(supporters, 'residents')}) could pay its cost of {rp(cost)}, at most about {rp(price)} each.",
    )


def mes_no_supporters() -> Reason:
    return (
        "Tidak didanai: tidak ada warga yang memilih proyek ini.",
        "Not funded: no resident voted for this project.",
    )


def mes_zero_cost() -> Reason:
    return (
        "Tidak didanai: proyek tanpa biaya tidak diikutkan dalam Metode Pembagian Setara.",
        "Not funded: a project without a cost does not take part in the Method of Equal Shares.",
    )


def mes_share_too_small(*, supporters: int, cost: int, voter_budget: Fraction) -> Reason:
    total = voter_budget * supporters
    return (
        f"Tidak didanai: bahkan seluruh bagian anggaran para pendukungnya ({n(supporters)} warga x sekitar "
        f"{rp(voter_budget)} = sekitar {rp(total)}) tidak cukup untuk biaya {rp(cost)}.",
        f"Not funded: even the whole share of its supporters ({en(supporters, 'residents')} x about "
        f"{rp(voter_budget)} = about {rp(total)}) is less than its cost of {rp(cost)}.",
    )


def mes_share_spent(*, supporters: int, cost: int, leftover: int) -> Reason:
    return (
        f"Tidak didanai: bagian anggaran para pendukungnya ({n(supporters)} warga) sudah habis untuk proyek lain: "
        f"sisa mereka hanya sekitar {rp(leftover)}, kurang dari biaya {rp(cost)}.",
        f"Not funded: the share of its supporters ({en(supporters, 'residents')}) was already spent on other projects: "
        f"they had only about {rp(leftover)} left, less than its cost of {rp(cost)}.",
    )
