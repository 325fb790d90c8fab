"""The array-held trust network, checked against a plain dict / networkx reference, and the month's encounters
(drawn and applied in one compiled pass) against the rates and rules they stand for."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.kernels import sketch as ks
from simulation.kernels import trust as k
from simulation.kernels.encounters import STRANGER_TRIES
from simulation.model.trust import TrustNetwork, all_pairs, mean_pair_trust

N = 30


def _net(sector: np.ndarray | None = None, prune_below: float = 0.0) -> TrustNetwork:
    return TrustNetwork(N, sector if sector is not None else np.arange(N) % 3, prune_below)


def _as_dict(net: TrustNetwork) -> dict[tuple[int, int], float]:
    keys, trust = net.entries()
    src, dst = np.divmod(keys, net.n)
    return {(int(a), int(b)): float(w) for a, b, w in zip(src, dst, trust, strict=True)}


def _check_symmetric_sorted(net: TrustNetwork) -> None:
    """The pool's invariants: rows inside the pool and apart, the two copies of a tie pointing at each other."""
    d = _as_dict(net)
    keys, trust = net.entries()
    assert all(d[(b, a)] == w for (a, b), w in d.items()), "both stored copies hold the same trust"
    assert np.all(np.diff(keys) > 0), "keys sorted and unique"
    assert np.all((trust >= 0) & (trust <= 1))
    top = int(net.meta[0])
    assert np.all(net.deg <= net.cap) and np.all(net.start + net.cap <= top) and top <= len(net.nbr)
    used = np.zeros(top, dtype=np.int64)
    assert all(c & (c - 1) == 0 for c in net.cap.tolist()), "a row's room is a power of two"
    for i in range(net.n):
        used[net.start[i] : net.start[i] + net.cap[i]] += 1
        for e in range(net.start[i], net.start[i] + net.deg[i]):
            j = net.nbr[e]
            assert j != i and 0 <= net.back[e] < net.deg[j], "the copy lies in the neighbour's row"
            t = net.start[j] + net.back[e]
            assert net.nbr[t] == i and net.start[i] + net.back[t] == e and net.w[t] == net.w[e]
    for hole, size in _holes(net):
        used[hole : hole + size] += 1
    assert used.max(initial=0) <= 1, "rows and holes do not overlap"
    src = keys // net.n
    bound = np.full(net.n, -1.0)
    np.maximum.at(bound, src, trust)
    assert np.all(net.row_max * net.unit >= bound * (1 - 1e-12)), "row_max bounds every live tie of the row"
    live = np.repeat(np.arange(net.n), net.deg)
    entry = np.concatenate([np.arange(s, s + d) for s, d in zip(net.start, net.deg, strict=True)] or [np.empty(0, int)])
    assert _sketch_has(net, live, net.nbr[entry].astype(np.int64)).all(), "a sketch holds every neighbour of its row"


def _holes(net: TrustNetwork) -> list[tuple[int, int]]:
    """(start, size) of every hole on the pool's lists of holes."""
    out = []
    for size_class in range(k.SIZE_CLASSES):
        hole = int(net.meta[k.HOLES + size_class])
        while hole >= 0:
            out.append((hole, 2**size_class))
            hole = int(net.nbr[hole])
    return out


