"""Compiled kernel of process 3 (:mod:`simulation.ideas`): who proposes an idea this month, and in which domain.

Like the other kernels it draws from the process's numpy ``Generator`` exactly the
numbers, in exactly the order, that the numpy written in its docstring draws, and
it sums as numpy sums (pairwise, :func:`row_sum`), so a run is the same with or
without it; a test checks it against that numpy. At 100,000 actors the numpy
version made five (actor × domain) temporaries a month.
"""

from __future__ import annotations

import numpy as np

from simulation.trust_kernels import borrowed, inline, jit

#: Rows longer than this are summed by numpy in blocks (not reproduced here: there are eight domains).
MAX_ROW = 128


@inline
def row_sum(interest, need, i, t):
    """``(interest[i] * need[t]).sum()`` as numpy sums a row of at most :data:`MAX_ROW` numbers: one by one
    under eight, else in eight interleaved partial sums added pairwise."""
    n = interest.shape[1]
    if n < 8:
        res = 0.0
        for d in range(n):
            res += interest[i, d] * need[t, d]
        return res
    r0 = interest[i, 0] * need[t, 0]
    r1 = interest[i, 1] * need[t, 1]
    r2 = interest[i, 2] * need[t, 2]
    r3 = interest[i, 3] * need[t, 3]
    r4 = interest[i, 4] * need[t, 4]
    r5 = interest[i, 5] * need[t, 5]
    r6 = interest[i, 6] * need[t, 6]
    r7 = interest[i, 7] * need[t, 7]
    d = 8
    while d < n - n % 8:
        r0 += interest[i, d] * need[t, d]
        r1 += interest[i, d + 1] * need[t, d + 1]
        r2 += interest[i, d + 2] * need[t, d + 2]
        r3 += interest[i, d + 3] * need[t, d + 3]
        r4 += interest[i, d + 4] * need[t, d + 4]
        r5 += interest[i, d + 5] * need[t, d + 5]
        r6 += interest[i, d + 6] * need[t, d + 6]
        r7 += interest[i, d + 7] * need[t, d + 7]
        d += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while d < n:
        res += interest[i, d] * need[t, d]
        d += 1
    return res


@jit
def proposals(need, territory, interest, rate, experience_factor, multiplier, busy, max_projects, rng):
    """The month's proposers and the domain of each. The numpy it stands for::

    weight = interest * need[territory]
    p = rate * weight.mean(axis=1) * experience_factor
    p *= multiplier
    p = np.where(busy < max_projects, np.clip(p, 0.0, 1.0), 0.0)
    proposers = np.flatnonzero(rng.random(len(p)) < p)
    w = weight[proposers]
    target = rng.random(len(proposers)) * w.sum(axis=1)
    domain = np.minimum((np.cumsum(w, axis=1) <= target[:, None]).sum(axis=1), w.shape[1] - 1)
    """
    territory, interest, rate, experience_factor, busy, max_projects = borrowed(
        (territory, interest, rate, experience_factor, busy, max_projects)
    )
    n, n_domains = interest.shape
    proposers = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        p = rate[i] * (row_sum(interest, need, i, territory[i]) / n_domains) * experience_factor[i]
        p *= multiplier[i]
        p = min(max(p, 0.0), 1.0) if busy[i] < max_projects[i] else 0.0
        if rng.random() < p:
            proposers[count] = i
            count += 1
    domain = np.empty(count, dtype=np.int64)
    for k in range(count):
        i = proposers[k]
        t = territory[i]
        target = rng.random() * row_sum(interest, need, i, t)
        cumulated, below = 0.0, 0
        for d in range(n_domains):
            cumulated += interest[i, d] * need[t, d]
            below += cumulated <= target
        domain[k] = min(below, n_domains - 1)
    return proposers[:count].copy(), domain
