"""The compiled kernel of process 1 (:mod:`simulation.model.encounters`): a month's encounters drawn and applied
to the trust network in one pass over the actors.

Actor after actor, in index order: a Poisson count of encounters, each given a channel (the actor's network, its
territory, the region) in proportion to the channel rates (Poisson splitting: the same as independent Poisson
counts per channel); a network encounter is a partner drawn in proportion to trust in the actor's row, met again
with probability ``repeat_share``, else one of that partner's ties drawn uniformly (a friend of a friend); a
cross-sector pair is let through with probability ``acceptance``; then the tie is made or strengthened
(:func:`simulation.kernels.trust.encounter`).

The encounters are drawn in *rounds* of :data:`ROUND` and each round is applied before the next is drawn: a
round's draws see the network as the previous rounds left it (the same rules; the old separate passes drew the
whole month from the network as it stood before it). At 100,000 actors the pool is far larger than the cache
and the month is bound by memory traffic, so a round reads only what it needs, once: the trust row of an actor
who meets through its network (for the draw), single entries of the partners' rows, and an actor's neighbours
only where its sketch (:func:`simulation.kernels.trust.may_know`) says the tie may exist; each is asked for
(prefetched) one pass of the round before it is read, so that the waits overlap, and is still in the cache when
the ties are made; the sketches are asked for :data:`AHEAD` actors before the actor drawing. Every random number
comes from the process's numpy ``Generator`` (numba calls the same bit generator), in an order fixed by the seed.
No fast-math.

When the pool is full the kernel stops, saying how many entries it needs, and resumes where it stopped once
:class:`simulation.model.trust.TrustNetwork` has made room: its position and the round it was applying are kept
in ``state`` and the round's arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulation.kernels.network import draw_one
from simulation.kernels.sketch import SKETCH_WORDS, may_know
from simulation.kernels.toolbox import AHEAD, _ask_for_row, borrowed, inline, jit, prefetch
from simulation.kernels.trust import MIN_ROOM, encounter, find_in_row

#: Encounters drawn, then applied, per round (what a round reads stays in the cache in between).
ROUND = 256
#: Draws made to find a stranger (someone not known yet) in the territory, then in the region, or a friend of a
#: friend not known yet, before the encounter is given up. A stranger is met once; meeting again goes through the
#: network. In a sample of a territory's organisations a drawn stranger would otherwise often be someone already
#: met — far more often than among the real organisations the sample stands for — and repeat meetings build
#: trust: the answers would depend on the sample's size (docs/territories.md, "The sample").
STRANGER_TRIES = 4
#: ``state``: the next actor to draw, its encounters left to draw, the next encounter of the round to apply,
#: the round's length.
STATE = 4
# What ``qh`` holds for an encounter of the round, before it is resolved into the entry of the tie in the
# actor's row (or -1: no tie): a network encounter whose partner is still to be drawn, one whose friend of a
# friend is, one that did not happen, and one whose tie the actor's row must be scanned for (its sketch says
# the actor may know the other).
_NETWORK = -2
_FRIEND = -3
_NONE = -4
_SCAN = -5


class Draws(NamedTuple):
    """What a month's draws read of the actors and channels."""

    #: Each actor's expected encounters this month, all channels together.
    lam: np.ndarray
    #: The cumulated shares of the first channels (network, territory): a uniform below ``edges[0]`` picks the
    #: network, below ``edges[1]`` the territory, else the region.
    edges: np.ndarray
    #: Each actor's territory; territory ``t``'s actors are ``first[t]:first[t + 1]``.
    territory: np.ndarray
    first: np.ndarray
    #: Each actor's sector.
    sector: np.ndarray
    #: The initial trust of a new tie within a sector and across sectors, by the actor's territory (stored values).
    init_same: np.ndarray
    init_cross: np.ndarray


class Rules(NamedTuple):
    """The month's rules, in the pool's unit where they are trust."""

    #: The probability that a network encounter meets the partner again (else a friend of the partner's).
    repeat_share: float
    #: The probability that a cross-sector encounter happens at all.
    acceptance: float
    #: Trust that acquaintance alone cannot exceed, and the share of the gap to it a repeat encounter closes.
    cap_trust: float
    gain: float
    #: Ties under this are forgotten.
    prune_below: float


