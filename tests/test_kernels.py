"""The compiled kernels against what they stand for: numpy's own arithmetic, the enums' order.

The month's encounters (``kernels/encounters.py``) and the trust network's kernels are checked in
``test_trust.py``, against the rates and rules they stand for."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import enums
from simulation.enums import FundingSource
from simulation.kernels import alliances as ka
from simulation.kernels import funding as fk
from simulation.kernels import ideas as ik
from simulation.kernels import outcomes as ok


def test_enum_tuples_are_indexed_by_value() -> None:
    """``STAGES[i]`` stands for ``Stage(i)``: every member sits at the position of its value."""
    for members, enum in [
        (enums.KINDS, enums.ActorKind),
        (enums.DOMAINS, enums.Domain),
        (enums.STAGES, enums.Stage),
        (enums.CAUSES, enums.FailureCause),
        (enums.GOVERNANCES, enums.Governance),
        (enums.FORMS, enums.Form),
        (enums.PHARE_TYPES, enums.PhareType),
    ]:
        assert members == tuple(enum(i) for i in range(len(enum)))


def test_sources_in_the_enum_order() -> None:
    assert [int(s) for s in FundingSource] == [
        fk.PUBLIC_LOCAL,
        fk.LOCAL_FUND,
        fk.PUBLIC_POLICY,
        fk.PRIVATE,
        fk.VOLUNTEERING,
        fk.REVENUE,
    ]
    assert len(FundingSource) == fk.N_SOURCES


@pytest.mark.parametrize("n", [0, 1, 2, 5, 7, 8, 9, 15, 16, 17, 21, 127, 128, 129, 300, 1000])
def test_sums_are_numpys_bit_for_bit(n: int) -> None:
    """Plans made by the kernels equal numpy's to the last bit: the sums are grouped as numpy groups them."""
    rng = np.random.default_rng(n)
    for _ in range(50):
        a = rng.lognormal(0.0, 3.0, n)
        assert fk._sum(a) == a.sum()


@pytest.mark.parametrize("n_domains", [3, 8, 11, 19])
def test_proposals_are_their_numpy_expression(n_domains: int) -> None:
    """The month's proposers and their domains as the numpy of the kernel's docstring gives them, to the last bit
    and the last draw: rows of fewer than eight domains, of eight (the model's) and longer ones."""
    gen = np.random.default_rng(n_domains)
    n, n_territories = 3000, 4
    need = gen.lognormal(-1.0, 1.0, (n_territories, n_domains))
    territory = gen.integers(0, n_territories, n)
    interest = gen.random((n, n_domains))
    rate, experience = gen.random(n) * 0.3, 1.0 + gen.random(n)
    multiplier = gen.lognormal(0.0, 1.0, n)
    busy, max_projects = gen.integers(0, 3, n), np.full(n, 2)
    ours, theirs = np.random.default_rng(5), np.random.default_rng(5)
    got = ik.proposals(need, territory, interest, rate, experience, multiplier, busy, max_projects, ours)
    weight = interest * need[territory]
    p = rate * weight.mean(axis=1) * experience
    p *= multiplier
    p = np.where(busy < max_projects, np.clip(p, 0.0, 1.0), 0.0)
    proposers = np.flatnonzero(theirs.random(n) < p)
    w = weight[proposers]
    target = theirs.random(len(proposers)) * w.sum(axis=1)
    domain = np.minimum((np.cumsum(w, axis=1) <= target[:, None]).sum(axis=1), n_domains - 1)
    np.testing.assert_array_equal(got[0], proposers)
    np.testing.assert_array_equal(got[1], domain)
    assert ours.random() == theirs.random()
    assert 0 < len(proposers) < n and len(set(domain.tolist())) > 1