def _sketch_has(net: TrustNetwork, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Whether ``i``'s sketch has ``j``'s two bits (numpy's version of ``kernels.trust.may_know``)."""
    h = j.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    bits = [(h >> np.uint64(55)).astype(np.int64), ((h >> np.uint64(46)) & np.uint64(511)).astype(np.int64)]
    words = net.sketch.reshape(net.n, ks.SKETCH_WORDS)
    return np.logical_and.reduce(
        [(words[i, b >> 6] >> (b & 63).astype(np.uint64)) & np.uint64(1) == 1 for b in bits]
    )


def test_meet_creates_then_raises_towards_the_cap() -> None:
    net = _net()
    new = net.meet(np.array([0, 1, 0]), np.array([1, 0, 0]), np.array([0.1, 0.3, 0.9]), cap=0.35, gain=0.5)
    assert new == 1  # (0,1) and (1,0) are one tie; (0,0) is no tie
    # The first encounter starts the tie, the second (the same pair, either way round) raises it.
    assert net.get(np.array([0, 1]), np.array([1, 0])).tolist() == [pytest.approx(0.1 + 0.5 * 0.25)] * 2
    net.meet(np.array([1]), np.array([0]), np.array([0.0]), cap=0.35, gain=0.5)
    assert net.get(np.array([0]), np.array([1]))[0] == pytest.approx(0.35 - 0.25 * 0.5**2)
    for _ in range(50):
        net.meet(np.array([0]), np.array([1]), np.array([0.0]), cap=0.35, gain=0.5)
    assert net.get(np.array([0]), np.array([1]))[0] <= 0.35  # acquaintance alone never passes the cap
    _check_symmetric_sorted(net)


def test_success_raises_and_failure_lowers_faster() -> None:
    net = _net()
    members = np.array([3, 7, 9])
    net.queue_success(members)
    net.flush(success_gain=0.3, floor=0.1, reputation_gain=0.0, cap=0.35, failure_loss=0.45)
    w = net.get(np.array([3, 3, 7]), np.array([7, 9, 9]))
    assert np.allclose(w, 0.1 + 0.3 * 0.9)  # ties created at the floor, then the gain
    before = w[0]
    net.queue_failure(members)
    net.flush(success_gain=0.3, floor=0.1, reputation_gain=0.0, cap=0.35, failure_loss=0.45)
    after = net.get(np.array([3]), np.array([7]))[0]
    assert after == pytest.approx(before - 0.45 * max(before, 1 - before))
    _check_symmetric_sorted(net)


def test_failure_moves_trust_more_than_success_from_the_midpoint() -> None:
    """ODD §7.2: from trust 0.5, a failure (−0.45 × max(w, 1 − w)) moves more than a success (+0.3 × (1 − w))."""
    up, down = _net(), _net()
    for net in (up, down):
        net.meet(np.array([0]), np.array([1]), np.array([0.5]), cap=0.35, gain=0.0)
    up.queue_success(np.array([0, 1]))
    down.queue_failure(np.array([0, 1]))
    for net in (up, down):
        net.flush(success_gain=0.3, floor=0.1, reputation_gain=0.0, cap=0.35, failure_loss=0.45)
    gained = up.get(np.array([0]), np.array([1]))[0] - 0.5
    lost = 0.5 - down.get(np.array([0]), np.array([1]))[0]
    assert gained == pytest.approx(0.15) and lost == pytest.approx(0.225) and lost > gained


def test_two_successes_in_a_month_count_twice() -> None:
    net = _net()
    net.meet(np.array([1]), np.array([2]), np.array([0.2]), cap=0.35, gain=0.1)
    net.queue_success(np.array([1, 2]))
    net.queue_success(np.array([2, 1, 5]))
    net.flush(success_gain=0.3, floor=0.1, reputation_gain=0.0, cap=0.35, failure_loss=0.45)
    assert net.get(np.array([1]), np.array([2]))[0] == pytest.approx(1 - 0.8 * 0.7 * 0.7)


def test_reputation_reaches_acquaintances_up_to_the_cap() -> None:
    net = _net()
    net.meet(np.array([1, 1, 2]), np.array([10, 11, 12]), np.array([0.1, 0.5, 0.1]), cap=0.6, gain=0.1)
    net.queue_reputation(np.array([1]))
    net.flush(success_gain=0.3, floor=0.1, reputation_gain=0.5, cap=0.35, failure_loss=0.45)
    w = net.get(np.array([1, 1, 2]), np.array([10, 11, 12]))
    assert w[0] == pytest.approx(0.1 + 0.5 * 0.25)  # an acquaintance of the successful member
    assert w[1] == pytest.approx(0.5)  # already above the cap: unchanged
    assert w[2] == pytest.approx(0.1)  # not an acquaintance of a member
    _check_symmetric_sorted(net)


def test_decay_and_prune() -> None:
    net = _net(prune_below=0.02)
    net.meet(np.array([0, 2]), np.array([1, 3]), np.array([0.2, 0.021]), cap=0.35, gain=0.1)
    net.decay(rate=0.1)
    assert net.n_ties == 1, "the tie under prune_below is forgotten"
    assert net.get(np.array([0, 2]), np.array([1, 3])).tolist() == [pytest.approx(0.18), 0.0]
    assert net.neighbours(2)[0].size == 0 and net.degree()[2] == 0
    assert net.random_neighbours(np.array([2, 3]), np.random.default_rng(0)).tolist() == [-1, -1]
    _check_symmetric_sorted(net)
    # Met again, a forgotten tie starts over as a new one, at its initial trust.
    assert net.meet(np.array([3]), np.array([2]), np.array([0.1]), cap=0.35, gain=0.1) == 1
    assert net.get(np.array([2]), np.array([3]))[0] == pytest.approx(0.1)
    # A joint success of a forgotten pair starts it at the floor, then applies the gain.
    net.decay(rate=0.9)
    net.queue_success(np.array([2, 3]))
    net.flush(success_gain=0.3, floor=0.05, reputation_gain=0.0, cap=0.35, failure_loss=0.45)
    assert net.get(np.array([2]), np.array([3]))[0] == pytest.approx(1 - 0.95 * 0.7)
    net.compact()
    assert net.n_ties == 1 and net.deg.sum() == 2, "repacking drops the forgotten"
    _check_symmetric_sorted(net)


@pytest.mark.parametrize("seed", range(6))
def test_the_largest_component_month_after_month_matches_networkx(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The indicators' largest component, month after month while ties are made, fade, fail and move (rows grow,
    the pool is repacked): networkx's, whether the union–find started from nothing or from the last month's
    spanning forest, all of it still live or not (all happen here)."""
    from simulation.kernels import network as kn

    runs = {"from nothing": 0, "from a forest all live": 0, "from a forest partly gone": 0}
    totals, live_ties = kn.totals, kn.live_ties

    def counted_totals(*args: object) -> tuple[object, ...]:
        if args[6] and not len(args[7]):  # type: ignore[arg-type]
            runs["from nothing"] += 1
        return totals(*args)

    def counted_live_ties(*args: object) -> int:
        live = live_ties(*args)
        runs["from a forest all live" if live == len(args[5]) else "from a forest partly gone"] += 1  # type: ignore[arg-type]
        return live

    monkeypatch.setattr(kn, "totals", counted_totals)
    monkeypatch.setattr(kn, "live_ties", counted_live_ties)
    rng = np.random.default_rng(seed)
    net = _net(rng.integers(0, 3, N), prune_below=0.06)
    for month in range(64):
        busy = (month // 8) % 2 == 0  # eight months of many encounters, eight of few: connected, then apart
        a, b = rng.integers(0, N, 30 if busy else 2), rng.integers(0, N, 30 if busy else 2)
        net.meet(a, b, rng.uniform(0.07, 0.3, len(a)), cap=0.35, gain=0.2)
        if month % 3 == 0:
            net.queue_failure(rng.choice(N, 4, replace=False))  # a joint failure: its ties fall, some below the prune
            net.flush(success_gain=0.3, floor=0.05, reputation_gain=0.0, cap=0.35, failure_loss=0.6)
        net.decay(rate=0.05 if busy else 0.25)
        if month % 7 == 6:
            net.compact()
        g = nx.Graph()
        g.add_nodes_from(range(N))
        g.add_edges_from((int(x), int(y)) for x, y in zip(*np.divmod(net.entries()[0], N), strict=True))
        assert net.giant_component_share() * N == pytest.approx(max(len(c) for c in nx.connected_components(g)))
    assert all(runs.values()), runs


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, N - 1), st.integers(0, N - 1)), min_size=1, max_size=120), st.integers(0, 99))
def test_structure_and_indicators_match_networkx(pairs: list[tuple[int, int]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    sector = rng.integers(0, 3, N)
    net = _net(sector)
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    net.prune_below = 0.06
    net.meet(a, b, rng.uniform(0.05, 0.3, len(a)), cap=0.35, gain=0.2)
    net.decay(rate=0.3)
    if seed % 2:
        net.compact()  # half the cases repacked in between, the others with rows that moved
    net.meet(b, (a + 1) % N, rng.uniform(0.05, 0.3, len(a)), cap=0.35, gain=0.2)  # ties added after a prune
    net.decay(rate=0.2)
    _check_symmetric_sorted(net)
    g = nx.Graph()
    g.add_nodes_from(range(N))
    g.add_edges_from((int(x), int(y)) for x, y in zip(*np.divmod(net.entries()[0], N), strict=True))
    assert net.n_ties == g.number_of_edges()
    assert net.density() == pytest.approx(nx.density(g))
    assert net.giant_component_share() == pytest.approx(max(len(c) for c in nx.connected_components(g)) / N)
    assert np.array_equal(net.degree(), np.array([g.degree(i) for i in range(N)]))
    for i in range(N):
        ids, _ = net.neighbours(i)
        assert set(ids.tolist()) == set(g.neighbors(i))
    if g.number_of_edges():
        cross = np.mean([sector[x] != sector[y] for x, y in g.edges()])
        assert net.cross_sector_share() == pytest.approx(cross)
    assert net.mean_trust() == pytest.approx(np.mean(list(_as_dict(net).values())) if g.number_of_edges() else 0.0)
    who = np.arange(N)
    for pick in (net.random_neighbours(who, rng), net.trusted_neighbours(who, rng)):
        for i, j in zip(who, pick, strict=True):
            assert (j == -1 and g.degree(i) == 0) or g.has_edge(int(i), int(j))


def test_trusted_neighbours_follow_trust() -> None:
    net = _net()
    net.meet(np.array([0, 0]), np.array([1, 2]), np.array([0.9, 0.1]), cap=0.35, gain=0.1)
    picks = net.trusted_neighbours(np.zeros(20_000, dtype=np.int64), np.random.default_rng(1))
    share = np.mean(picks == 1)
    assert share == pytest.approx(0.9, abs=0.01)  # 20,000 draws: sd ≈ 0.002


@pytest.mark.parametrize("weighted", [True, False])
def test_draws_within_a_row_follow_trust(weighted: bool) -> None:
    """Rejection draws (and the exact fallback for weak rows) give each live tie its share, forgotten ties none."""
    net = _net(prune_below=0.02)
    w_first = np.array([0.6, 0.05, 0.3])
    net.meet(np.zeros(3, np.int64), np.array([1, 2, 3]), w_first, cap=1.0, gain=0.0)
    net.compact()
    net.meet(np.zeros(3, np.int64), np.array([4, 5, 6]), np.array([0.2, 0.01, 0.9]), cap=1.0, gain=0.0)
    picks = (net.trusted_neighbours if weighted else net.random_neighbours)(
        np.zeros(40_000, dtype=np.int64), np.random.default_rng(2)
    )
    share = np.bincount(picks, minlength=7)[1:] / len(picks)
    w = np.array([0.6, 0.05, 0.3, 0.2, 0.0, 0.9])  # actor 5's tie is under prune_below: never drawn
    expected = w / w.sum() if weighted else (w > 0) / 5
    np.testing.assert_allclose(share, expected, atol=0.01)  # 40,000 draws: sd ≤ 0.0025
    # A row of very weak ties: the rejection rounds mostly fail, the exact draw takes over.
    weak = _net()
    weak.meet(np.array([0, 0]), np.array([1, 2]), np.array([1e-4, 3e-4]), cap=1.0, gain=0.0)
    weak.row_max[:] = 1.0  # a loose bound, as after failures
    picks = weak.trusted_neighbours(np.zeros(20_000, dtype=np.int64), np.random.default_rng(3))
    assert np.mean(picks == 2) == pytest.approx(0.75, abs=0.015)


def _random_network(rng: np.random.Generator, months: int, encounters: int) -> TrustNetwork:
    """A network after ``months`` of random encounters and decay (some ties forgotten)."""
    net = _net(prune_below=0.05)
    for _ in range(months):
        a, b = rng.integers(0, N, encounters), rng.integers(0, N, encounters)
        net.meet(a, b, rng.uniform(0.02, 0.4, encounters), cap=0.35, gain=0.2)
        net.decay(rate=0.1)
    return net


def test_rows_that_move_and_a_full_pool_change_nothing_observable() -> None:
    """Many ties of one actor move its row again and again; a full pool grows or is repacked mid-batch."""
    rng = np.random.default_rng(7)
    net = _net(prune_below=0.05)
    a = np.zeros(200, dtype=np.int64)
    b = rng.integers(1, N, 200)
    ref = _net(prune_below=0.05)
    ref.repack(extra=10_000)  # room enough: no growth, no repacking
    for lo, hi in ((a, b), (rng.integers(0, N, 300), rng.integers(0, N, 300))):
        for x in (net, ref):
            x.meet(lo, hi, np.full(len(lo), 0.2), cap=0.35, gain=0.2)
        assert _as_dict(net) == _as_dict(ref)
        _check_symmetric_sorted(net)
    before = _as_dict(net)
    garbage = int(net.meta[0] - net.cap.sum())
    assert garbage > 0 and _holes(net), "rows moved and left holes behind"
    net.defragment()
    assert net.meta[0] == net.cap.sum() and _as_dict(net) == before, "reclaimed in place, nothing observable changed"
    assert not _holes(net)
    _check_symmetric_sorted(net)
    net.queue_success(np.arange(N))  # every pair of actors: most ties are new
    net.flush(success_gain=0.3, floor=0.1, reputation_gain=0.0, cap=0.35, failure_loss=0.45)
    assert net.n_ties == N * (N - 1) // 2
    _check_symmetric_sorted(net)


def test_entry_hints_spare_look_ups_and_change_nothing() -> None:
    """Encounters drawn from a row carry the entry drawn; right, stale or wrong, the outcome is the same."""
    rng = np.random.default_rng(11)
    nets = [_net(prune_below=0.05) for _ in range(3)]
    for month in range(6):
        who = np.sort(rng.integers(0, N, 60))
        entries = nets[0].draw_entries(who, np.random.default_rng(month), weighted=True)
        met = entries >= 0
        a = np.concatenate([who[met], rng.integers(0, N, 40)])  # drawn contacts, then strangers
        b = np.concatenate([nets[0].nbr[entries[met]], rng.integers(0, N, 40)])
        hint = np.concatenate([entries[met], np.full(40, -1)])
        wrong = np.where(hint >= 0, rng.integers(0, len(nets[0].nbr), len(hint)), -1)
        initial = rng.uniform(0.05, 0.3, len(a))
        for net, h in zip(nets, (hint, None, wrong), strict=True):  # right, none, wrong
            net.meet(a, b, initial, cap=0.35, gain=0.2, hint=h)
        assert _as_dict(nets[0]) == _as_dict(nets[1]) == _as_dict(nets[2])
        for net in nets:
            net.decay(rate=0.1)
    _check_symmetric_sorted(nets[0])


def test_trusted_rows_are_the_rows_above_each_floor() -> None:
    """The ties each actor trusts at least as much as its floor: :meth:`rows` with the others left out, in the
    same order and to the bit (recruitment reads them so)."""
    net = _random_network(np.random.default_rng(9), months=6, encounters=120)
    who = np.array([3, 0, 3, 17, 29, 8], dtype=np.int64)  # an actor twice, in no order
    floor = np.array([0.0, 0.1, 0.2, -1.0, 0.3, 2.0])  # none excluded, some, all
    seg, nbr, w = net.rows(who)
    keep = w >= floor[seg]
    assert 0 < keep.sum() < len(keep), "the floors leave some ties out and keep others"
    got = net.trusted_rows(who, floor)
    for a, b in zip(got, (seg[keep], nbr[keep], w[keep]), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("width", [1, 2, 6, 16, 20])
def test_mean_pair_trust_is_its_numpy_expression(width: int) -> None:
    """Each group's mean trust over its pairs, as the numpy of :func:`mean_pair_trust`'s docstring gives it, to the
    bit: groups padded with -1, a member twice, rows of up to 120 pairs (the model's 16 members) and of more."""
    net = _random_network(np.random.default_rng(width), months=6, encounters=120)
    gen = np.random.default_rng(width + 1)
    members = gen.integers(0, N, (200, width))
    members[np.arange(width) >= gen.integers(1, width + 1, (200, 1))] = -1
    i, j = np.triu_indices(width, k=1)
    both = (members[:, i] >= 0) & (members[:, j] >= 0)
    w = np.zeros((len(members), len(i)))
    w[both] = net.get(members[:, i][both], members[:, j][both])
    expected = (w * both).sum(axis=1) / np.maximum(both.sum(axis=1), 1)
    got = mean_pair_trust(net, members)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert width < 2 or (got > 0).any()


def test_compaction_changes_nothing_observable() -> None:
    net = _random_network(np.random.default_rng(5), months=4, encounters=80)
    before = (_as_dict(net), net.n_ties, net.cross_sector_share(), net.giant_component_share())
    mean = net.mean_trust()
    net.compact()
    assert before == (_as_dict(net), net.n_ties, net.cross_sector_share(), net.giant_component_share())
    assert net.mean_trust() == pytest.approx(mean, rel=1e-12)  # the same ties, summed in another order
    _check_symmetric_sorted(net)


def test_all_pairs() -> None:
    lo, hi = all_pairs(np.array([5, 2, 9, 2]))
    assert list(zip(lo.tolist(), hi.tolist(), strict=True)) == [(2, 5), (2, 9), (5, 9)]


class _Reference:
    """The trust rules of ``TrustNetwork`` on a plain dict of undirected ties, one event after another."""

    def __init__(self, prune_below: float) -> None:
        self.prune = prune_below
        self.w: dict[tuple[int, int], float] = {}

    def live(self, key: tuple[int, int]) -> bool:
        return key in self.w and self.w[key] >= self.prune

    def meet(self, a: np.ndarray, b: np.ndarray, initial: np.ndarray, cap: float, gain: float) -> None:
        for i, j, start in zip(a.tolist(), b.tolist(), np.clip(initial, 0.0, 1.0).tolist(), strict=True):
            if i == j:
                continue
            key = (min(i, j), max(i, j))
            if self.live(key):
                x = self.w[key]
                self.w[key] = x + gain * (cap - x) if x < cap else x
            else:
                self.w[key] = start

    def flush(
        self, succ: list, rep: list, fail: list, g: float, floor: float, rg: float, cap: float, loss: float
    ) -> None:
        for group in succ:
            for lo, hi in zip(*all_pairs(group), strict=True):
                key = (int(lo), int(hi))
                x = self.w[key] if self.live(key) else floor
                self.w[key] = 1.0 - (1.0 - x) * (1.0 - g)
        for m in np.concatenate(rep).tolist() if rep else []:
            for key, x in list(self.w.items()):
                if m in key and self.prune <= x < cap:
                    self.w[key] = cap - (cap - x) * (1.0 - rg)
        for group in fail:
            for lo, hi in zip(*all_pairs(group), strict=True):
                key = (int(lo), int(hi))
                if self.live(key):
                    x = self.w[key]
                    self.w[key] = max(0.0, x - loss * max(x, 1.0 - x))

    def decay(self, rate: float) -> None:
        self.w = {k: x * (1.0 - rate) for k, x in self.w.items()}

    def ties(self) -> dict[tuple[int, int], float]:
        return {k: x for k, x in self.w.items() if x >= self.prune}


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.0, 0.03, 0.08]))
def test_the_compiled_network_follows_the_rules_event_by_event(seed: int, prune_below: float) -> None:
    """Random months of encounters, successes, reputation, failures, decay and repacking, against the
    plain-dict reference: the same live ties with the same trust (to float32's precision)."""
    rng = np.random.default_rng(seed)
    net, ref = _net(prune_below=prune_below), _Reference(prune_below)
    for _ in range(8):
        k = int(rng.integers(0, 120))
        a, b = rng.integers(0, N, k), rng.integers(0, N, k)
        initial = rng.uniform(0.0, 0.4, k)
        net.meet(a, b, initial, cap=0.35, gain=0.2)
        ref.meet(a, b, initial, cap=0.35, gain=0.2)
        groups = [[rng.choice(N, size=int(rng.integers(2, 6)), replace=False) for _ in range(int(rng.integers(0, 4)))]
                  for _ in range(3)]  # fmt: skip
        for members in groups[0]:
            net.queue_success(members)
        for members in groups[1]:
            net.queue_reputation(members)
        for members in groups[2]:
            net.queue_failure(members)
        params = {"success_gain": 0.3, "floor": 0.1, "reputation_gain": 0.4, "cap": 0.35, "failure_loss": 0.5}
        net.flush(**params)
        ref.flush(groups[0], groups[1], groups[2], 0.3, 0.1, 0.4, 0.35, 0.5)
        rate = float(rng.choice([0.0, 0.05, 0.3]))
        net.decay(rate)
        ref.decay(rate)
        if rng.random() < 0.3:
            net.compact()
        got = {(min(i, j), max(i, j)): w for (i, j), w in _as_dict(net).items()}
        expected = ref.ties()
        assert got.keys() == expected.keys()
        # the pool stores trust in float32, in a unit that decay lowers: the same to float32's precision
        assert got == pytest.approx(expected, rel=2e-6, abs=1e-7)
    _check_symmetric_sorted(net)


