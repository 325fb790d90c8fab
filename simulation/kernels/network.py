"""Compiled kernels that read the trust network (:mod:`simulation.model.trust`): look-ups, draws of
partners, and the indicators' one pass over every tie.

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

from simulation.kernels.sketch import SKETCH_WORDS
from simulation.kernels.toolbox import AHEAD, _ask_for_row, borrowed, inline, jit, pairwise_sum, prefetch
from simulation.kernels.trust import find

#: Rejection proposals before an actor still without a draw is drawn exactly within its row.
REJECTION_ROUNDS = 32
#: Proposals a rejection draw makes at a time.
PROPOSALS = 4


@inline
def _trust(start, deg, nbr, w, back, sketch, i, j, prune_below, unit):
    """Trust of the pair ``i — j`` (stored value × ``unit``, at most 1), 0 where there is no live tie."""
    if i != j:
        e = find(start, deg, nbr, back, sketch, i, j)
        if e >= 0 and w[e] >= prune_below:
            return min(w[e] * unit, 1.0)
    return 0.0


@jit
def get(start, deg, nbr, w, back, sketch, a, b, prune_below, unit):
    """Trust of each pair (stored value × ``unit``, at most 1), 0 where there is no live tie."""
    start, deg, nbr, w, back, sketch, a, b = borrowed((start, deg, nbr, w, back, sketch, a, b))
    out = np.zeros(len(a))
    for k in range(len(a)):
        if k + AHEAD < len(a):  # the pairs are at random places: ask for both rows' records and a sketch
            i, j = a[k + AHEAD], b[k + AHEAD]
            prefetch(start, i)
            prefetch(start, j)
            prefetch(sketch, i * SKETCH_WORDS)
        if k + AHEAD // 2 < len(a):  # (records in the cache by now) the shorter row, which ``find`` scans
            i, j = a[k + AHEAD // 2], b[k + AHEAD // 2]
            _ask_for_row(nbr, start, deg, i if deg[i] <= deg[j] else j)
        out[k] = _trust(start, deg, nbr, w, back, sketch, a[k], b[k], prune_below, unit)
    return out


@jit
def pair_means(start, deg, nbr, w, back, sketch, members, prune_below, unit):
    """Mean trust (:func:`get`) over every pair of members of each row of ``members`` (padded with -1), as the
    numpy of :func:`simulation.model.trust.mean_pair_trust` gives it: a row's pairs in the order of
    ``numpy.triu_indices``, 0 for a pair with padding, summed as numpy sums them (pairwise) and divided by the
    number of pairs of two members (at least 1)."""
    start, deg, nbr, w, back, sketch, members = borrowed((start, deg, nbr, w, back, sketch, members))
    k_n, m_n = members.shape
    values = np.zeros(m_n * (m_n - 1) // 2)
    out = np.empty(k_n)
    for k in range(k_n):
        if k + 1 < k_n:  # the next group's rows: records and sketches
            for a in range(m_n):
                i = members[k + 1, a]
                if i >= 0:
                    prefetch(start, i)
                    prefetch(sketch, i * SKETCH_WORDS)
        p, count = 0, 0
        for a in range(m_n):
            i = members[k, a]
            for b in range(a + 1, m_n):
                j = members[k, b]
                x = 0.0
                if i >= 0 and j >= 0:
                    count += 1
                    x = _trust(start, deg, nbr, w, back, sketch, i, j, prune_below, unit)
                values[p] = x
                p += 1
        out[k] = pairwise_sum(values) / max(count, 1)
    return out


@jit
def rows(start, deg, nbr, w, who, floor, unit, prune_below):
    """The live ties of each actor of ``who`` whose trust (stored value × ``unit``, at most 1) is at least
    ``floor[k]`` for the ``k``-th actor (``-inf``: every live tie), grouped in the order of ``who``: (position,
    neighbour, stored value)."""
    total = 0
    for i in who:
        total += deg[i]
    seg = np.empty(total, dtype=np.int64)
    out_nbr = np.empty(total, dtype=np.int64)
    out_w = np.empty(total)
    c = 0
    for k in range(len(who)):
        if k + AHEAD < len(who):  # the rows are at random places: ask for the one AHEAD
            _ask_for_row(w, start, deg, who[k + AHEAD])
            _ask_for_row(nbr, start, deg, who[k + AHEAD])
        s = start[who[k]]
        least = floor[k]
        for e in range(s, s + deg[who[k]]):
            x = np.float64(w[e])
            if x >= prune_below and min(x * unit, 1.0) >= least:
                seg[c] = k
                out_nbr[c] = nbr[e]
                out_w[c] = x
                c += 1
    return seg[:c], out_nbr[:c], out_w[:c]


@inline
def _propose(s, d, w, bound, rng, weighted, prune_below):
    """One proposal of a rejection draw in the row ``s : s + d``: its entry if kept, else -1.

    One uniform ``u`` times ``d``: its integer part is the entry (uniform over the row), its fractional part
    the uniform of the acceptance test (independent of the entry, with 53 - log2(d) bits).
    """
    u = rng.random() * d
    k = min(int(u), d - 1)
    e = s + k
    x = w[e]
    keep = (x >= prune_below) & ((not weighted) | ((u - k) * bound < x))
    return e if keep else -1


@inline
def draw_one(start, deg, w, row_max, i, rng, weighted, prune_below):
    """The entry of one live tie of actor ``i``, drawn uniformly or in proportion to trust; -1 if none.

    By rejection within the row: a uniform entry, kept if live (and, weighted,
    with probability its trust over the row's bound ``row_max``, which is at
    least every trust in the row: the kept entry is drawn exactly in proportion
    to trust). Proposals are made :data:`PROPOSALS` at a time and the first one
    kept wins: the same draw as one at a time, with one branch the processor
    can predict instead of a branch per proposal. After :data:`REJECTION_ROUNDS`
    proposals the actor is drawn exactly by a pass over its row.
    """
    d, s = deg[i], start[i]
    if d == 0:
        return -1
    bound = row_max[i]
    for _ in range(REJECTION_ROUNDS // PROPOSALS):
        e0 = _propose(s, d, w, bound, rng, weighted, prune_below)
        e1 = _propose(s, d, w, bound, rng, weighted, prune_below)
        e2 = _propose(s, d, w, bound, rng, weighted, prune_below)
        e3 = _propose(s, d, w, bound, rng, weighted, prune_below)
        e = e3
        e = e2 if e2 >= 0 else e
        e = e1 if e1 >= 0 else e
        e = e0 if e0 >= 0 else e
        if e >= 0:
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
    """The entry of one live tie of each actor of ``who`` (:func:`draw_one`), one after the other."""
    start, deg, w, row_max, who = borrowed((start, deg, w, row_max, who))
    out = np.empty(len(who), dtype=np.int64)
    for k in range(len(who)):
        if k + AHEAD < len(who):
            _ask_for_row(w, start, deg, who[k + AHEAD])  # (asking also for where that row is was slower)
        out[k] = draw_one(start, deg, w, row_max, who[k], rng, weighted, prune_below)
    return out


@inline
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@jit
def totals(start, deg, nbr, w, sector, prune_below, components, seed_row, seed_entry, seed_nbr):
    """Over every live stored entry: (count, sum of trust, count joining two sectors, and with ``components`` the
    size of the largest connected component — union–find over every tie in the same pass —, else 0; and the
    ties that joined two components: the rows, entries and neighbours of a spanning forest).

    The union–find starts from the ties of an earlier spanning forest that are still live (``seed_*``, those
    whose entry is not -1: :func:`live_ties`): they join what they joined, and the pass only adds the joins of
    the ties made since. Once one component holds every actor (at once, when the earlier forest was a tree and
    is all live), the union–find stops and the rest of the pass only counts. The components are those of the
    live ties, whatever the seeds: each seed is one of them.

    Rows are read in actor order, each asked for two rows ahead; the root of the row's actor is kept
    through its row (it changes only when its component joins a larger one). Both entries of a tie are checked,
    the second finding its ends already joined: checking one of them only (``j > i``) is a branch the processor
    mispredicts half the time, a third of the pass at 100,000 actors.
    """
    start, deg, nbr, w, sector = borrowed((start, deg, nbr, w, sector))
    n = len(start) if components else 0
    parent = np.arange(n).astype(np.int32)
    size = np.ones(n, dtype=np.int32)
    tie_row = np.empty(max(n - 1, 0), dtype=np.int64)
    tie_entry = np.empty(max(n - 1, 0), dtype=np.int64)
    tie_nbr = np.empty(max(n - 1, 0), dtype=np.int64)
    ties = 0
    linking = n > 0  # the union–find still running
    for t in range(len(seed_row) if n > 0 else 0):
        if seed_entry[t] >= 0:
            ri, rj = _root(parent, seed_row[t]), _root(parent, seed_nbr[t])
            if ri != rj:
                if size[ri] < size[rj]:
                    ri, rj = rj, ri
                parent[rj] = ri
                size[ri] += size[rj]
                linking = size[ri] < n
                tie_row[ties], tie_entry[ties], tie_nbr[ties] = seed_row[t], seed_entry[t], seed_nbr[t]
                ties += 1
    for x in range(n if len(seed_row) else 0):  # every actor pointing at its root: most checks below need no walk
        parent[x] = _root(parent, x)
    small_sector = sector.astype(np.int8)  # (three sectors) an eighth of the cache
    count, cross = 0, 0
    total = 0.0
    for i in range(len(start)):
        if i + 2 < len(start):
            _ask_for_row(nbr, start, deg, i + 2)
            _ask_for_row(w, start, deg, i + 2)
        s = start[i]
        own = small_sector[i]
        ri = _root(parent, i) if linking else 0
        for e in range(s, s + deg[i]):
            x = w[e]
            if x >= prune_below:
                j = nbr[e]
                count += 1
                total += x
                if small_sector[j] != own:
                    cross += 1
                if linking and parent[j] != ri:  # (most actors point at their root: no walk)
                    rj = _root(parent, j)
                    if ri != rj:  # the smaller component joins the larger
                        if size[ri] < size[rj]:
                            ri, rj = rj, ri
                        parent[rj] = ri
                        size[ri] += size[rj]
                        linking = size[ri] < n
                        tie_row[ties], tie_entry[ties], tie_nbr[ties] = i, e, j
                        ties += 1
    best = 0
    for i in range(n):
        if parent[i] == i and size[i] > best:
            best = size[i]
    return count, total, cross, best, tie_row[:ties], tie_entry[:ties], tie_nbr[:ties]


@jit
def live_ties(start, deg, nbr, w, prune_below, tie_row, tie_entry, tie_nbr):
    """Mark the ties of a spanning forest (:func:`totals`' ties) that are no longer live: their entry becomes
    -1. A tie is looked for where it was, else (its row has moved since, as rows do when they grow) along its
    row, and the entry where it is found is kept. Returns how many are still live."""
    live = 0
    for t in range(len(tie_row)):
        i, e, j = tie_row[t], tie_entry[t], tie_nbr[t]
        if not (e >= start[i] and e < start[i] + deg[i] and nbr[e] == j and w[e] >= prune_below):
            e = -1
            for f in range(start[i], start[i] + deg[i]):
                if nbr[f] == j and w[f] >= prune_below:
                    e = f
                    break
            tie_entry[t] = e
        live += e >= 0
    return live
