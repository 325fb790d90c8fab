"""Process 2: the weighted acquaintance network, held in arrays (docs/ODD.md §7.2).

Trust is learned, not spontaneous (Territoires Conseils 2018): a tie starts low — lower across
sectors, where each kind sees fragilities through its own prism (same source) —,
repeated encounters raise it only up to an acquaintance cap, joint success
raises it further, joint failure lowers it faster than success raises it,
and unused ties decay; a tie whose trust falls below ``prune_below`` is
forgotten: it no longer counts, is never drawn, and a new encounter of the
pair starts it again as a new tie.

Storage. Each actor's ties are one contiguous row of a pool of entries
(neighbour, trust, position of the same tie in the neighbour's row), with
room to grow; every undirected tie is stored in both rows with the same
trust. The loops over the month's events run compiled (:mod:`simulation.kernels.trust`
writes, :mod:`simulation.kernels.network` reads), so the cost of a month follows its events,
not the size of the network: an encounter or a joint success is a scan of the
shorter of two rows, a contact is drawn by rejection within the actor's own
row, and decay is one multiplication of the pool. Forgotten ties are skipped
at every read and dropped when their row needs room or the pool is repacked.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from simulation.kernels import network as kn
from simulation.kernels import trust as k

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: A repacked row keeps this share of its live ties as room to grow (and at least ``MIN_ROOM``).
ROW_ROOM = 0.5
#: A repacked pool keeps this share of its rows' total room free at its end, for rows that move.
POOL_ROOM = 0.5
#: When the pool is full, the space left behind by rows that moved is reclaimed if it is more than this
#: share of the used pool ...
GARBAGE_SHARE = 0.25
#: ... and the pool grows by this factor if that is not enough.
GROWTH = 1.25


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
        if self.n >= 2**31:
            raise ValueError(f"at most {2**31 - 1} actors (neighbours are stored as int32), got {self.n}")
        self.sector = np.asarray(sector)
        self.prune_below = float(prune_below)
        self.start = np.zeros(self.n, dtype=np.int64)
        self.deg = np.zeros(self.n, dtype=np.int64)
        self.cap = np.zeros(self.n, dtype=np.int64)
        #: An upper bound of the trust of each actor's ties (what the rejection draws divide by).
        self.row_max = np.zeros(self.n)
        self.nbr = np.empty(0, dtype=np.int32)
        self.w = np.empty(0)
        self.back = np.empty(0, dtype=np.int32)
        self.meta = np.zeros(1, dtype=np.int64)  # [top]: the start of the pool's free end
        self._success: list[IntArray] = []
        self._reputation: list[IntArray] = []
        self._failure: list[IntArray] = []
        self.repack(extra=4 * self.n)

    # ------------------------------------------------------------------ the pool

    @property
    def _state(
        self,
    ) -> tuple[IntArray, IntArray, IntArray, NDArray[np.int32], FloatArray, NDArray[np.int32], FloatArray, IntArray]:
        return self.start, self.deg, self.cap, self.nbr, self.w, self.back, self.row_max, self.meta

    def repack(self, extra: int = 0) -> None:
        """Copy every row, live ties only, into a new pool with room to grow (nothing observable changes).

        Args:
            extra: entries about to be added, beyond the usual room.
        """
        live = k.live_degree(self.start, self.deg, self.w, self.prune_below)
        cap = live + np.maximum(k.MIN_ROOM, (ROW_ROOM * live).astype(np.int64))
        start = np.zeros(self.n, dtype=np.int64)
        np.cumsum(cap[:-1], out=start[1:])
        top = int(cap.sum())
        size = top + int(POOL_ROOM * top) + 2 * extra
        if size >= 2**31:
            raise MemoryError(f"the trust network would need {size:,} entries (at most 2**31 - 1)")
        nbr = np.empty(size, dtype=np.int32)
        w = np.zeros(size)
        back = np.empty(size, dtype=np.int32)
        row_max = np.zeros(self.n)
        deg = k.repack(
            self.start, self.deg, self.nbr, self.w, self.back, self.prune_below, start, nbr, w, back, row_max
        )
        self.start, self.deg, self.cap, self.row_max = start, deg, cap, row_max
        self.nbr, self.w, self.back = nbr, w, back
        self.meta[0] = top

    def compact(self) -> None:
        """Drop forgotten ties and make every row contiguous again (nothing observable changes)."""
        self.repack()

    def _until_done(self, kernel, total: int, *args) -> None:
        """Run a kernel that stops when the pool is full, making room and resuming until it is done."""
        begin, room = 0, 1
        while True:
            done = kernel(*self._state, *args, begin)
            if done >= total:
                return
            room = room * 2 if done == begin else 1  # no progress: a big row needs more room
            begin = done
            self._make_room(extra=room * (total - begin))

    def _make_room(self, extra: int) -> None:
        """More free entries at the pool's end: reclaim in place the space moved rows left, if it is much,
        then grow the pool if it is still short.

        Neither changes anything observable: rows keep their entries, order and room.
        """
        top = int(self.meta[0])
        if top - int(self.cap.sum()) > GARBAGE_SHARE * top:
            top = int(k.defragment(self.start, self.deg, self.cap, self.nbr, self.w, self.back))
            self.meta[0] = top
            if len(self.nbr) - top >= 2 * extra:
                return
        size = max(int(GROWTH * len(self.nbr)), top + 2 * extra)
        if size >= 2**31:
            raise MemoryError(f"the trust network would need {size:,} entries (at most 2**31 - 1)")
        # In place (realloc: no second copy of the pool in memory), every entry where it was;
        # the new room is zeroed (decay multiplies it too). A copy if some view holds the pool.
        for name in ("nbr", "w", "back"):
            try:
                getattr(self, name).resize(size)
            except ValueError:
                new = np.zeros(size, dtype=getattr(self, name).dtype)
                new[:top] = getattr(self, name)[:top]
                setattr(self, name, new)

    # ------------------------------------------------------------------ reading

    def rows(self, who: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """The live ties of each actor in ``who``, grouped by actor in the order of ``who``.

        Returns:
            (position in ``who``, neighbour, trust) of every tie.
        """
        result: tuple[IntArray, IntArray, FloatArray] = kn.rows(
            self.start, self.deg, self.nbr, self.w, np.asarray(who, dtype=np.int64), self.prune_below
        )
        return result

    def entries(self) -> tuple[IntArray, FloatArray]:
        """Every live stored entry (both directions of each tie): sorted keys ``i * n + j`` and trust."""
        src, dst, trust = self.rows(np.arange(self.n, dtype=np.int64))
        keys = src * self.n + dst
        order = np.argsort(keys)
        return keys[order], trust[order]

    @property
    def n_ties(self) -> int:
        """Number of live undirected ties."""
        return self.totals()[0] // 2

    def totals(self) -> tuple[int, float, int]:
        """(live stored entries — two per tie —, their summed trust, those joining two sectors), in one pass."""
        count, total, cross, _ = self._scan(components=False)
        return count, total, cross

    def _scan(self, components: bool) -> tuple[int, float, int, int]:
        """(live entries, their summed trust, those joining two sectors, the largest component's size or 0)."""
        count, total, cross, largest = kn.totals(
            self.start, self.deg, self.nbr, self.w, self.sector, self.prune_below, components
        )
        return int(count), float(total), int(cross), int(largest)

    def degree(self) -> IntArray:
        """Number of live ties of every actor."""
        result: IntArray = k.live_degree(self.start, self.deg, self.w, self.prune_below)
        return result

    def neighbours(self, i: int) -> tuple[IntArray, FloatArray]:
        """Actors tied to ``i`` and the trust of each tie, by neighbour index."""
        _, nbr, w = self.rows(np.array([i], dtype=np.int64))
        order = np.argsort(nbr)
        return nbr[order], w[order]

    def get(self, a: IntArray, b: IntArray) -> FloatArray:
        """Trust of each pair (0 where there is no live tie)."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        result: FloatArray = kn.get(self.start, self.deg, self.nbr, self.w, self.back, a, b, self.prune_below)
        return result

    # ------------------------------------------------------------------ drawing partners

    def random_neighbours(self, who: IntArray, rng: np.random.Generator) -> IntArray:
        """One live neighbour of each actor in ``who``, uniformly; -1 if none."""
        return self.neighbour_at(self.draw_entries(who, rng, weighted=False))

    def trusted_neighbours(self, who: IntArray, rng: np.random.Generator) -> IntArray:
        """One live neighbour of each actor in ``who``, with probability proportional to trust; -1 if none."""
        return self.neighbour_at(self.draw_entries(who, rng, weighted=True))

    def draw_entries(self, who: IntArray, rng: np.random.Generator, weighted: bool) -> IntArray:
        """The entry of one live tie of each actor in ``who`` (-1 if none), drawn uniformly or by trust.

        An entry is a position in the pool, valid until the network next changes;
        :meth:`meet` takes it as a hint. See :func:`simulation.kernels.network.draw`
        (exact rejection draws within each actor's row).
        """
        who = np.asarray(who, dtype=np.int64)
        result: IntArray = kn.draw(
            self.start, self.deg, self.nbr, self.w, self.row_max, who, rng, weighted, self.prune_below
        )
        return result

    def contacts(
        self, who: IntArray, rng: np.random.Generator, repeat_share: float
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Network encounters of the actors ``who``: a known partner drawn in proportion to trust, met again
        with probability ``repeat_share``, else one of that partner's ties drawn uniformly (a friend of a friend).

        Returns:
            (actor, met, entry) of every encounter that found someone; ``entry`` is the tie drawn in the actor's
            row for a repeat contact (a hint for :meth:`meet`), -1 for a friend of a friend.
        """
        who = np.array(who, dtype=np.int64)  # a copy: the kernel works in it
        result: tuple[IntArray, IntArray, IntArray] = kn.contacts(
            self.start, self.deg, self.nbr, self.w, self.row_max, who, rng, float(repeat_share), self.prune_below
        )
        return result

    def neighbour_at(self, entries: IntArray) -> IntArray:
        """The neighbour held by each entry of :meth:`draw_entries` (-1 for -1)."""
        return np.where(entries >= 0, self.nbr[np.maximum(entries, 0)], -1).astype(np.int64)

    # ------------------------------------------------------------------ writing

    def meet(
        self, a: IntArray, b: IntArray, initial: FloatArray, cap: float, gain: float, hint: IntArray | None = None
    ) -> int:
        """Encounters, one after the other: a pair without a live tie starts one at ``initial``; a known tie
        moves ``gain`` of the way to ``cap``, once per encounter.

        Args:
            a, b: the two sides of each encounter (self-pairs ignored).
            initial: the starting trust a new tie would have, per encounter (same order as a, b).
            cap: trust that acquaintance alone cannot exceed (Territoires Conseils 2018: trust is not spontaneous).
            gain: share of the gap to ``cap`` closed by a repeat encounter.
            hint: where an encounter was drawn from ``a``'s ties, the entry drawn
                (:meth:`draw_entries`, since when the network has not changed), else -1:
                it spares a look-up and changes nothing else.

        Returns:
            The number of new ties (including forgotten ties started again).
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        initial = np.clip(np.broadcast_to(np.asarray(initial, dtype=np.float64), a.shape), 0.0, 1.0)
        hint = np.full(len(a), -1, dtype=np.int64) if hint is None else np.asarray(hint, dtype=np.int64)
        counts = np.zeros(1, dtype=np.int64)
        self._until_done(k.meet, len(a), a, b, hint, initial, float(cap), float(gain), self.prune_below, counts)
        return int(counts[0])

    # Joint successes and failures of the month are queued by the projects and applied
    # by :meth:`flush`, successes first, then reputation, then failures, each in the
    # order queued. A pair that shares k successes in a month gets the gain k times:
    # 1 - (1 - w)(1 - gain)^k.
    #
    # A success closes ``success_gain`` of the gap to 1: +g(1 - w). A failure removes
    # ``failure_loss`` times the larger of w and 1 - w: -l·max(w, 1 - w), floored at 0.
    # With l > g a failure therefore always moves trust more than a success would have
    # from the same point (a design choice, docs/ODD.md §7.2), at low trust as at high.

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
            lo, hi = _group_pairs(self._success)
            self._until_done(k.succeed, len(lo), lo, hi, float(success_gain), float(floor), self.prune_below)
        if self._reputation:
            members = np.concatenate(self._reputation)
            network = (self.start, self.deg, self.nbr, self.w, self.back, self.row_max)
            k.spread_reputation(*network, members, float(reputation_gain), float(cap), self.prune_below)
        if self._failure:
            lo, hi = _group_pairs(self._failure)
            k.fail(self.start, self.deg, self.nbr, self.w, self.back, lo, hi, float(failure_loss), self.prune_below)
        self._success, self._reputation, self._failure = [], [], []

    def decay(self, rate: float) -> None:
        """Unused ties fade by ``rate`` a month (those falling under ``prune_below`` are forgotten)."""
        self.w[: self.meta[0]] *= 1.0 - rate  # the unused room too: one pass over contiguous memory
        self.row_max *= 1.0 - rate  # still a bound: every tie fades by the same factor

    # ------------------------------------------------------------------ indicators

    def density(self, n_ties: int | None = None) -> float:
        """Share of possible ties that exist (``n_ties``: the count, when already known)."""
        possible = self.n * (self.n - 1) / 2
        return (self.n_ties if n_ties is None else n_ties) / possible if possible else 0.0

    def mean_trust(self) -> float:
        """Mean trust over live ties (0 when there are none)."""
        return self.indicators(components=False)["trust_mean"]

    def cross_sector_share(self) -> float:
        """Share of live ties that join two different sectors: the scarce ones (Territoires Conseils 2018)."""
        return self.indicators(components=False)["cross_sector_tie_share"]

    def indicators(self, components: bool = True) -> dict[str, float]:
        """The network's indicators (docs/ODD.md § Outputs) from one pass over the ties."""
        count, total, cross, largest = self._scan(components)
        out = {
            "trust_ties": float(count // 2),
            "trust_density": self.density(count // 2),
            "trust_mean": total / count if count else 0.0,
            "cross_sector_tie_share": cross / count if count else 0.0,
        }
        if components:
            out["giant_component_share"] = largest / self.n if self.n else 0.0
        return out

    def giant_component_share(self) -> float:
        """Share of actors in the largest connected component."""
        return self.indicators()["giant_component_share"]


@functools.cache
def _triu(m: int) -> tuple[IntArray, IntArray]:
    return np.triu_indices(m, k=1)


def all_pairs(members: IntArray) -> tuple[IntArray, IntArray]:
    """All unordered pairs (lo < hi) of distinct members."""
    return _group_pairs([np.asarray(members, dtype=np.int64)])


def _group_pairs(groups: list[IntArray]) -> tuple[IntArray, IntArray]:
    """Every pair within each group, group after group."""
    bounds = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=bounds[1:])
    result: tuple[IntArray, IntArray] = k.group_pairs(np.concatenate(groups).astype(np.int64, copy=False), bounds)
    return result


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