# --------------------------------------------------------------------------- the month's encounters


def _month(
    net: TrustNetwork,
    rate: np.ndarray,
    channels: tuple[float, float, float],
    seed: int,
    territory: np.ndarray | None = None,
    repeat_share: float = 0.6,
    acceptance: float = 1.0,
    cap: float = 0.35,
    gain: float = 0.08,
    initial: tuple[float, float] = (0.12, 0.06),
) -> int:
    """One month of :meth:`TrustNetwork.month_encounters` (one territory unless given; actors stored by territory)."""
    territory = np.zeros(net.n, dtype=np.int64) if territory is None else territory
    first = np.searchsorted(territory, np.arange(territory.max() + 2)).astype(np.int64)
    n_terr = len(first) - 1
    init = (np.full(n_terr, initial[0]), np.full(n_terr, initial[1]))
    rng = np.random.default_rng(seed)
    return net.month_encounters(rate, channels, territory, first, init, repeat_share, acceptance, cap, gain, rng)


def _busy_network(n: int, seed: int, prune_below: float = 0.03) -> TrustNetwork:
    net = TrustNetwork(n, np.arange(n) % 3, prune_below)
    gen = np.random.default_rng(seed)
    a, b = gen.integers(0, n, 6 * n), gen.integers(0, n, 6 * n)
    net.meet(a, b, gen.uniform(0.02, 0.6, len(a)), cap=1.0, gain=0.3)
    return net


