"""Compiled kernels of the trust network (:mod:`simulation.model.trust`) that write it, one loop per operation.

The network is a pool of entries, each actor's ties one contiguous *row* of it:
actor ``i``'s ties are ``start[i] : start[i] + deg[i]``, with room up to
``start[i] + cap[i]``. An entry holds the neighbour (``nbr``), the trust
(``w``) and the position of the same tie in the neighbour's row (``back``):
every undirected tie is stored twice, both copies always hold the same trust,
and a write to one is a write to the other through ``back``.

A row that is full moves to the free end of the pool (``top``) with twice the
room; before moving, it first drops its forgotten ties (under
``prune_below``). As ``back`` is a position within the neighbour's row, not
in the pool, a row moves with a plain copy: nothing points into it. When the
pool has no room left a kernel stops and returns how far it got;
:class:`simulation.model.trust.TrustNetwork` then makes room (it reclaims in place
the space moved rows left, or grows the pool) and calls it again from there.

The kernels that read the network — draws, contacts, indicators — are in
:mod:`simulation.kernels.network`. No fast-math: every float operation is done
in the written order.

Speed, measured with ``perf`` on a 100,000-actor region (the pool is far larger
than the cache, so a month's events mostly wait for memory): :func:`meet` asks
for the memory of the encounter :data:`~simulation.kernels.toolbox.AHEAD` of it
(:func:`~simulation.kernels.toolbox.prefetch`), its small steps are inlined and
its array arguments :func:`~simulation.kernels.toolbox.borrowed` without their
reference count. Neither changes a result: the same operations run in the same order.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import AHEAD, _ask_for_row, borrowed, inline, jit, prefetch

#: Room of a row when it is first given some, and the least a repacked row keeps free.
MIN_ROOM = 4


# ---------------------------------------------------------------------- entries


@inline
def find(start, deg, nbr, back, i, j):
    """Entry of the tie ``i → j`` in ``i``'s row, or -1 (the shorter row is scanned)."""
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
def _make_room(start, deg, cap, nbr, w, back, row_max, meta, row, prune_below):
    """Room for one more entry in ``row``; False if the pool is full (nothing then changed)."""
    if deg[row] < cap[row]:
        return True
    _drop_forgotten(start, deg, nbr, w, back, row, prune_below)
    if deg[row] < cap[row]:
        return True
    top = meta[0]
    new_cap = max(MIN_ROOM, 2 * cap[row])
    if start[row] + cap[row] == top and top + new_cap - cap[row] <= len(nbr):
        meta[0] = top + new_cap - cap[row]  # the last row grows where it is
        cap[row] = new_cap
        return True
    if top + new_cap > len(nbr):
        return False
    s = start[row]
    bound = 0.0
    for k in range(deg[row]):  # partners hold positions within this row: nothing else to update
        old, new = s + k, top + k
        nbr[new] = nbr[old]
        w[new] = w[old]
        back[new] = back[old]
        bound = max(bound, w[old])
    start[row] = top
    cap[row] = new_cap
    row_max[row] = bound  # exact again
    meta[0] = top + new_cap
    return True


@inline
def _insert(start, deg, nbr, w, back, row_max, i, j, value):
    """A new tie ``i — j`` (both rows have room)."""
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


@inline
def _set(start, nbr, w, back, row_max, i, e, value):
    """Write ``value`` into both copies of the tie at entry ``e`` of ``i``'s row."""
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


@jit
def meet(
    start, deg, cap, nbr, w, back, row_max, meta, a, b, hint, initial, cap_trust, gain, prune_below, counts, begin
):
    """Encounters ``a[k] — b[k]`` from ``begin`` on, in order; returns where it stopped (``len(a)``: done).

    A pair without a live tie gets a new one at ``initial[k]`` (``counts[0]`` counts them);
    a known tie moves ``gain`` of the way to ``cap_trust`` (never past it). The look-up scans
    ``a[k]``'s row: the encounters come ordered by ``a``, so the rows are read in memory order. Where
    the encounter was drawn from that row, ``hint[k]`` is the entry drawn (-1 otherwise): if it still
    holds ``b[k]`` (earlier encounters of the batch may have moved the row), no scan is needed.
    """
    start, deg, cap, nbr, w, back, row_max, meta = borrowed((start, deg, cap, nbr, w, back, row_max, meta))
    a, b, hint, initial, counts = borrowed((a, b, hint, initial, counts))
    for k in range(begin, len(a)):
        _ask_for_encounter(start, deg, cap, nbr, w, back, row_max, a, b, hint, k)
        i, j = a[k], b[k]
        if i == j:
            continue
        h = hint[k]
        hit = start[i] <= h < start[i] + deg[i] and nbr[h] == j
        e = h if hit else find_in_row(start, deg, nbr, i, j)
        if e >= 0:
            x = w[e]
            if x < prune_below:
                x = initial[k]
                counts[0] += 1
            elif x < cap_trust:
                x = x + gain * (cap_trust - x)
            _set(start, nbr, w, back, row_max, i, e, x)
            continue
        if not _make_room(start, deg, cap, nbr, w, back, row_max, meta, i, prune_below):
            return k
        if not _make_room(start, deg, cap, nbr, w, back, row_max, meta, j, prune_below):
            return k
        _insert(start, deg, nbr, w, back, row_max, i, j, initial[k])
        counts[0] += 1
    return len(a)


