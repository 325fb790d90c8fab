"""Compiled kernels that read the trust network (:mod:`simulation.model.trust`): look-ups, draws of
partners and contacts, and the indicators' one pass over every tie.

The pool they read is described in :mod:`simulation.kernels.trust`. Random draws
come from the process's own numpy ``Generator``: numba draws from the same bit
generator, so a run is reproducible exactly as with numpy. No fast-math: every
float operation is done in the written order. The loops ask for the memory of
the actor :data:`~simulation.kernels.toolbox.AHEAD` of them
(:func:`~simulation.kernels.toolbox.prefetch`, a hint that never faults), which
changes no result.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import AHEAD, _ask_for_row, borrowed, inline, jit, prefetch
from simulation.kernels.trust import find

#: Rejection rounds before an actor still without a draw is drawn exactly within its row.
REJECTION_ROUNDS = 32


@jit
def get(start, deg, nbr, w, back, a, b, prune_below):
    """Trust of each pair, 0 where there is no live tie."""
    start, deg, nbr, w, back, a, b = borrowed((start, deg, nbr, w, back, a, b))
    out = np.zeros(len(a))
    for k in range(len(a)):
        if a[k] != b[k]:
            e = find(start, deg, nbr, back, a[k], b[k])
            if e >= 0 and w[e] >= prune_below:
                out[k] = w[e]
    return out


@jit
def rows(start, deg, nbr, w, who, prune_below):
    """The live ties of each actor of ``who``, grouped in the order of ``who``: (position, neighbour, trust)."""
    total = 0
    for i in who:
        total += deg[i]
    seg = np.empty(total, dtype=np.int64)
    out_nbr = np.empty(total, dtype=np.int64)
    out_w = np.empty(total)
    c = 0
    for k in range(len(who)):
        s = start[who[k]]
        for e in range(s, s + deg[who[k]]):
            if w[e] >= prune_below:
                seg[c] = k
                out_nbr[c] = nbr[e]
                out_w[c] = w[e]
                c += 1
    return seg[:c], out_nbr[:c], out_w[:c]


@inline
def _draw_one(start, deg, w, row_max, i, rng, weighted, prune_below):
    """The entry of one live tie of actor ``i``, drawn uniformly or in proportion to trust; -1 if none.

    By rejection within the row: a uniform entry, kept if live (and, weighted,
    with probability its trust over the row's bound ``row_max``, which is at
    least every trust in the row: the kept entry is drawn exactly in proportion
    to trust). After :data:`REJECTION_ROUNDS` rejections the actor is drawn
    exactly by a pass over its row.
    """
    d, s = deg[i], start[i]
    if d == 0:
        return -1
    for _ in range(REJECTION_ROUNDS):
        e = s + min(int(rng.random() * d), d - 1)
        x = w[e]
        if x >= prune_below and (not weighted or rng.random() * row_max[i] < x):
            return e
    total = 0.0
    for e in range(s, s + d):
        if w[e] >= prune_below:
            total += w[e] if weighted else 1.0
    if total <= 0.0:
        return -1
    target = rng.random() * total
    acc = 0.0
    out = -1
    for e in range(s, s + d):
        if w[e] >= prune_below:
            acc += w[e] if weighted else 1.0
            out = e
            if acc > target:
                break
    return out


@jit
def draw(start, deg, nbr, w, row_max, who, rng, weighted, prune_below):
    """The entry of one live tie of each actor of ``who`` (:func:`_draw_one`), one after the other."""
    start, deg, w, row_max, who = borrowed((start, deg, w, row_max, who))
    out = np.empty(len(who), dtype=np.int64)
    for k in range(len(who)):
        if k + AHEAD < len(who):
            _ask_for_row(w, start, deg, who[k + AHEAD])  # (asking also for where that row is was slower)
        out[k] = _draw_one(start, deg, w, row_max, who[k], rng, weighted, prune_below)
    return out


@jit
def contacts(start, deg, nbr, w, row_max, who, rng, repeat_share, prune_below):
    """Network encounters of the actors ``who``: a known partner drawn in proportion to trust, kept with
    probability ``repeat_share``, else one of that partner's own ties drawn uniformly (a friend of a friend).

    Draws in three passes, as :mod:`simulation.model.encounters` defines them: every actor's partner; then one
    uniform per actor with a partner (a repeat contact if below ``repeat_share``); then the friends of friends.

    Returns:
        (actor, met, entry): for every encounter that found someone, the actor, whom it met and, for a repeat
        contact, the entry drawn in the actor's row (-1 for a friend of a friend).
    """
    start, deg, nbr, w, row_max, who = borrowed((start, deg, nbr, w, row_max, who))
    entry = draw(start, deg, nbr, w, row_max, who, rng, True, prune_below)
    n = 0
    for k in range(len(who)):
        if entry[k] >= 0:
            who[n] = who[k]  # ``who`` is the kernel's own copy
            entry[n] = entry[k]
            n += 1
    actor, entry = who[:n], entry[:n]
    met = np.empty(n, dtype=np.int64)
    friend = np.empty(n, dtype=np.bool_)
    for k in range(n):
        if k + AHEAD < n:
            prefetch(nbr, entry[k + AHEAD])
        met[k] = nbr[entry[k]]
        friend[k] = rng.random() >= repeat_share
    fof = np.flatnonzero(friend)
    far = draw(start, deg, nbr, w, row_max, met[fof], rng, False, prune_below)
    for q in range(len(fof)):
        if q + AHEAD < len(fof):
            prefetch(nbr, far[q + AHEAD])  # (-1 asks for nothing useful, and harms nothing)
        met[fof[q]] = nbr[far[q]] if far[q] >= 0 else -1
        entry[fof[q]] = -1
    keep = met >= 0
    return actor[keep], met[keep], entry[keep]


@inline
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@jit
def totals(start, deg, nbr, w, sector, prune_below, components):
    """Over every live stored entry: (count, sum of trust, count joining two sectors, and with ``components`` the
    size of the largest connected component — union–find over every tie in the same pass —, else 0).

    Rows are read in actor order, each asked for two rows ahead; the root of the row's actor is kept
    through its row (it changes only when its component joins a larger one).
    """
    start, deg, nbr, w, sector = borrowed((start, deg, nbr, w, sector))
    n = len(start) if components else 0
    parent = np.arange(n).astype(np.int32)
    size = np.ones(n, dtype=np.int32)
    small_sector = sector.astype(np.int8)  # (three sectors) an eighth of the cache
    count, cross = 0, 0
    total = 0.0
    for i in range(len(start)):
        if i + 2 < len(start):
            _ask_for_row(nbr, start, deg, i + 2)
            _ask_for_row(w, start, deg, i + 2)
        s = start[i]
        own = small_sector[i]
        ri = _root(parent, i) if components else 0
        for e in range(s, s + deg[i]):
            x = w[e]
            if x >= prune_below:
                j = nbr[e]
                count += 1
                total += x
                if small_sector[j] != own:
                    cross += 1
                if components and j > i:
                    rj = _root(parent, j)
                    if ri != rj:  # the smaller component joins the larger
                        if size[ri] < size[rj]:
                            ri, rj = rj, ri
                        parent[rj] = ri
                        size[ri] += size[rj]
    best = 0
    for i in range(n):
        if parent[i] == i and size[i] > best:
            best = size[i]
    return count, total, cross, best
