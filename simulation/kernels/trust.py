"""Compiled kernels of the trust network (:mod:`simulation.model.trust`) that write it, one loop per operation.

The network is a pool of entries, each actor's ties one contiguous *row* of it:
actor ``i``'s ties are ``start[i] : start[i] + deg[i]``, with room up to
``start[i] + cap[i]``. An entry holds the neighbour (``nbr``), the trust
(``w``) and the position of the same tie in the neighbour's row (``back``):
every undirected tie is stored twice, both copies always hold the same trust,
and a write to one is a write to the other through ``back``.

A row's room is a power of two. A row that is full first drops its forgotten
ties (under ``prune_below``); if still full, it moves with twice the room into
a hole of that size left by a row that moved before, or else to the free end
of the pool (``top``), and the space it leaves joins the holes of its size
(lists threaded through the holes themselves). As ``back`` is a position
within the neighbour's row, not in the pool, a row moves with a plain copy:
nothing points into it. When the pool has no room left a kernel stops and
returns how far it got; :class:`simulation.model.pool.TiePool` then makes room
(it reclaims the holes in place, or grows the pool) and calls it again from there.
Trust is stored in float32, in the pool's unit (``simulation.model.pool``):
every value passed to these kernels (caps, floors, ``prune_below``, full trust
``one``) is already in that unit.

Each actor also has a *sketch* of its row (:mod:`simulation.kernels.sketch`): a look-up is skipped
where the sketch says there is no tie. Repacking the pool and reclaiming its holes are in
:mod:`simulation.kernels.repack`; the kernels that read the network — draws, indicators — are in
:mod:`simulation.kernels.network`; those of what projects do to it — joint successes, reputation, joint
failures — in :mod:`simulation.kernels.joint`. No fast-math: every float operation is done
in the written order.

Speed (the pool is far larger than the cache at 100,000 actors, so a month's
events mostly wait for memory): :func:`meet` asks for the memory of the
encounter :data:`~simulation.kernels.toolbox.AHEAD` of it
(:func:`~simulation.kernels.toolbox.prefetch`), its small steps are inlined and
its array arguments :func:`~simulation.kernels.toolbox.borrowed` without their
reference count. Neither changes a result: the same operations run in the same order.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulation.kernels.sketch import mark, may_know, sketch_row
from simulation.kernels.toolbox import AHEAD, _ask_for_row, borrowed, inline, jit, prefetch

#: The least room of a row (rows' room is a power of two, at least this).
MIN_ROOM = 4
#: ``meta`` holds the start of the pool's free end, then from this index on the first hole of each size (a row's
#: room, a power of two: ``meta[HOLES + k]`` for room ``2**k``), -1 if none.
HOLES = 1
#: Sizes of holes (room up to 2**31).
SIZE_CLASSES = 32
#: The type the pool stores trust in: seven significant digits, half the memory (and memory traffic) of float64.
TRUST = np.float32


class Pool(NamedTuple):
    """The pool as the kernels that write it take it (:class:`simulation.model.pool.TiePool` holds it)."""

    #: Each actor's row: where it starts, its entries, its room, and a bound of its trust (float64).
    start: np.ndarray
    deg: np.ndarray
    cap: np.ndarray
    #: Each entry: the neighbour, its trust (:data:`TRUST`), and the position of the same tie in the neighbour's
    #: row (int32).
    nbr: np.ndarray
    w: np.ndarray
    back: np.ndarray
    row_max: np.ndarray
    #: Each actor's sketch of its neighbours (:mod:`simulation.kernels.sketch`).
    sketch: np.ndarray
    #: The start of the pool's free end, then the first hole of each size (:data:`HOLES`).
    meta: np.ndarray


# ---------------------------------------------------------------------- entries


@inline
def find(start, deg, nbr, back, sketch, i, j):
    """Entry of the tie ``i → j`` in ``i``'s row, or -1 (the shorter row is scanned, if ``i``'s sketch says
    it may know ``j``)."""
    if not may_know(sketch, i, j):
        return -1
    if deg[i] <= deg[j]:
        s = start[i]
        for e in range(s, s + deg[i]):
            if nbr[e] == j:
                return e
        return -1
    s = start[j]
    for e in range(s, s + deg[j]):
        if nbr[e] == i:
            return start[i] + back[e]
    return -1


@inline
def find_in_row(start, deg, nbr, i, j):
    """Entry of the tie ``i → j`` in ``i``'s row, or -1 (``i``'s row is scanned: cheap when ``i`` comes in order)."""
    s = start[i]
    for e in range(s, s + deg[i]):
        if nbr[e] == j:
            return e
    return -1


@inline
def _drop_entry(start, deg, nbr, w, back, row, e):
    """Remove entry ``e`` of ``row``: the row's last entry takes its place (and its partner is told)."""
    last = start[row] + deg[row] - 1
    if e != last:
        nbr[e] = nbr[last]
        w[e] = w[last]
        back[e] = back[last]
        j = nbr[e]
        back[start[j] + back[e]] = e - start[row]
    deg[row] -= 1


