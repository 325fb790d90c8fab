"""Compiled kernel of process 4 (:mod:`simulation.model.alliances`): the greedy rounds of the month's recruitment.

Every idea recruits from its own candidates only, so the rounds run idea after idea: each idea's rounds are the
rounds the model's numpy made for all ideas at once, in the same order, with the same
float operations (row means summed as numpy sums them, :func:`simulation.kernels.toolbox.block_sum`); a test
checks it against that numpy. At 100,000 actors the numpy made a dozen temporaries of every candidate a round.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import PW_BLOCK, block_sum, borrowed, jit


@jit
def greedy(seg, cand, w, interest, brings, caps, unaided, members, supply, coverage, helped):
    """Fill ``members[:, 1:]`` (the initiators are in column 0) round after round; ``supply``, ``coverage`` and
    ``helped`` are updated in place. The candidates (``seg``: idea index, ascending; ``cand``; ``w``: trust;
    ``interest``: in the idea's domain) are those the model's numpy rounds started from; those rounds, made for all
    ideas at once, are kept as the reference that the kernel must give to the last bit (``_greedy_numpy`` in
    ``tests/test_kernels.py``): in each round every idea still in the running (coverage under 1, room for one
    more) takes its candidate of highest positive score ``trust × interest × coverage gain``, the first of equal
    scores; a candidate is taken once.

    An idea that chooses no one in a round chooses no one after (its candidates' scores do not change), so the
    numpy's stop when no idea chooses is each idea's stop. A NaN score in an idea's round, which makes numpy's
    best NaN, stops that idea's round too.
    """
    seg, cand, w, interest, brings, caps, unaided = borrowed((seg, cand, w, interest, brings, caps, unaided))
    n_res = brings.shape[1]
    if n_res > PW_BLOCK:
        raise ValueError("at most 128 resources (numpy sums longer rows in blocks)")
    row = np.empty(n_res)  # one candidate's resources in the coalition, capped at 1
    chosen = np.zeros(len(seg), dtype=np.bool_)
    rounds = members.shape[1]
    a = 0
    while a < len(seg):
        k = seg[a]
        b = a
        while b < len(seg) and seg[b] == k:
            b += 1
        for r in range(1, rounds):
            if not (coverage[k] < 1.0 and caps[k] >= r):
                break
            best, pos, best_gain, nan = 0.0, -1, 0.0, False
            for c in range(a, b):
                if chosen[c]:
                    continue
                for j in range(n_res):
                    row[j] = min(supply[k, j] + brings[cand[c], j], 1.0)
                gain = block_sum(row, n_res) / n_res - coverage[k]
                score = w[c] * interest[c] * gain
                if score != score:
                    nan = True
                elif score > best:
                    best, pos, best_gain = score, c, gain
            if nan or pos < 0:
                break
            chosen[pos] = True
            members[k, r] = cand[pos]
            helped[k] |= w[pos] < unaided[k]
            for j in range(n_res):
                supply[k, j] += brings[cand[pos], j]
            coverage[k] += best_gain
        a = b