def _greedy_numpy(seg, cand, w, interest, brings, caps, unaided, members, supply, coverage, helped) -> None:
    """The model's numpy rounds before :func:`simulation.kernels.alliances.greedy`, which must give them to the bit."""
    unchosen = np.ones(len(seg), dtype=bool)
    for r in range(1, members.shape[1]):
        live = unchosen & (coverage[seg] < 1.0) & (caps[seg] >= r)
        seg, cand, w, interest = seg[live], cand[live], w[live], interest[live]
        if len(seg) == 0:
            break
        gain = np.minimum(supply[seg] + brings[cand], 1.0).mean(axis=1) - coverage[seg]
        score = w * interest * gain
        firsts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        best_score = np.maximum.reduceat(score, firsts)
        is_best = (score == np.repeat(best_score, np.diff(np.r_[firsts, len(seg)]))) & (score > 0)
        pos = np.flatnonzero(is_best)
        pos = pos[np.r_[True, seg[pos[1:]] != seg[pos[:-1]]]] if len(pos) else pos
        if len(pos) == 0:
            break
        k = seg[pos]
        members[k, r] = cand[pos]
        helped[k] |= w[pos] < unaided[k]
        supply[k] += brings[cand[pos]]
        coverage[k] += gain[pos]
        unchosen = np.ones(len(seg), dtype=bool)
        unchosen[pos] = False


@pytest.mark.parametrize("n_resources", [5, 8, 11])
def test_recruitment_rounds_are_their_numpy_expression(n_resources: int) -> None:
    """The month's recruitment as the model's numpy rounds made it, to the last bit: rows of fewer than
    eight resources (the model's), of eight and longer ones; ties of scores (equal trust and interest), ideas
    without candidates, ideas whose candidates bring nothing."""
    gen = np.random.default_rng(n_resources)
    k_n, n_actors = 400, 300
    brings = np.round(gen.random((n_actors, n_resources)), 1) * (gen.random((n_actors, 1)) < 0.9)
    per_idea = gen.integers(0, 12, k_n)
    seg = np.repeat(np.arange(k_n), per_idea)
    cand = gen.integers(0, n_actors, len(seg))
    w = np.round(gen.random(len(seg)), 1)
    interest = np.round(gen.lognormal(0.0, 0.5, len(seg)), 1)
    caps = np.minimum(gen.geometric(1 / 3, k_n), 15)
    unaided = np.full(k_n, 0.3)
    init = gen.integers(0, n_actors, k_n)
    state = []
    for _ in range(2):
        members = np.full((k_n, 1 + int(caps.max())), -1, dtype=np.int64)
        members[:, 0] = init
        supply = brings[init].copy()
        state.append((members, supply, np.minimum(supply, 1.0).mean(axis=1), np.zeros(k_n, dtype=bool)))
    ka.greedy(seg, cand, w, interest, brings, caps, unaided, *state[0])
    _greedy_numpy(seg, cand, w, interest, brings, caps, unaided, *state[1])
    for got, expected in zip(state[0], state[1], strict=True):
        np.testing.assert_array_equal(got, expected)
    members = state[0][0]
    assert (members[:, 2] >= 0).any() and (members[:, 1] < 0).any() and state[0][3].any()


def test_counts_by_kind_are_bincounts() -> None:
    """Actors of each kind with a flag (a count of projects, or a yes/no), as numpy's mask and bincount give them."""
    gen = np.random.default_rng(3)
    kind = gen.integers(0, 5, 1000)
    engaged = gen.integers(0, 3, 1000) * (gen.random(1000) < 0.3)
    ever = engaged + (gen.random(1000) < 0.2) > 0
    counts = ok.count_by_kind(kind, engaged, ever, 6)
    for row, flag in zip(counts, (engaged, ever), strict=True):
        np.testing.assert_array_equal(row, np.bincount(kind[flag > 0], minlength=6))


@pytest.mark.parametrize(("n_rows", "width", "length"), [(4, 50, 1), (4, 50, 7), (3, 1000, 130), (4, 20_000, 13_001)])
def test_leading_sums_are_numpys(n_rows: int, width: int, length: int) -> None:
    """The first ``length`` values of every row summed as numpy sums them once copied into one block, to the bit
    (blocks of 128 that straddle two rows included)."""
    rows = np.random.default_rng(length).lognormal(0.0, 3.0, (n_rows, width))
    assert ok.leading_sum(rows, length) == np.ascontiguousarray(rows[:, :length]).sum()