@inline
def _drop_forgotten(start, deg, nbr, w, back, row, prune_below):
    """Remove the forgotten ties of ``row``, both copies of each."""
    s = start[row]
    for k in range(deg[row] - 1, -1, -1):  # backwards: the entry moved into k was checked already
        e = s + k
        if w[e] < prune_below:
            j = nbr[e]
            _drop_entry(start, deg, nbr, w, back, j, start[j] + back[e])
            _drop_entry(start, deg, nbr, w, back, row, e)


@inline
def make_room(start, deg, cap, nbr, w, back, row_max, sketch, meta, row, prune_below):
    """Room for one more entry in ``row``; False if the pool is full (nothing then changed)."""
    if deg[row] < cap[row]:
        return True
    _drop_forgotten(start, deg, nbr, w, back, row, prune_below)
    if deg[row] < cap[row]:
        return True
    top = meta[0]
    old_cap = cap[row]
    new_cap = 2 * old_cap
    if start[row] + old_cap == top and top + new_cap - old_cap <= len(nbr):
        meta[0] = top + new_cap - old_cap  # the last row grows where it is
        cap[row] = new_cap
        return True
    size = _size_class(new_cap)
    to = meta[HOLES + size]
    if to >= 0:  # a hole of the right size, left by a row that moved
        meta[HOLES + size] = nbr[to]
    elif top + new_cap > len(nbr):
        return False
    else:
        to = top
        meta[0] = top + new_cap
    s = start[row]
    bound = 0.0
    for k in range(deg[row]):  # partners hold positions within this row: nothing else to update
        old, new = s + k, to + k
        nbr[new] = nbr[old]
        w[new] = w[old]
        back[new] = back[old]
        bound = max(bound, w[old])
    start[row] = to
    cap[row] = new_cap
    row_max[row] = bound  # exact again
    sketch_row(start, deg, nbr, sketch, row)  # without the ties dropped
    # the space left behind joins its size's holes (the list is threaded through the holes' first entries)
    size = _size_class(old_cap)
    nbr[s] = meta[HOLES + size]
    meta[HOLES + size] = s
    return True


@inline
def _size_class(c):
    """log2 of a row's room (a power of two)."""
    k = 0
    while (1 << k) < c:
        k += 1
    return k


@inline
def insert(start, deg, nbr, w, back, row_max, sketch, i, j, value):
    """A new tie ``i — j`` (both rows have room)."""
    value = _rounded(w, value)
    p = start[i] + deg[i]
    q = start[j] + deg[j]
    nbr[p] = j
    nbr[q] = i
    w[p] = value
    w[q] = value
    back[p] = deg[j]
    back[q] = deg[i]
    deg[i] += 1
    deg[j] += 1
    row_max[i] = max(row_max[i], value)
    row_max[j] = max(row_max[j], value)
    mark(sketch, i, j)
    mark(sketch, j, i)


@inline
def _rounded(w, value):
    """``value`` as the pool stores it (:data:`TRUST`), in float64: what a row's bound must bound."""
    return np.float64(TRUST(value))


