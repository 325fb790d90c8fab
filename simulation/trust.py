"""Process 2: the weighted acquaintance network, held in arrays (MODEL.md §3.2).

Trust is learned, not spontaneous (002): a tie starts low — lower across
sectors, where each kind sees fragilities through its own prism (002) —,
repeated encounters raise it only up to an acquaintance cap, joint success
raises it further, joint failure lowers it faster than success raises it,
and unused ties decay and are pruned.

Storage: every undirected tie is stored twice, as ``i→j`` and ``j→i``, in one
array of int64 keys ``i * n + j`` kept sorted, with the trust in a parallel
float array. The neighbours of ``i`` are then one contiguous slice, found by
binary search, so "a friend of a friend" is two array look-ups, and decay,
pruning and the network indicators are single vector operations over all
ties. Both copies of a tie always hold the same trust: every update goes
through :meth:`TrustNetwork._update`, which writes both.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class TrustNetwork:
    """Symmetric trust ties between ``n`` actors, trust in [0, 1].

    Args:
        n_actors: number of actors (nodes), indexed 0..n-1.
        sector: sector of each actor (public, private, associative), for
            the cross-sector indicators.
    """

    def __init__(self, n_actors: int, sector: NDArray[np.integer]) -> None:
        self.n = int(n_actors)
        self.sector = np.asarray(sector)
        self.keys: IntArray = np.empty(0, dtype=np.int64)
        self.trust: FloatArray = np.empty(0, dtype=np.float64)
        self._offsets: IntArray | None = None
        self._targets: IntArray | None = None
        #: Stored entries (both directions) joining two sectors, kept up to date by
        #: :meth:`_insert` and :meth:`decay` so that the indicator needs no pass over all ties.
        self._n_cross = 0
        self._success: list[IntArray] = []
        self._reputation: list[IntArray] = []
        self._failure: list[IntArray] = []

    # ------------------------------------------------------------------ structure

    @property
    def n_ties(self) -> int:
        """Number of undirected ties."""
        return len(self.keys) // 2

    def offsets(self) -> IntArray:
        """CSR row pointers: the ties of ``i`` are ``keys[offsets[i]:offsets[i+1]]``."""
        if self._offsets is None:
            bounds = np.arange(self.n + 1, dtype=np.int64) * self.n
            self._offsets = np.searchsorted(self.keys, bounds).astype(np.int64)
        return self._offsets

    def targets(self) -> IntArray:
        """The other end of every stored tie (``keys % n``), cached until the ties change."""
        if self._targets is None:
            self._targets = self.keys - np.repeat(np.arange(self.n, dtype=np.int64) * self.n, self.degree())
        return self._targets

    def degree(self) -> IntArray:
        """Number of ties of every actor."""
        return np.diff(self.offsets())

    def neighbours(self, i: int) -> tuple[IntArray, FloatArray]:
        """Actors tied to ``i`` and the trust of each tie."""
        off = self.offsets()
        lo, hi = off[i], off[i + 1]
        return self.keys[lo:hi] % self.n, self.trust[lo:hi]

    def random_neighbours(self, who: IntArray, u: FloatArray) -> IntArray:
        """One neighbour of each actor in ``who`` (uniform, driven by ``u`` in [0, 1)); -1 if none."""
        off = self.offsets()
        deg = off[who + 1] - off[who]
        pick = off[who] + np.minimum((u * deg).astype(np.int64), np.maximum(deg - 1, 0))
        out = np.full(len(who), -1, dtype=np.int64)
        has = deg > 0
        out[has] = self.keys[pick[has]] % self.n
        return out

    def trusted_neighbours(self, who: IntArray, u: FloatArray) -> IntArray:
        """One neighbour of each actor in ``who``, drawn with probability proportional to trust; -1 if none."""
        off = self.offsets()
        cum = np.concatenate([[0.0], np.cumsum(self.trust)])
        lo, hi = cum[off[who]], cum[off[who + 1]]
        target = lo + u * (hi - lo)
        pick = np.searchsorted(cum, target, side="right") - 1
        pick = np.clip(pick, off[who], np.maximum(off[who + 1] - 1, off[who]))
        out = np.full(len(who), -1, dtype=np.int64)
        has = hi > lo
        out[has] = self.keys[pick[has]] % self.n
        return out

    def _index(self, a: IntArray, b: IntArray) -> IntArray:
        """Index of the stored tie a→b, or -1."""
        k = a.astype(np.int64) * self.n + b
        pos = np.searchsorted(self.keys, k)
        found = pos < len(self.keys)
        found[found] = self.keys[pos[found]] == k[found]
        return np.where(found, pos, -1)

    def get(self, a: IntArray, b: IntArray) -> FloatArray:
        """Trust of each pair (0 where there is no tie)."""
        idx = self._index(np.asarray(a), np.asarray(b))
        return np.where(idx >= 0, self.trust[np.maximum(idx, 0)], 0.0) if len(self.trust) else np.zeros(len(idx))

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
        """Add new ties (not already present), both directions, keeping keys sorted."""
        if len(lo) == 0:
            return
        new_keys = np.concatenate([lo * self.n + hi, hi * self.n + lo])
        new_vals = np.concatenate([value, value])
        order = np.argsort(new_keys, kind="stable")
        new_keys, new_vals = new_keys[order], new_vals[order]
        self._n_cross += self._cross_count(new_keys)
        # Where each new key lands in the merged arrays; the old entries fill the rest in order.
        # (The same merge as ``np.insert``, which is about 2.5 times slower on millions of ties.)
        dest = np.searchsorted(self.keys, new_keys) + np.arange(len(new_keys))
        old = np.ones(len(self.keys) + len(new_keys), dtype=bool)
        old[dest] = False
        keys = np.empty(len(old), dtype=np.int64)
        keys[dest], keys[old] = new_keys, self.keys
        trust = np.empty(len(old), dtype=np.float64)
        trust[dest], trust[old] = new_vals, self.trust
        self.keys, self.trust = keys, trust
        self._offsets = self._targets = None

    def _update(self, lo: IntArray, hi: IntArray, new_value: FloatArray) -> None:
        """Write the same trust into both stored copies of existing ties."""
        self.trust[self._index(lo, hi)] = new_value
        self.trust[self._index(hi, lo)] = new_value

    # ------------------------------------------------------------------ dynamics

    def meet(self, a: IntArray, b: IntArray, initial: FloatArray, cap: float, gain: float) -> int:
        """Encounters: new ties start at ``initial``; known ties move ``gain`` of the way to ``cap``.

        Args:
            a, b: the two sides of each encounter (duplicates and self-pairs ignored).
            initial: the starting trust a new tie would have, per encounter (same order as a, b).
            cap: trust that acquaintance alone cannot exceed (002: trust is not spontaneous).
            gain: share of the gap to ``cap`` closed by a repeat encounter.

        Returns:
            The number of new ties.
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
        lo, hi, initial = uniq // self.n, uniq % self.n, initial[first]
        idx = self._index(lo, hi)
        known = idx >= 0
        if known.any():
            w = self.trust[idx[known]]
            raised = np.where(w < cap, w + gain * (cap - w), w)
            self._update(lo[known], hi[known], raised)
        new = ~known
        self._insert(lo[new], hi[new], np.clip(initial[new], 0.0, 1.0))
        return int(new.sum())

    # Joint successes and failures of the month are queued by the projects and applied
    # in one batch by :meth:`flush`, so that the sorted arrays are rebuilt once a month,
    # not once per project. A pair that shares k successes in a month gets the gain k
    # times: 1 - (1 - w)(1 - gain)^k; failures are applied after successes.
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
            idx = self._index(lo, hi)
            missing = idx < 0
            self._insert(lo[missing], hi[missing], np.full(int(missing.sum()), floor))
            w = self.get(lo, hi)
            self._update(lo, hi, 1.0 - (1.0 - w) * (1.0 - success_gain) ** k)
        if self._reputation:
            m, k = np.unique(np.concatenate(self._reputation), return_counts=True)
            off = self.offsets()
            starts, ends = off[m], off[m + 1]
            lengths = ends - starts
            idx = np.repeat(ends - np.cumsum(lengths), lengths) + np.arange(lengths.sum())
            times = np.repeat(k, lengths)
            src, dst = np.divmod(self.keys[idx], self.n)
            # A tie between two members of the month's successes is seen from both sides.
            lo, hi = np.minimum(src, dst), np.maximum(src, dst)
            uniq, inv = np.unique(lo * self.n + hi, return_inverse=True)
            times = np.bincount(inv, weights=times).astype(np.int64)
            lo, hi = uniq // self.n, uniq % self.n
            w = self.get(lo, hi)
            below = w < cap
            new_w = cap - (cap - w[below]) * (1.0 - reputation_gain) ** times[below]
            self._update(lo[below], hi[below], new_w)
        if self._failure:
            lo, hi, k = _pair_counts(self._failure, self.n)
            idx = self._index(lo, hi)
            has = idx >= 0
            w = self.trust[idx[has]]
            for _ in range(int(k.max()) if len(k) else 0):  # k failures shared this month, one after the other
                w = np.where(k[has] > 0, np.maximum(0.0, w - failure_loss * np.maximum(w, 1.0 - w)), w)
                k = k - 1
            self._update(lo[has], hi[has], w)
        self._success, self._reputation, self._failure = [], [], []

    def decay(self, rate: float, prune_below: float) -> int:
        """Unused ties fade by ``rate`` a month; ties under ``prune_below`` are forgotten.

        Returns:
            The number of undirected ties pruned.
        """
        self.trust *= 1.0 - rate
        keep = self.trust >= prune_below
        n_pruned = int(len(keep) - keep.sum()) // 2
        if n_pruned:
            self._n_cross -= self._cross_count(self.keys[~keep])
            self.keys = self.keys[keep]
            self.trust = self.trust[keep]
            self._offsets = self._targets = None
        return n_pruned

    # ------------------------------------------------------------------ indicators

    def density(self) -> float:
        """Share of possible ties that exist."""
        possible = self.n * (self.n - 1) / 2
        return self.n_ties / possible if possible else 0.0

    def mean_trust(self) -> float:
        """Mean trust over existing ties (0 when there are none)."""
        return float(self.trust.mean()) if len(self.trust) else 0.0

    def _cross_count(self, keys: IntArray) -> int:
        """How many of these stored keys join two different sectors."""
        src, dst = np.divmod(keys, self.n)
        return int(np.count_nonzero(self.sector[src] != self.sector[dst]))

    def cross_sector_share(self) -> float:
        """Share of ties that join two different sectors: the scarce ones (002)."""
        return self._n_cross / len(self.keys) if len(self.keys) else 0.0

    def giant_component_share(self) -> float:
        """Share of actors in the largest connected component."""
        if self.n == 0:
            return 0.0
        graph = csr_matrix(
            (np.ones(len(self.keys), dtype=np.int8), self.targets(), self.offsets()), shape=(self.n, self.n)
        )
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


def _pair_counts(groups: list[IntArray], n: int) -> tuple[IntArray, IntArray, IntArray]:
    """Every pair within each group, deduplicated across groups, with how many groups share it."""
    pairs = [all_pairs(g) for g in groups]
    keys = np.concatenate([lo * n + hi for lo, hi in pairs])
    uniq, counts = np.unique(keys, return_counts=True)
    return uniq // n, uniq % n, counts
