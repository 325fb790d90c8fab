"""Process 2: the weighted acquaintance network, held in arrays (MODEL.md §3.2).

Trust is learned, not spontaneous (002): a tie starts low — lower across
sectors, where each kind sees fragilities through its own prism (002) —,
repeated encounters raise it only up to an acquaintance cap, joint success
raises it further, joint failure lowers it faster than success raises it,
and unused ties decay; a tie whose trust falls below ``prune_below`` is
forgotten: it no longer counts, is never drawn, and a new encounter of the
pair starts it again as a new tie.

Storage. Every undirected tie is stored twice, as ``i→j`` and ``j→i``, under
the int64 key ``i * n + j``, with the trust in a parallel float array; both
copies always hold the same trust (every write goes through
:meth:`TrustNetwork._set_pair`). The entries live in two sorted stores, each
with CSR row pointers so that the ties of ``i`` are one slice of each:

* the *main* store, with millions of entries in a large region, which only
  trust values change between compactions;
* the *recent* store, the ties created since the last compaction: the
  month's new ties are merged into this small array, not into the main one.

:meth:`TrustNetwork.compact` merges the recent store into the main one,
when the recent store outgrows an eighth of the main one, and drops
forgotten entries when there are enough of them to be worth a pass. So the
per-month cost follows the month's events, not the size of the network:
decay is one multiplication; a contact is drawn by rejection within the
actor's own row (:meth:`TrustNetwork.trusted_neighbours`); look-ups are
binary searches.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: The recent store is merged into the main one when it holds more than this share of it.
RECENT_SHARE = 1 / 8
#: ... and at least this many entries (small networks compact rarely: it costs nothing to wait).
RECENT_MIN = 65_536
#: Forgotten entries are dropped from the main store when they are more than this share of it.
FORGOTTEN_SHARE = 1 / 16
#: Rejection rounds before the few actors still without a draw are drawn exactly within their row.
REJECTION_ROUNDS = 32


def _row_pointers(n: int, keys: IntArray) -> IntArray:
    """CSR row pointers of sorted keys ``i * n + j``: the entries of row ``i`` are ``off[i]:off[i + 1]``."""
    off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n, minlength=n), out=off[1:])
    return off


class _Store:
    """Sorted entries (keys, trust, whether the tie joins two sectors) with CSR row pointers."""

    __slots__ = ("cross", "keys", "off", "trust")

    def __init__(
        self, n: int, keys: IntArray, trust: FloatArray, cross: BoolArray, off: IntArray | None = None
    ) -> None:
        self.keys, self.trust, self.cross = keys, trust, cross
        self.off = _row_pointers(n, keys) if off is None else off

    @classmethod
    def empty(cls, n: int) -> _Store:
        return cls(n, np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, bool))

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, keys: IntArray) -> IntArray:
        """Position of each key, or -1."""
        pos = np.searchsorted(self.keys, keys)
        found = pos < len(self.keys)
        found[found] = self.keys[pos[found]] == keys[found]
        return np.where(found, pos, -1)


def _merge(n: int, a: _Store, keys: IntArray, trust: FloatArray, cross: BoolArray) -> _Store:
    """``a`` with the sorted new entries (keys not in ``a``) merged in, as a new store (row pointers: O(n + new))."""
    off = a.off + _row_pointers(n, keys)
    if len(keys) * 16 > len(a):
        # Many new entries (a compaction): a stable sort of the two sorted runs is one linear
        # merge (timsort finds the runs), about twice as fast here as the scatter below.
        order = np.argsort(np.concatenate([a.keys, keys]), kind="stable")
        return _Store(
            n,
            np.concatenate([a.keys, keys])[order],
            np.concatenate([a.trust, trust])[order],
            np.concatenate([a.cross, cross])[order],
            off=off,
        )
    # Few new entries: where each lands in the merged arrays; the old entries fill the rest in
    # order (the same merge as ``np.insert``, which is about 2.5 times slower on millions of entries).
    dest = np.searchsorted(a.keys, keys) + np.arange(len(keys))
    old = np.ones(len(a) + len(keys), dtype=bool)
    old[dest] = False

    def merged(new: NDArray, have: NDArray) -> NDArray:
        out = np.empty(len(old), dtype=have.dtype)
        out[dest], out[old] = new, have
        return out

    return _Store(n, merged(keys, a.keys), merged(trust, a.trust), merged(cross, a.cross), off=off)


class TrustNetwork:
    """Symmetric trust ties between ``n`` actors, trust in [0, 1].

    Args:
        n_actors: number of actors (nodes), indexed 0..n-1.
        sector: sector of each actor (public, private, associative), for
            the cross-sector indicators.
        prune_below: ties whose trust is below this are forgotten.
    """

    def __init__(self, n_actors: int, sector: NDArray[np.integer], prune_below: float = 0.0) -> None:
        self.n = int(n_actors)
        self.sector = np.asarray(sector)
        self.prune_below = float(prune_below)
        self.main = _Store.empty(self.n)
        self.recent = _Store.empty(self.n)
        #: An upper bound of the trust of each actor's ties (what the rejection draws divide by).
        self.row_max = np.zeros(self.n)
        self._success: list[IntArray] = []
        self._reputation: list[IntArray] = []
        self._failure: list[IntArray] = []

    # ------------------------------------------------------------------ entries
    #
    # An entry index ``e`` addresses either store: ``e < len(main)`` is main's entry
    # ``e``, otherwise recent's entry ``e - len(main)``.

    def _gather(self, e: IntArray, main: NDArray, recent: NDArray) -> NDArray:
        """``main[e]`` for entries of the main store, ``recent[e - len(main)]`` for the others."""
        nm = len(self.main)
        in_main = e < nm
        out = np.empty(len(e), dtype=main.dtype)
        out[in_main] = main[e[in_main]]
        out[~in_main] = recent[e[~in_main] - nm]
        return out

    def _trust_at(self, e: IntArray) -> FloatArray:
        return self._gather(e, self.main.trust, self.recent.trust)

    def _key_at(self, e: IntArray) -> IntArray:
        return self._gather(e, self.main.keys, self.recent.keys)

    def _set_at(self, e: IntArray, value: FloatArray) -> None:
        nm = len(self.main)
        in_main = e < nm
        self.main.trust[e[in_main]] = value[in_main]
        self.recent.trust[e[~in_main] - nm] = value[~in_main]

    def _index(self, a: IntArray, b: IntArray) -> IntArray:
        """Entry index of the stored tie a→b, or -1."""
        k = np.asarray(a, dtype=np.int64) * self.n + np.asarray(b, dtype=np.int64)
        e = self.main.find(k)
        missing = e < 0
        if missing.any() and len(self.recent):
            r = self.recent.find(k[missing])
            e[missing] = np.where(r >= 0, r + len(self.main), -1)
        return e

    def _pair_index(self, lo: IntArray, hi: IntArray) -> tuple[IntArray, IntArray]:
        return self._index(lo, hi), self._index(hi, lo)

    def _set_pair(self, lo: IntArray, hi: IntArray, fwd: IntArray, rev: IntArray, value: FloatArray) -> None:
        """Write the same trust into both stored copies (``fwd``: lo→hi, ``rev``: hi→lo) of existing ties."""
        self._set_at(fwd, value)
        self._set_at(rev, value)
        self._raise_row_max(lo, hi, value)

    def _raise_row_max(self, lo: IntArray, hi: IntArray, value: FloatArray) -> None:
        np.maximum.at(self.row_max, lo, value)
        np.maximum.at(self.row_max, hi, value)

    def _live(self, w: FloatArray) -> BoolArray:
        return w >= self.prune_below

    def _row_bounds(self, who: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Start and length of each actor's row in the main and the recent store."""
        m, r = self.main.off, self.recent.off
        return m[who], m[who + 1] - m[who], r[who], r[who + 1] - r[who]

    def _row_entry(self, m0: IntArray, lm: IntArray, r0: IntArray, j: IntArray) -> IntArray:
        """Entry index of the ``j``-th stored entry of rows starting at ``m0`` (``lm`` long) and ``r0``."""
        return np.where(j < lm, m0 + j, len(self.main) + r0 + j - lm)

    def rows(self, who: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """The live ties of each actor in ``who``, grouped by actor in the order of ``who``.

        Returns:
            (position in ``who``, neighbour, trust) of every tie.
        """
        who = np.asarray(who, dtype=np.int64)
        m0, lm, r0, lr = self._row_bounds(who)
        total = lm + lr
        seg = np.repeat(np.arange(len(who), dtype=np.int64), total)
        j = np.arange(len(seg), dtype=np.int64) - np.repeat(np.cumsum(total) - total, total)
        e = self._row_entry(m0[seg], lm[seg], r0[seg], j)
        w = self._trust_at(e)
        live = self._live(w)
        return seg[live], self._key_at(e[live]) % self.n, w[live]

    # ------------------------------------------------------------------ reading

    def entries(self) -> tuple[IntArray, FloatArray]:
        """Every live stored entry (both directions of each tie): sorted keys ``i * n + j`` and trust."""
        keys = np.concatenate([self.main.keys, self.recent.keys])
        trust = np.concatenate([self.main.trust, self.recent.trust])
        live = self._live(trust)
        keys, trust = keys[live], trust[live]
        if len(self.recent):
            order = np.argsort(keys, kind="stable")
            keys, trust = keys[order], trust[order]
        return keys, trust

    @property
    def n_ties(self) -> int:
        """Number of live undirected ties."""
        return self._n_live_entries() // 2

    def _n_live_entries(self) -> int:
        return int(np.count_nonzero(self._live(self.main.trust)) + np.count_nonzero(self._live(self.recent.trust)))

    def degree(self) -> IntArray:
        """Number of live ties of every actor."""
        keys, _ = self.entries()
        return np.bincount(keys // self.n, minlength=self.n).astype(np.int64)

    def neighbours(self, i: int) -> tuple[IntArray, FloatArray]:
        """Actors tied to ``i`` and the trust of each tie, by neighbour index."""
        _, nbr, w = self.rows(np.array([i], dtype=np.int64))
        order = np.argsort(nbr)
        return nbr[order], w[order]

    def get(self, a: IntArray, b: IntArray) -> FloatArray:
        """Trust of each pair (0 where there is no live tie)."""
        e = self._index(np.asarray(a), np.asarray(b))
        w = np.zeros(len(e))
        has = e >= 0
        w[has] = self._trust_at(e[has])
        return np.where(self._live(w) & has, w, 0.0)

    # ------------------------------------------------------------------ drawing partners

    def random_neighbours(self, who: IntArray, rng: np.random.Generator) -> IntArray:
        """One live neighbour of each actor in ``who``, uniformly; -1 if none."""
        return self._draw(who, rng, weighted=False)

    def trusted_neighbours(self, who: IntArray, rng: np.random.Generator) -> IntArray:
        """One live neighbour of each actor in ``who``, with probability proportional to trust; -1 if none."""
        return self._draw(who, rng, weighted=True)

    def _draw(self, who: IntArray, rng: np.random.Generator, weighted: bool) -> IntArray:
        """A neighbour per actor by rejection within its row: a uniform entry, kept if live (and, weighted,
        with probability its trust over the row's bound :attr:`row_max`).

        The bound is at least every trust in the row, so the accepted entry is
        drawn exactly in proportion to trust. The actors still without a draw
        after :data:`REJECTION_ROUNDS` rounds (rows of forgotten or very weak
        ties) are drawn exactly from their rows.
        """
        who = np.asarray(who, dtype=np.int64)
        out = np.full(len(who), -1, dtype=np.int64)
        m0, lm, r0, lr = self._row_bounds(who)
        deg = lm + lr
        todo = np.flatnonzero(deg > 0)
        m0, lm, r0, deg, bound = m0[todo], lm[todo], r0[todo], deg[todo], self.row_max[who[todo]]
        for _ in range(REJECTION_ROUNDS):
            if len(todo) == 0:
                return out
            j = np.minimum((rng.random(len(todo)) * deg).astype(np.int64), deg - 1)
            e = self._row_entry(m0, lm, r0, j)
            w = self._trust_at(e)
            ok = self._live(w)
            if weighted:
                ok &= rng.random(len(todo)) * bound < w
            out[todo[ok]] = self._key_at(e[ok]) % self.n
            rejected = ~ok
            todo, m0, lm, r0, deg, bound = (
                todo[rejected],
                m0[rejected],
                lm[rejected],
                r0[rejected],
                deg[rejected],
                bound[rejected],
            )
        if len(todo):
            seg, nbr, w = self.rows(who[todo])
            weight = w if weighted else np.ones(len(w))
            cum = np.cumsum(weight)
            total = np.bincount(seg, weights=weight, minlength=len(todo))
            start = np.cumsum(total) - total
            target = start + rng.random(len(todo)) * total
            pick = np.minimum(np.searchsorted(cum, target, side="right"), len(cum) - 1)
            has = total > 0
            out[todo[has]] = nbr[pick[has]]
        return out

    # ------------------------------------------------------------------ writing

    @staticmethod
    def canonical_pairs(a: IntArray, b: IntArray) -> tuple[IntArray, IntArray]:
        """Unique undirected pairs (lo < hi), self-pairs dropped, in a fixed order."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        lo, hi = lo[keep], hi[keep]
        if len(lo) == 0:
            return lo, hi
        n = np.int64(max(int(hi.max()) + 1, 1))
        uniq = np.unique(lo * n + hi)
        return uniq // n, uniq % n

    def _insert(self, lo: IntArray, hi: IntArray, value: FloatArray) -> None:
        """Add ties not stored yet, both directions, to the recent store (entry indices of recent ties change)."""
        if len(lo) == 0:
            return
        keys = np.concatenate([lo * self.n + hi, hi * self.n + lo])
        order = np.argsort(keys, kind="stable")
        keys, trust = keys[order], np.concatenate([value, value])[order]
        src, dst = np.divmod(keys, self.n)
        self.recent = _merge(self.n, self.recent, keys, trust, self.sector[src] != self.sector[dst])
        self._raise_row_max(lo, hi, value)

    def _compact_if_large(self) -> None:
        """Compact when the recent store has outgrown its share (called once a batch's indices are used)."""
        if len(self.recent) > max(RECENT_SHARE * len(self.main), RECENT_MIN):
            self.compact()

    def compact(self) -> None:
        """Merge the recent store into the main one, dropping forgotten ties (nothing observable changes).

        The recent store's forgotten ties are always dropped; the main store's only
        once they are more than :data:`FORGOTTEN_SHARE` of it (a pass over millions
        of entries to drop a few thousand is not worth it: reading skips them).
        """
        keep_m, keep_r = self._live(self.main.trust), self._live(self.recent.trust)
        main = self.main
        if len(main) - np.count_nonzero(keep_m) > FORGOTTEN_SHARE * len(main):
            main = _Store(self.n, main.keys[keep_m], main.trust[keep_m], main.cross[keep_m])
        r = self.recent
        self.main = _merge(self.n, main, r.keys[keep_r], r.trust[keep_r], r.cross[keep_r])
        self.recent = _Store.empty(self.n)
        # The bounds become exact again (failures and forgotten ties may have left them high).
        self.row_max = np.zeros(self.n)
        rows = np.flatnonzero(np.diff(self.main.off))
        if len(rows):
            self.row_max[rows] = np.maximum.reduceat(self.main.trust, self.main.off[rows])

    def meet(self, a: IntArray, b: IntArray, initial: FloatArray, cap: float, gain: float) -> int:
        """Encounters: new ties start at ``initial``; known ties move ``gain`` of the way to ``cap``.

        Args:
            a, b: the two sides of each encounter (duplicates and self-pairs ignored).
            initial: the starting trust a new tie would have, per encounter (same order as a, b).
            cap: trust that acquaintance alone cannot exceed (002: trust is not spontaneous).
            gain: share of the gap to ``cap`` closed by a repeat encounter.

        Returns:
            The number of new ties (including forgotten ties started again).
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        initial = np.broadcast_to(np.asarray(initial, dtype=np.float64), a.shape)
        keep = a != b
        a, b, initial = a[keep], b[keep], initial[keep]
        if len(a) == 0:
            return 0
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        uniq, first = np.unique(lo * self.n + hi, return_index=True)
        lo, hi, initial = uniq // self.n, uniq % self.n, np.clip(initial[first], 0.0, 1.0)
        fwd, rev = self._pair_index(lo, hi)
        stored = fwd >= 0
        w = self._trust_at(fwd[stored])
        known = self._live(w)
        new_w = np.where(known, np.where(w < cap, w + gain * (cap - w), w), initial[stored])
        self._set_pair(lo[stored], hi[stored], fwd[stored], rev[stored], new_w)
        self._insert(lo[~stored], hi[~stored], initial[~stored])
        self._compact_if_large()
        return int(len(lo) - np.count_nonzero(known))

    # Joint successes and failures of the month are queued by the projects and applied
    # in one batch by :meth:`flush`. A pair that shares k successes in a month gets the
    # gain k times: 1 - (1 - w)(1 - gain)^k; failures are applied after successes.
    #
    # A success closes ``success_gain`` of the gap to 1: +g(1 - w). A failure removes
    # ``failure_loss`` times the larger of w and 1 - w: -l·max(w, 1 - w), floored at 0.
    # With l > g a failure therefore always moves trust more than a success would have
    # from the same point (MODEL.md §3.2), at low trust as at high.

    def queue_success(self, members: IntArray) -> None:
        """A joint success of ``members`` (a stage passed together), applied at :meth:`flush`."""
        self._success.append(np.asarray(members, dtype=np.int64))

    def queue_reputation(self, members: IntArray) -> None:
        """A success seen by the members' acquaintances, applied at :meth:`flush`."""
        self._reputation.append(np.asarray(members, dtype=np.int64))

    def queue_failure(self, members: IntArray) -> None:
        """A joint failure of ``members``, applied at :meth:`flush`."""
        self._failure.append(np.asarray(members, dtype=np.int64))

    def flush(self, success_gain: float, floor: float, reputation_gain: float, cap: float, failure_loss: float) -> None:
        """Apply the month's queued successes, reputation effects and failures.

        Args:
            success_gain: share of the gap to 1 closed by each joint success.
            floor: starting trust of a tie created by a joint success between members who had none.
            reputation_gain: share of the gap to ``cap`` closed, per success, by each acquaintance of a member.
            cap: the acquaintance cap.
            failure_loss: a joint failure removes ``failure_loss × max(w, 1 - w)`` of trust w.
        """
        if self._success:
            lo, hi, k = _pair_counts(self._success, self.n)
            missing = self._index(lo, hi) < 0
            self._insert(lo[missing], hi[missing], np.full(int(missing.sum()), floor))
            fwd, rev = self._pair_index(lo, hi)
            w = self._trust_at(fwd)
            w = np.where(self._live(w), w, floor)  # a forgotten tie starts again at the floor
            self._set_pair(lo, hi, fwd, rev, 1.0 - (1.0 - w) * (1.0 - success_gain) ** k)
        if self._reputation:
            m, k = np.unique(np.concatenate(self._reputation), return_counts=True)
            seg, nbr, w = self.rows(m)
            below = w < cap
            seg, nbr = seg[below], nbr[below]
            # A tie between two members of the month's successes is seen from both sides.
            src = m[seg]
            lo, hi = np.minimum(src, nbr), np.maximum(src, nbr)
            uniq, inv = np.unique(lo * self.n + hi, return_inverse=True)
            times = np.bincount(inv, weights=k[seg]).astype(np.int64)
            lo, hi = uniq // self.n, uniq % self.n
            fwd, rev = self._pair_index(lo, hi)
            w = self._trust_at(fwd)
            self._set_pair(lo, hi, fwd, rev, cap - (cap - w) * (1.0 - reputation_gain) ** times)
        if self._failure:
            lo, hi, k = _pair_counts(self._failure, self.n)
            fwd, rev = self._pair_index(lo, hi)
            has = fwd >= 0
            lo, hi, fwd, rev, k = lo[has], hi[has], fwd[has], rev[has], k[has]
            w = self._trust_at(fwd)
            live = self._live(w)
            lo, hi, fwd, rev, k, w = lo[live], hi[live], fwd[live], rev[live], k[live], w[live]
            for _ in range(int(k.max()) if len(k) else 0):  # k failures shared this month, one after the other
                w = np.where(k > 0, np.maximum(0.0, w - failure_loss * np.maximum(w, 1.0 - w)), w)
                k = k - 1
            self._set_at(fwd, w)  # trust only falls: the row bounds hold
            self._set_at(rev, w)
        self._success, self._reputation, self._failure = [], [], []
        self._compact_if_large()

    def decay(self, rate: float) -> None:
        """Unused ties fade by ``rate`` a month (those falling under ``prune_below`` are forgotten)."""
        self.main.trust *= 1.0 - rate
        self.recent.trust *= 1.0 - rate
        self.row_max *= 1.0 - rate  # still a bound: every tie fades by the same factor

    # ------------------------------------------------------------------ indicators

    def density(self, n_ties: int | None = None) -> float:
        """Share of possible ties that exist (``n_ties``: the count, when already known)."""
        possible = self.n * (self.n - 1) / 2
        return (self.n_ties if n_ties is None else n_ties) / possible if possible else 0.0

    def mean_trust(self) -> float:
        """Mean trust over live ties (0 when there are none)."""
        total, count = 0.0, 0
        for s in (self.main, self.recent):
            live = self._live(s.trust)
            total += float(np.sum(s.trust, where=live))
            count += int(np.count_nonzero(live))
        return total / count if count else 0.0

    def cross_sector_share(self) -> float:
        """Share of live ties that join two different sectors: the scarce ones (002)."""
        cross = sum(int(np.count_nonzero(s.cross & self._live(s.trust))) for s in (self.main, self.recent))
        count = self._n_live_entries()
        return cross / count if count else 0.0

    def _graph(self, s: _Store) -> csr_matrix:
        """The live ties of one store as a sparse adjacency matrix (built on the store's own arrays)."""
        targets = s.keys - np.repeat(np.arange(self.n, dtype=np.int64) * self.n, np.diff(s.off))
        live = self._live(s.trust)
        graph = csr_matrix((live.astype(np.int8), targets, s.off), shape=(self.n, self.n))
        if not live.all():
            graph.eliminate_zeros()
        return graph

    def giant_component_share(self) -> float:
        """Share of actors in the largest connected component."""
        if self.n == 0:
            return 0.0
        graph = self._graph(self.main)
        if len(self.recent):
            graph = graph + self._graph(self.recent)  # the union: neither holds an explicit zero
        # Ties are stored in both directions, so the strong components of this directed
        # graph are the undirected components (and this avoids the transpose that
        # ``directed=False`` or ``connection="weak"`` makes).
        _, labels = connected_components(graph, directed=True, connection="strong")
        return float(np.bincount(labels).max() / self.n)


@functools.cache
def _triu(m: int) -> tuple[IntArray, IntArray]:
    return np.triu_indices(m, k=1)


def all_pairs(members: IntArray) -> tuple[IntArray, IntArray]:
    """All unordered pairs (lo < hi) of distinct members."""
    m = np.unique(np.asarray(members, dtype=np.int64))
    i, j = _triu(len(m))
    return m[i], m[j]


def mean_pair_trust(net: TrustNetwork, members: IntArray) -> FloatArray:
    """Mean trust over every pair of members of each group (0 for a missing tie).

    Args:
        members: (K, M) member indices, one group per row, padded with -1.
    """
    k_n, m_n = members.shape
    i, j = _triu(m_n)
    valid = members >= 0
    both = valid[:, i] & valid[:, j]
    safe = np.where(valid, members, 0)
    w = net.get(safe[:, i].ravel(), safe[:, j].ravel()).reshape(k_n, len(i))
    return (w * both).sum(axis=1) / np.maximum(both.sum(axis=1), 1)


def _pair_counts(groups: list[IntArray], n: int) -> tuple[IntArray, IntArray, IntArray]:
    """Every pair within each group, deduplicated across groups, with how many groups share it."""
    pairs = [all_pairs(g) for g in groups]
    keys = np.concatenate([lo * n + hi for lo, hi in pairs])
    uniq, counts = np.unique(keys, return_counts=True)
    return uniq // n, uniq % n, counts