@inline
def set_trust(start, nbr, w, back, row_max, i, e, value):
    """Write ``value`` into both copies of the tie at entry ``e`` of ``i``'s row."""
    value = _rounded(w, value)
    j = nbr[e]
    w[e] = value
    w[start[j] + back[e]] = value
    row_max[i] = max(row_max[i], value)
    row_max[j] = max(row_max[j], value)


@inline
def _ask_for_encounter(start, deg, cap, nbr, w, back, row_max, a, b, hint, k):
    """Prefetch what the encounters ``k + AHEAD`` and ``k + AHEAD / 2`` of :func:`meet` will read.

    Far ahead: ``b``'s row bounds, and ``a``'s row (or the entry drawn). Nearer, once those
    bounds are in the cache: the place a new tie would take in both rows, or the twin of the
    entry drawn. A hint that earlier encounters made stale only prefetches something useless.
    """
    far = k + AHEAD
    if far < len(a):
        j = b[far]
        prefetch(start, j)
        prefetch(deg, j)
        prefetch(cap, j)
        prefetch(row_max, j)
        h = hint[far]
        if h >= 0:
            prefetch(nbr, h)
            prefetch(w, h)
            prefetch(back, h)
        else:
            _ask_for_row(nbr, start, deg, a[far])
    near = k + AHEAD // 2
    if near < len(a):
        i, j = a[near], b[near]
        h = hint[near]
        if h >= 0:
            prefetch(w, start[j] + back[h])
        else:
            q, p = start[j] + deg[j], start[i] + deg[i]
            prefetch(nbr, q)
            prefetch(w, q)
            prefetch(back, q)
            prefetch(w, p)
            prefetch(back, p)


@inline
def encounter(start, deg, cap, nbr, w, back, row_max, sketch, meta, i, j, h, initial, cap_trust, gain, prune_below):
    """One encounter ``i — j`` (``i != j``): a pair without a live tie gets a new one at ``initial``; a known tie
    moves ``gain`` of the way to ``cap_trust`` (never past it). ``h`` is the entry of the tie in ``i``'s row if
    known (it spares the scan of the row; checked, so a stale one is harmless), else -1: the row is scanned if
    ``i``'s sketch says it may know ``j``.

    Returns 1 for a new tie, 0 for a known one, -1 if the pool is full (nothing observable then changed).
    """
    hit = start[i] <= h < start[i] + deg[i] and nbr[h] == j
    if hit:
        e = h
    elif may_know(sketch, i, j):
        e = find_in_row(start, deg, nbr, i, j)
    else:
        e = -1
    if e >= 0:
        x = w[e]
        new = 0
        if x < prune_below:
            x = initial
            new = 1
        elif x < cap_trust:
            x = x + gain * (cap_trust - x)
        set_trust(start, nbr, w, back, row_max, i, e, x)
        return new
    if not make_room(start, deg, cap, nbr, w, back, row_max, sketch, meta, i, prune_below):
        return -1
    if not make_room(start, deg, cap, nbr, w, back, row_max, sketch, meta, j, prune_below):
        return -1
    insert(start, deg, nbr, w, back, row_max, sketch, i, j, initial)
    return 1


@jit
def meet(pool, a, b, hint, initial, cap_trust, gain, prune_below, counts, begin):
    """Encounters ``a[k] — b[k]`` from ``begin`` on, in order (:func:`encounter`), in the :class:`Pool`; returns
    where it stopped (``len(a)``: done). ``counts[0]`` counts the new ties.

    The look-up scans ``a[k]``'s row. Where the encounter was drawn from that row, ``hint[k]`` is the entry
    drawn (-1 otherwise): if it still holds ``b[k]``, no scan is needed.
    """
    start, deg, cap, nbr, w, back, row_max, sketch, meta = borrowed(pool)
    a, b, hint, initial, counts = borrowed((a, b, hint, initial, counts))
    for k in range(begin, len(a)):
        _ask_for_encounter(start, deg, cap, nbr, w, back, row_max, a, b, hint, k)
        i, j = a[k], b[k]
        if i == j:
            continue
        new = encounter(
            start, deg, cap, nbr, w, back, row_max, sketch, meta, i, j, hint[k], initial[k], cap_trust, gain,
            prune_below,
        )  # fmt: skip
        if new < 0:
            return k
        counts[0] += new
    return len(a)
