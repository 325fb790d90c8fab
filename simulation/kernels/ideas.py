"""Compiled kernel of process 3 (:mod:`simulation.model.ideas`): who proposes an idea this month, and in which domain.

Like the other kernels it draws from the process's numpy ``Generator`` exactly the
numbers, in exactly the order, that the numpy written in its docstring draws, and
it sums as numpy sums (pairwise, :func:`simulation.kernels.toolbox.block_sum`), so a run is the same with or
without it; a test checks it against that numpy. At 100,000 actors the numpy
version made five (actor × domain) temporaries a month.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import PW_BLOCK, block_sum, borrowed, jit


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
    if n_domains > PW_BLOCK:
        raise ValueError("at most 128 domains (numpy sums longer rows in blocks)")
    weight = np.empty(n_domains)  # one actor's row of interest × need
    proposers = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):
        t = territory[i]
        for d in range(n_domains):
            weight[d] = interest[i, d] * need[t, d]
        p = rate[i] * (block_sum(weight, n_domains) / n_domains) * experience_factor[i]
        p *= multiplier[i]
        p = min(max(p, 0.0), 1.0) if busy[i] < max_projects[i] else 0.0
        if rng.random() < p:
            proposers[count] = i
            count += 1
    domain = np.empty(count, dtype=np.int64)
    for k in range(count):
        i = proposers[k]
        t = territory[i]
        for d in range(n_domains):
            weight[d] = interest[i, d] * need[t, d]
        target = rng.random() * block_sum(weight, n_domains)
        cumulated, below = 0.0, 0
        for d in range(n_domains):
            cumulated += weight[d]
            below += cumulated <= target
        domain[k] = min(below, n_domains - 1)
    return proposers[:count].copy(), domain
