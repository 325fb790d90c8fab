"""Compiled kernel of process 4 (:mod:`simulation.model.alliances`): the greedy rounds of the month's recruitment.

Every idea recruits from its own candidates only, so the rounds run idea after idea: each idea's rounds are the
rounds the numpy of :func:`greedy`'s docstring makes for all ideas at once, in the same order, with the same
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
    ``interest``: in the idea's domain) are those the numpy below starts from::

        unchosen = np.ones(len(seg), dtype=bool)
        for r in range(1, members.shape[1]):
            live = unchosen & (coverage[seg] < 1.0) & (caps[seg] >= r)
            seg, cand, w, interest = seg[live], cand[live], w[live], interest[live]
            if len(seg) == 0:
                break
            gain = np.minimum(supply[seg] + brings[cand], 1.0).mean(axis=1) - coverage[seg]
            score = w * interest * gain
            firsts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
            best_score = np.maximum.reduceat(score, firsts)
            is_best = (score == np.repeat(best_score, np.diff(np.r_[firsts, len(seg)]))) & (score > 0)
            pos = np.flatnonzero(is_best)
            pos = pos[np.r_[True, seg[pos[1:]] != seg[pos[:-1]]]] if len(pos) else pos
            if len(pos) == 0:
                break
            k = seg[pos]
            members[k, r] = cand[pos]
            helped[k] |= w[pos] < unaided[k]
            supply[k] += brings[cand[pos]]
            coverage[k] += gain[pos]
            unchosen = np.ones(len(seg), dtype=bool)
            unchosen[pos] = False

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