def test_month_encounters_are_reproducible_and_keep_the_pool_whole() -> None:
    """The same seed gives the same network; months of encounters keep every invariant of the pool (both copies,
    bounds, sketches), trust in [0, 1], and a pool that must grow mid-month changes nothing."""
    n = 600
    territory = np.repeat(np.arange(6), n // 6)
    rate = np.random.default_rng(0).choice([0.5, 1.2, 2.0], n)
    nets = [_busy_network(n, 1), _busy_network(n, 1), _busy_network(n, 1)]
    nets[2]._make_room(extra=200_000)  # room enough: never grows, never resumes (rows kept as they are)
    for month in range(6):
        new = [_month(x, rate, (1.0, 0.3, 0.05), month, territory, acceptance=0.5) for x in nets]
        assert new[0] == new[1] == new[2] > 0
        for x in nets:
            x.decay(0.05)
        assert _as_dict(nets[0]) == _as_dict(nets[1]) == _as_dict(nets[2])
    _check_symmetric_sorted(nets[0])
    other = _busy_network(n, 1)
    _month(other, rate, (1.0, 0.3, 0.05), 99, territory, acceptance=0.5)
    assert _as_dict(other) != _as_dict(_busy_network(n, 1)), "a month changes the network"


def test_encounters_with_strangers_follow_the_rates_and_the_sector_filter() -> None:
    """Without ties, each actor meets Poisson(rate) strangers (of its territory, or of the region); a cross-sector
    pair is kept with probability ``acceptance``; a new tie starts at the initial trust of its kind of pair."""
    n, lam = 20_000, 0.4
    territory = np.repeat(np.arange(40), n // 40)
    sector = np.random.default_rng(1).integers(0, 2, n)  # half the pairs cross sectors
    for channels, acceptance in (((0.0, 1.0, 0.0), 1.0), ((0.0, 0.0, 1.0), 0.3)):
        net = TrustNetwork(n, sector, prune_below=0.01)
        new = _month(net, np.full(n, lam), channels, 3, territory, acceptance=acceptance, initial=(0.2, 0.1))
        expected = n * lam * (0.5 + 0.5 * acceptance)  # repeated pairs and self-encounters are rare here
        assert new == net.n_ties
        assert abs(new - expected) < 4 * np.sqrt(expected) + 0.01 * expected
        keys, trust = net.entries()
        a, b = np.divmod(keys, n)
        same = sector[a] == sector[b]
        started = np.where(same, 0.2, 0.1)
        assert np.mean(np.isclose(trust, started)) > 0.99  # (a pair met twice has gained since)
        assert np.all((trust >= started - 1e-7) & (trust <= 0.35))
        assert np.mean(~same) == pytest.approx(acceptance / (1 + acceptance), abs=0.02)
        inside = territory[a] == territory[b]
        assert inside.all() if channels[1] else inside.mean() < 0.05
    # the count per actor is Poisson: the share of actors who met no one
    net = TrustNetwork(n, np.zeros(n, dtype=np.int64), prune_below=0.01)
    _month(net, np.full(n, 1.5), (0.0, 0.0, 1.0), 4)
    assert np.mean(net.degree() == 0) == pytest.approx(np.exp(-1.5) * np.exp(-1.5), abs=0.01)  # met and not met


def _stars(m: int, first: float, second: float, fof: bool) -> TrustNetwork:
    """``m`` copies of a small pattern: actor ``3k`` tied to ``3k + 1`` (trust ``first``) and ``3k + 1`` tied to
    ``3k + 2`` (trust ``second``) for friends of friends; else ``3k`` tied to both."""
    n = 3 * m
    net = TrustNetwork(n, np.zeros(n, dtype=np.int64), prune_below=0.01)
    base = 3 * np.arange(m)
    if fof:
        a, b, w = np.r_[base, base + 1], np.r_[base + 1, base + 2], np.r_[np.full(m, first), np.full(m, second)]
    else:
        a, b, w = np.r_[base, base], np.r_[base + 1, base + 2], np.r_[np.full(m, first), np.full(m, second)]
    net.meet(a, b, w, cap=1.0, gain=0.0)
    return net


def test_network_encounters_pick_a_partner_in_proportion_to_trust() -> None:
    """A repeat contact is a partner drawn in proportion to trust, and raises that tie ``gain`` of the way to the
    cap once per encounter; the actor's count of them is Poisson."""
    m, lam, gain = 4000, 0.8, 0.5
    net = _stars(m, 0.3, 0.1, fof=False)
    rate = np.zeros(3 * m)
    rate[::3] = lam
    assert _month(net, rate, (1.0, 0.0, 0.0), 5, repeat_share=1.0, cap=1.0, gain=gain) == 0
    base = 3 * np.arange(m)
    met = []
    for partner, w0 in ((base + 1, 0.3), (base + 2, 0.1)):
        w = net.get(base, partner)
        met.append(np.rint(np.log((1 - w) / (1 - w0)) / np.log(1 - gain)).astype(int))
    total = met[0] + met[1]
    assert total.sum() == pytest.approx(m * lam, rel=0.05)
    assert np.mean(total == 0) == pytest.approx(np.exp(-lam), abs=0.025)
    assert met[0].sum() / total.sum() == pytest.approx(0.75, abs=0.025)  # 0.3 / (0.3 + 0.1)


def test_friends_of_friends_are_drawn_uniformly_from_the_partners_ties() -> None:
    """A friend of a friend is one of the partner's ties drawn uniformly, whatever its trust; one the actor already
    knows (here the actor itself, half of the draws) is drawn again, up to ``STRANGER_TRIES`` draws."""
    m, lam = 6000, 0.3
    found = 1 - 0.5**STRANGER_TRIES  # an encounter finds the other tie of the partner
    for weak in (0.05, 0.9):
        net = _stars(m, 0.5, weak, fof=True)
        rate = np.zeros(3 * m)
        rate[::3] = lam
        new = _month(net, rate, (1.0, 0.0, 0.0), 6, repeat_share=0.0, initial=(0.15, 0.15))
        base = 3 * np.arange(m)
        made = net.get(base, base + 2) > 0
        assert new == made.sum()
        assert made.mean() == pytest.approx(1 - np.exp(-lam * found), abs=0.016)  # sd ≈ 0.0055
        assert np.all(net.get(base, base + 1) == np.float32(0.5))  # no repeat contact: the partner's tie unchanged


@pytest.mark.parametrize("lam", [0.7, 6.0, 12.0])
def test_each_actor_meets_a_poisson_count_of_times(lam: float) -> None:
    """An actor's encounters in a month are Poisson(rate): counted from the trust one tie gains (each encounter
    closes a fifth of the gap to 1), at a rate within the tabulated counts, beyond them, and above 10."""
    m, gain = 6000, 0.2
    net = TrustNetwork(2 * m, np.zeros(2 * m, dtype=np.int64), prune_below=0.01)
    base = 2 * np.arange(m)
    net.meet(base, base + 1, np.full(m, 0.3), cap=1.0, gain=0.0)
    rate = np.zeros(2 * m)
    rate[base] = lam
    _month(net, rate, (1.0, 0.0, 0.0), 8, repeat_share=1.0, cap=1.0, gain=gain)
    count = np.rint(np.log((1 - net.get(base, base + 1)) / 0.7) / np.log(1 - gain)).astype(int)
    assert count.mean() == pytest.approx(lam, abs=4 * np.sqrt(lam / m))
    assert count.var() == pytest.approx(lam, rel=0.08)
    expected = np.bincount(np.random.default_rng(0).poisson(lam, 200_000), minlength=60)[:60] / 200_000
    observed = np.bincount(count, minlength=60)[:60] / m
    assert np.abs(np.cumsum(observed) - np.cumsum(expected)).max() < 0.025  # Kolmogorov–Smirnov, n = 6000