@jit
def succeed(start, deg, cap, nbr, w, back, row_max, meta, lo, hi, gain, floor, prune_below, begin):
    """Joint successes of the pairs ``lo[k] — hi[k]`` from ``begin`` on: +gain × (1 − w).

    A pair without a live tie starts at ``floor``. Returns where it stopped.
    """
    start, deg, cap, nbr, w, back, row_max, meta, lo, hi = borrowed(
        (start, deg, cap, nbr, w, back, row_max, meta, lo, hi)
    )
    for k in range(begin, len(lo)):
        i, j = lo[k], hi[k]
        e = find(start, deg, nbr, back, i, j)
        if e < 0:
            if not _make_room(start, deg, cap, nbr, w, back, row_max, meta, i, prune_below):
                return k
            if not _make_room(start, deg, cap, nbr, w, back, row_max, meta, j, prune_below):
                return k
            _insert(start, deg, nbr, w, back, row_max, i, j, floor)
            e = start[i] + deg[i] - 1
        x = w[e]
        if x < prune_below:
            x = floor
        _set(start, nbr, w, back, row_max, i, e, 1.0 - (1.0 - x) * (1.0 - gain))
    return len(lo)


@jit
def spread_reputation(start, deg, nbr, w, back, row_max, members, gain, cap_trust, prune_below):
    """Each member's live ties under ``cap_trust`` close ``gain`` of their gap to it (once per listing)."""
    start, deg, nbr, w, back, row_max, members = borrowed((start, deg, nbr, w, back, row_max, members))
    for m in members:
        s = start[m]
        for e in range(s, s + deg[m]):
            x = w[e]
            if prune_below <= x < cap_trust:
                _set(start, nbr, w, back, row_max, m, e, cap_trust - (cap_trust - x) * (1.0 - gain))


@jit
def fail(start, deg, nbr, w, back, lo, hi, loss, prune_below):
    """Joint failures of the pairs ``lo[k] — hi[k]`` with a live tie: −loss × max(w, 1 − w), floored at 0."""
    start, deg, nbr, w, back, lo, hi = borrowed((start, deg, nbr, w, back, lo, hi))
    for k in range(len(lo)):
        e = find(start, deg, nbr, back, lo[k], hi[k])
        if e >= 0:
            x = w[e]
            if x >= prune_below:
                x = max(0.0, x - loss * max(x, 1.0 - x))
                w[e] = x  # trust only falls: the row bounds hold
                w[start[nbr[e]] + back[e]] = x


# ---------------------------------------------------------------------- repacking


@jit
def live_degree(start, deg, w, prune_below):
    """Number of live ties of every actor."""
    n = len(start)
    out = np.zeros(n, dtype=np.int64)
    for i in range(n):
        s = start[i]
        c = 0
        for e in range(s, s + deg[i]):
            if w[e] >= prune_below:
                c += 1
        out[i] = c
    return out


@jit
def repack(start, deg, nbr, w, back, prune_below, new_start, new_nbr, new_w, new_back, new_row_max):
    """Copy the live entries, row by row in actor order and in their order within the row, into the
    new pool (rows at ``new_start``). Returns the new degrees."""
    n = len(start)
    rank = np.full(len(nbr), -1, dtype=np.int64)  # position of each kept entry within its new row
    new_deg = np.zeros(n, dtype=np.int64)
    for i in range(n):
        s, c = start[i], 0
        for e in range(s, s + deg[i]):
            if w[e] >= prune_below:
                rank[e] = c
                c += 1
        new_deg[i] = c
    for i in range(n):
        s, p = start[i], new_start[i]
        bound = 0.0
        for e in range(s, s + deg[i]):
            if rank[e] >= 0:
                j = nbr[e]
                new_nbr[p] = j
                new_w[p] = w[e]
                new_back[p] = rank[start[j] + back[e]]
                bound = max(bound, w[e])
                p += 1
        new_row_max[i] = bound
    return new_deg


@jit
def defragment(start, deg, cap, nbr, w, back):
    """Move every row, in pool order, to the left end of the pool: the space rows left when they
    moved is reclaimed in place. Rows keep their entries, order and room. Returns the new top."""
    top = 0
    for i in np.argsort(start, kind="mergesort"):
        s = start[i]
        if s != top:
            for k in range(deg[i]):  # forwards: the row only moves left
                nbr[top + k] = nbr[s + k]
                w[top + k] = w[s + k]
                back[top + k] = back[s + k]
            start[i] = top
        top += cap[i]
    return top


# ---------------------------------------------------------------------- pairs


@jit
def group_pairs(members, bounds):
    """Every unordered pair (lo < hi) of distinct members within each group ``members[bounds[g]:bounds[g + 1]]``,
    group after group; within a group, in the order of ``numpy.triu_indices`` over its sorted distinct members."""
    distinct = np.empty_like(members)
    ends = np.zeros(len(bounds), dtype=np.int64)
    total = 0
    for g in range(len(bounds) - 1):
        u = np.unique(members[bounds[g] : bounds[g + 1]])
        distinct[ends[g] : ends[g] + len(u)] = u
        ends[g + 1] = ends[g] + len(u)
        total += len(u) * (len(u) - 1) // 2
    lo = np.empty(total, dtype=np.int64)
    hi = np.empty(total, dtype=np.int64)
    p = 0
    for g in range(len(bounds) - 1):
        for x in range(ends[g], ends[g + 1]):
            for y in range(x + 1, ends[g + 1]):
                lo[p] = distinct[x]
                hi[p] = distinct[y]
                p += 1
    return lo, hi