class Round(NamedTuple):
    """What a month's calls of :func:`month` keep their round in (:func:`new_round`)."""

    #: Each encounter of the round: the actor, the partner, the entry (or what is left to resolve), the initial trust.
    qi: np.ndarray
    qj: np.ndarray
    qh: np.ndarray
    qx: np.ndarray
    #: Where the month stands (:data:`STATE`), zero at its first call.
    state: np.ndarray
    #: ``counts[0]`` counts the month's new ties.
    counts: np.ndarray


def new_round() -> Round:
    """The arrays of a month's round, its state at the month's start."""
    return Round(
        np.empty(ROUND, dtype=np.int64),
        np.empty(ROUND, dtype=np.int64),
        np.empty(ROUND, dtype=np.int64),
        np.empty(ROUND),
        np.zeros(STATE, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )


@jit
def month(pool, draws, rules, rng, rnd):
    """The month's encounters (see the module) in the :class:`~simulation.kernels.trust.Pool`: the actors and
    channels of :class:`Draws`, the :class:`Rules`, the random stream ``rng``, and the :class:`Round` the calls
    of a month share.

    A round is drawn in passes over its encounters, each pass asking for the memory a later one reads: who
    meets, and through which channel; the network partners, in proportion to trust; repeat contact or friend
    of a friend; the friends of friends; the sector filter and the initial trust; the tie looked up in the
    actor's row where its sketch says it may exist; then the encounters are applied in order.

    Returns:
        0 when the month is done, else how many entries the pool needs before the call is made again.
    """
    start, deg, cap, nbr, w, back, row_max, sketch, meta = borrowed(pool)
    lam, edges, territory, first, sector, init_same, init_cross = borrowed(draws)
    qi, qj, qh, qx, state, counts = borrowed(rnd)
    repeat_share, acceptance, cap_trust, gain, prune_below = rules
    n = len(lam)
    k, left, q, length = state[0], state[1], state[2], state[3]
    last, bound = -1.0, 1.0  # the last Poisson rate met, and exp(-rate)
    while True:
        # ---- apply the round, in order
        while q < length:
            _ask_for_round(start, deg, nbr, w, back, qj, qh, q + AHEAD, length)
            i, j = qi[q], qj[q]
            new = encounter(
                start, deg, cap, nbr, w, back, row_max, sketch, meta, i, j, qh[q], qx[q], cap_trust, gain,
                prune_below,
            )  # fmt: skip
            if new < 0:
                state[0], state[1], state[2], state[3] = k, left, q, length
                return 2 * (cap[i] + cap[j]) + 2 * MIN_ROOM
            counts[0] += new
            q += 1
        if k >= n:
            state[0], state[1], state[2], state[3] = k, 0, 0, 0
            return 0
        # ---- who meets, and through which channel: actor after actor
        length, q = 0, 0
        asked = -1  # the last actor whose trust row was asked for
        while length < ROUND and k < n:
            if left == 0:
                if k + AHEAD < n:  # whether an actor knows the stranger drawn is read first in its sketch
                    prefetch(sketch, (k + AHEAD) * SKETCH_WORDS)  # (unasked, its wait was a tenth of the month)
                x = lam[k]
                if x >= 10.0:
                    left = rng.poisson(x)
                elif x > 0.0:
                    if x != last:  # the rates come in runs (one per kind of actor)
                        last, bound = x, np.exp(-x)
                    # inversion: the count is the number of terms of the distribution function at or below a uniform
                    u = rng.random()
                    p = bound
                    acc = p
                    while u >= acc and p > 0.0:
                        left += 1
                        p *= x / left
                        acc += p
                if left == 0:
                    k += 1
                    continue
            i = k
            left -= 1
            if left == 0:
                k += 1
            u = rng.random()
            qi[length] = i
            if u < edges[0]:  # the network: a partner to draw in the actor's row
                qj[length] = -1
                qh[length] = _NETWORK
                if asked != i:
                    _ask_for_row(w, start, deg, i)
                    asked = i
            else:
                # a stranger: someone the actor does not know yet, of its territory, else of the region
                j = -1
                if u < edges[1]:
                    t = territory[i]
                    j = _stranger(start, deg, nbr, sketch, rng, i, first[t], first[t + 1] - first[t])
                if j < 0:
                    j = _stranger(start, deg, nbr, sketch, rng, i, 0, n)
                qj[length] = j
                qh[length] = -1 if j >= 0 else _NONE
                if j >= 0:
                    prefetch(sector, j)
            length += 1
        # ---- the network partners, in proportion to trust
        for r in range(length):
            if qh[r] == _NETWORK:
                e = draw_one(start, deg, w, row_max, qi[r], rng, True, prune_below)
                qh[r] = e if e >= 0 else _NONE
                if e >= 0:
                    prefetch(nbr, e)  # (and ``back``: one record)
        # ---- met again (the entry drawn is the tie), or a friend of that partner
        for r in range(length):
            e = qh[r]
            if e >= 0 and qj[r] < 0:
                partner = np.int64(nbr[e])
                qj[r] = partner
                prefetch(start, partner)  # (the partner's whole row record: one line)
                prefetch(sector, partner)
                if not rng.random() < repeat_share:
                    qh[r] = _FRIEND
        # ---- friends of friends: a first uniform entry of each partner's row
        for r in range(length):
            if qh[r] == _FRIEND:
                partner = qj[r]
                d = deg[partner]
                f = start[partner] + min(int(rng.random() * d), d - 1)
                qx[r] = f  # (an entry, held as a float until resolved)
                prefetch(w, f)
                prefetch(nbr, f)
        # ---- the friend met, the sector filter, the initial trust
        kept = 0
        for r in range(length):
            i, j, h = qi[r], qj[r], qh[r]
            if h == _NONE:
                continue
            if h == _FRIEND:
                # a friend of a friend is someone new: one the actor already knows is drawn again
                partner, f, found = j, np.int64(qx[r]), False
                for _ in range(STRANGER_TRIES):
                    if not w[f] >= prune_below:  # a forgotten tie: the rejection draw goes on
                        f = draw_one(start, deg, w, row_max, partner, rng, False, prune_below)
                        if f < 0:
                            break
                    j = np.int64(nbr[f])
                    if _is_stranger(start, deg, nbr, sketch, i, j):
                        found = True
                        break
                    f = draw_one(start, deg, w, row_max, partner, rng, False, prune_below)
                    if f < 0:
                        break
                if not found:
                    continue
                h = -1
            if i == j:
                continue
            if sector[i] != sector[j]:
                if not rng.random() < acceptance:
                    continue
                x0 = init_cross[territory[i]]
            else:
                x0 = init_same[territory[i]]
            qi[kept], qj[kept], qh[kept], qx[kept] = i, j, h, x0
            kept += 1
            prefetch(start, j)  # (the row record)
            prefetch(sketch, j * SKETCH_WORDS)
        length = kept
        # ---- the tie in the actor's row, where it may exist
        for r in range(length):
            i, h = qi[r], qh[r]
            if h == _SCAN:
                h = find_in_row(start, deg, nbr, i, qj[r])
                qh[r] = h
            if h >= 0:
                prefetch(back, h)
            else:
                p = start[i] + deg[i]
                prefetch(nbr, p)  # (and ``back``)
                prefetch(w, p)


@inline
def _is_stranger(start, deg, nbr, sketch, i, j):
    """Whether ``j`` is someone other than ``i`` that ``i`` has no tie with (its sketch, then its row, says)."""
    return i != j and (not may_know(sketch, i, j) or find_in_row(start, deg, nbr, i, j) < 0)


@inline
def _stranger(start, deg, nbr, sketch, rng, i, lo, size):
    """An actor of ``lo:lo + size`` that ``i`` does not know yet, drawn uniformly, tried :data:`STRANGER_TRIES`
    times; -1 if none of the tries found one."""
    if size <= 0:
        return -1
    for _ in range(STRANGER_TRIES):
        j = lo + min(int(rng.random() * size), size - 1)
        if _is_stranger(start, deg, nbr, sketch, i, j):
            return j
    return -1


@inline
def _ask_for_round(start, deg, nbr, w, back, qj, qh, r, length):
    """Prefetch what applying the round's encounter ``r`` will touch in the partner's row: the twin of a known
    tie, or the end of the row where a new tie would go."""
    if r < length:
        j, h = qj[r], qh[r]
        if h >= 0:
            prefetch(w, start[j] + back[h])
        else:
            p = start[j] + deg[j]
            prefetch(nbr, p)  # (and ``back``)
            prefetch(w, p)
