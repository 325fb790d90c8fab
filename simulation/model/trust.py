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
row. Forgotten ties are skipped at every read and dropped when their row needs
room or the pool is repacked.

How the pool is laid out, grows and decays: :mod:`simulation.model.pool`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation.kernels import encounters as ke
from simulation.kernels import joint as kj
from simulation.kernels import network as kn
from simulation.kernels import repack as kr
from simulation.kernels import trust as k
from simulation.model.pool import FloatArray, IntArray, TiePool


class TrustNetwork(TiePool):
    """Symmetric trust ties between ``n`` actors, trust in [0, 1] (stored in a :class:`TiePool`).

    Args:
        n_actors: number of actors (nodes), indexed 0..n-1.
        sector: sector of each actor (public, private, associative), for
            the cross-sector indicators.
        prune_below: ties whose trust is below this are forgotten.
    """

    def __init__(self, n_actors: int, sector: NDArray[np.integer], prune_below: float = 0.0) -> None:
        self.sector = np.asarray(sector)
        small = self.sector.size == 0 or (self.sector.min() >= 0 and self.sector.max() < 128)
        #: The sectors in one byte each (when they fit), for the month's encounters: an eighth of the cache.
        self._sector_small = self.sector.astype(np.int8) if small else self.sector
        self._success: list[IntArray] = []
        self._reputation: list[IntArray] = []
        self._failure: list[IntArray] = []
        #: The ties of the spanning forest of the last scan with components (:meth:`_scan`), else ``None``.
        self._spanning: tuple[IntArray, IntArray, IntArray] | None = None
        super().__init__(n_actors, prune_below)

    # ------------------------------------------------------------------ reading

    def rows(self, who: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        """The live ties of each actor in ``who``, grouped by actor in the order of ``who``.

        Returns:
            (position in ``who``, neighbour, trust) of every tie.
        """
        who = np.asarray(who, dtype=np.int64)
        return self.trusted_rows(who, np.full(len(who), -np.inf))

    def trusted_rows(self, who: IntArray, floor: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
        """:meth:`rows` of the ties each actor of ``who`` trusts at least as much as its ``floor``."""
        seg, nbr, stored = kn.rows(
            self.start, self.deg, self.nbr, self.w, np.asarray(who, dtype=np.int64),
            np.asarray(floor, dtype=np.float64), self.unit, self._prune,
        )  # fmt: skip
        return seg, nbr, self._trust(stored)

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
        """(live entries, their summed trust, those joining two sectors, the largest component's size or 0).

        The ties that joined the components (a spanning forest) are kept from one scan to the next: those still
        live start the next union–find (:func:`simulation.kernels.network.totals`), which then only adds the
        joins of the ties made since; once they hold every actor in one component, as most months of a decade
        do from its third year, the union–find stops before it starts (``tests/test_trust.py``).
        """
        pool = (self.start, self.deg, self.nbr, self.w)
        seeds = _NO_TIES
        if components and self._spanning is not None:
            seeds = self._spanning
            kn.live_ties(*pool, self._prune, *seeds)
        count, total, cross, largest, *ties = kn.totals(*pool, self.sector, self._prune, components, *seeds)
        if components:
            self._spanning = (ties[0], ties[1], ties[2])
        return int(count), float(total) * self.unit, int(cross), int(largest)

    def degree(self) -> IntArray:
        """Number of live ties of every actor."""
        result: IntArray = kr.live_degree(self.start, self.deg, self.w, self._prune)
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
        result: FloatArray = kn.get(
            self.start, self.deg, self.nbr, self.w, self.back, self.sketch, a, b, self._prune, self.unit
        )
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
        pool = (self.start, self.deg, self.nbr, self.w, self.row_max)
        result: IntArray = kn.draw(*pool, who, rng, weighted, self._prune)
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
        initial = self._stored(np.broadcast_to(np.asarray(initial, dtype=np.float64), a.shape))
        hint = np.full(len(a), -1, dtype=np.int64) if hint is None else np.asarray(hint, dtype=np.int64)
        counts = np.zeros(1, dtype=np.int64)
        cap, gain = float(cap) / self.unit, float(gain)
        self._until_done(k.meet, len(a), a, b, hint, initial, cap, gain, self._prune, counts)
        return int(counts[0])

    def month_encounters(
        self,
        rate: FloatArray,
        channels: tuple[float, float, float],
        territory: IntArray,
        first: IntArray,
        initial: tuple[FloatArray, FloatArray],
        repeat_share: float,
        acceptance: float,
        cap: float,
        gain: float,
        rng: np.random.Generator,
    ) -> int:
        """A month's encounters, drawn and applied actor after actor (:func:`simulation.kernels.encounters.month`).

        Args:
            rate: each actor's encounter rate, which each channel's rate multiplies.
            channels: the rates of the three channels: the actor's network (a trusted partner, met again with
                probability ``repeat_share``, else a friend of a friend), its territory, the region.
            territory, first: each actor's territory; territory ``t``'s actors are ``first[t]:first[t + 1]``.
            initial: the starting trust of a new tie within a sector and across sectors, by the actor's territory.
            acceptance: the probability that a cross-sector encounter happens at all.
            cap, gain: as in :meth:`meet`.

        Returns:
            The number of new ties.
        """
        total = float(sum(channels))
        if total <= 0.0 or self.n == 0:
            return 0
        lam = np.asarray(rate, dtype=np.float64) * total
        edges = np.cumsum(channels[:2]) / total
        same, cross = (self._stored(np.asarray(x, dtype=np.float64)) for x in initial)
        draws = ke.Draws(lam, edges, territory, first, self._sector_small, same, cross)
        rules = ke.Rules(float(repeat_share), float(acceptance), float(cap) / self.unit, float(gain), self._prune)
        rnd = ke.new_round()
        while need := ke.month(self._state, draws, rules, rng, rnd):
            self._make_room(extra=int(need))
        return int(rnd.counts[0])

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
            floor_s, one = min(max(float(floor), 0.0), 1.0) / self.unit, 1.0 / self.unit
            self._until_done(kj.succeed, len(lo), lo, hi, float(success_gain), floor_s, one, self._prune)
        if self._reputation:
            members = np.concatenate(self._reputation)
            kj.spread_reputation(self._state, members, float(reputation_gain), float(cap) / self.unit, self._prune)
        if self._failure:
            lo, hi = _group_pairs(self._failure)
            kj.fail(self._state, lo, hi, float(failure_loss), 1.0 / self.unit, self._prune)
        self._success, self._reputation, self._failure = [], [], []

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


#: No ties: the seeds of a union–find that starts from nothing (:meth:`TrustNetwork._scan`).
_NO_TIES = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


def all_pairs(members: IntArray) -> tuple[IntArray, IntArray]:
    """All unordered pairs (lo < hi) of distinct members."""
    return _group_pairs([np.asarray(members, dtype=np.int64)])


def _group_pairs(groups: list[IntArray]) -> tuple[IntArray, IntArray]:
    """Every pair within each group, group after group."""
    bounds = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum([len(g) for g in groups], out=bounds[1:])
    result: tuple[IntArray, IntArray] = kj.group_pairs(np.concatenate(groups).astype(np.int64, copy=False), bounds)
    return result


def mean_pair_trust(net: TrustNetwork, members: IntArray) -> FloatArray:
    """Mean trust over every pair of members of each group (0 for a missing tie).

    Args:
        members: (K, M) member indices, one group per row, padded with -1.

    One compiled pass (:func:`simulation.kernels.network.pair_means`) looks up only the pairs of two members
    (groups of unequal size pad most of the matrix: at 100,000 actors 8% of its pairs are real) and gives what
    this numpy gives, to the last bit::

        i, j = np.triu_indices(M, k=1)
        both = (members[:, i] >= 0) & (members[:, j] >= 0)
        w = np.zeros((K, len(i)))
        w[both] = net.get(members[:, i][both], members[:, j][both])
        (w * both).sum(axis=1) / np.maximum(both.sum(axis=1), 1)
    """
    members = np.ascontiguousarray(members, dtype=np.int64)
    result: FloatArray = kn.pair_means(
        net.start, net.deg, net.nbr, net.w, net.back, net.sketch, members, net._prune, net.unit
    )
    return result
