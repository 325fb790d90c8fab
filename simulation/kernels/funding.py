"""Compiled kernels of process 5 (:mod:`simulation.model.funding`): planning and committing coalitions' budgets.

The month's funded coalitions are committed one after the other, in idea
order, each planned with the balances the earlier ones left (members' budgets
and volunteer hours, the territory's local fund, the policies' yearly budgets)
and launched only if every member still has a free project slot and the plan
still reaches the launch coverage. This is a sequential loop over a few
hundred coalitions a month; compiled, it costs microseconds per coalition
instead of the tens that numpy spends on arrays of one row.

Sums follow numpy's pairwise summation (:func:`_sum`), so a plan made here is
bit for bit the plan numpy would make from the same balances.
"""

from __future__ import annotations

import numpy as np

from simulation.kernels.toolbox import jit, pairwise_sum

#: Tier formulas (:attr:`simulation.model.funding.FundingRule.code`).
SHARES, MATCHING, FREE_MIX = 0, 1, 2
#: Sources, in the order of :class:`simulation.enums.FundingSource` (checked by the tests).
PUBLIC_LOCAL, LOCAL_FUND, PUBLIC_POLICY, PRIVATE, VOLUNTEERING, REVENUE = range(6)
N_SOURCES = 6


#: ``a.sum()`` as numpy computes it (:func:`simulation.kernels.toolbox.pairwise_sum`).
_sum = pairwise_sum


@jit
def tiers(rule, params, budget, public, private, volunteering, revenue):
    """Euros from (public, private, volunteering, revenue) under ``rule``, given what is available.

    ``params``: (public_share, private_share, volunteering_share, revenue_share, match_ratio).
    """
    if rule == SHARES:  # strict tiers: each gives at most its share of the budget, no substitution
        return (
            min(params[0] * budget, public),
            min(params[1] * budget, private),
            min(params[2] * budget, volunteering),
            min(params[3] * budget, revenue),
        )
    if rule == MATCHING:  # public money matches the private money raised, match_ratio euro per euro
        p = min(private, budget / (1.0 + params[4]))
        return min(public, params[4] * p), p, min(params[2] * budget, volunteering), min(params[3] * budget, revenue)
    # free mix: members bring what they can, in any mix, until the budget is met
    v = min(volunteering, budget)
    p = min(private, budget - v)
    r = min(revenue, budget - v - p)
    return min(public, budget - v - p - r), p, v, r


@jit
def plan_one(
    members, money, hours, public_sector, market, budget, local_fund, offers, rule, params, hour_value, credibility
):
    """One coalition's plan from the current balances: (amount per source, expected revenue, taken per policy).

    Args:
        members: the members, padded with -1 or not (padding adds zeros to the sums, which, as in
            numpy's pairwise summation, can change how they are grouped).
        money, hours: every actor's budget (euros) and volunteer hours.
        public_sector, market: per actor, whether it is public, whether it can sell or procure services.
        budget: the project's budget, euros.
        local_fund: what is left in the territory's local fund.
        offers: what each policy offers this coalition now (0 if nothing).
        hour_value: euros per volunteer hour.
        credibility: expected share of the revenue tier per member with market access.
    """
    m = len(members)
    pub = np.zeros(m)
    priv = np.zeros(m)
    vol = np.zeros(m)
    n_market = 0
    for k in range(m):
        i = members[k]
        if i < 0:
            continue
        if public_sector[i]:
            pub[k] = money[i]
        else:
            priv[k] = money[i]
        vol[k] = hours[i]
        n_market += market[i]
    public_members = _sum(pub)
    revenue_avail = min(1.0, credibility * n_market) * budget
    policy = 0.0
    for p in range(len(offers)):  # the order of Python's sum() over the offers
        policy += offers[p]
    public, private, volunteering, revenue = tiers(
        rule,
        params,
        budget,
        public_members + local_fund + policy,
        _sum(priv),
        _sum(vol) * hour_value,
        revenue_avail,
    )
    amount = np.zeros(N_SOURCES)
    amount[PUBLIC_LOCAL] = min(public, public_members)
    amount[LOCAL_FUND] = min(public - amount[PUBLIC_LOCAL], local_fund)
    # What the members and the fund leave of the public tier comes from policies (never below 0).
    amount[PUBLIC_POLICY] = max(0.0, public - amount[PUBLIC_LOCAL] - amount[LOCAL_FUND])
    amount[PRIVATE] = private
    amount[VOLUNTEERING] = volunteering
    taken = np.zeros(len(offers))
    left = amount[PUBLIC_POLICY]
    for p in range(len(offers)):
        if offers[p] > 0:
            take = min(offers[p], left)
            if take > 0:
                taken[p] = take
            left -= take
    return amount, revenue, taken


@jit
def plan_all(members, money, hours, public_sector, market, budgets, local_fund, offers, rule, params, hour_value, cred):
    """:func:`plan_one` for every row of ``members`` (padded with -1), from the same balances."""
    k_n = members.shape[0]
    amount = np.zeros((k_n, N_SOURCES))
    revenue = np.zeros(k_n)
    taken = np.zeros(offers.shape)
    for k in range(k_n):
        a, r, t = plan_one(
            members[k], money, hours, public_sector, market, budgets[k], local_fund[k], offers[k],
            rule, params, hour_value, cred,
        )  # fmt: skip
        amount[k], revenue[k], taken[k] = a, r, t
    return amount, revenue, taken


@jit
def _debit(pool, who, amount):
    """Take ``amount`` from ``pool[who]`` in proportion to what each has (never below zero)."""
    if amount <= 0 or len(who) == 0:
        return
    have = pool[who]
    total = _sum(have)
    if total <= 0:
        return
    share = min(1.0, amount / total)
    for k in range(len(who)):
        pool[who[k]] = have[k] - have[k] * share


@jit
def commit_in_order(
    members, money, hours, public_sector, market, busy, max_projects, budgets, territory, local_fund,
    amount0, revenue0, taken0, offers, policy_budget, policy_spent, rule, params, hour_value, cred, min_coverage,
):  # fmt: skip
    """Commit the coalitions one after the other: move each one's money and book its members' slots.

    A coalition is skipped (nothing moves) if a member has no free project slot
    left. Its plan (``amount0``, ``revenue0``, ``taken0``, made from the month's
    starting balances) is made again from what is left when an earlier commit
    took money it counted on: a member's, policy money (when it takes some), or
    local-fund money it needs; the coalition is then skipped if the new plan
    no longer reaches ``min_coverage``. Policies offer at most what is left of
    their yearly budget (``policy_budget - policy_spent``). ``money``,
    ``hours``, ``local_fund``, ``policy_spent`` and ``busy`` are updated in place.

    Returns:
        (launched, amount per source, expected revenue, taken per policy), one row per coalition.
    """
    k_n = members.shape[0]
    launched = np.zeros(k_n, dtype=np.bool_)
    amount = amount0.copy()
    revenue = revenue0.copy()
    taken = taken0.copy()
    n_pol = len(policy_budget)
    touched = np.zeros(len(money), dtype=np.bool_)
    policy_paid = False
    for k in range(k_n):
        row = members[k]
        m = row[row >= 0]
        free = True
        stale = amount0[k, LOCAL_FUND] > local_fund[territory[k]]
        for i in m:
            free = free and busy[i] < max_projects[i]
            stale = stale or touched[i]
        if not free:
            continue
        if policy_paid:
            for p in range(n_pol):
                stale = stale or taken0[k, p] > 0
        t = territory[k]
        if stale:
            now = np.zeros(n_pol)
            for p in range(n_pol):
                now[p] = min(offers[k, p], max(0.0, policy_budget[p] - policy_spent[p]))
            a, r, tk = plan_one(
                m, money, hours, public_sector, market, budgets[k], local_fund[t], now, rule, params, hour_value, cred
            )
            coverage = 0.0 if budgets[k] <= 0 else min(1.0, (_sum(a) + r) / budgets[k])
            if coverage < min_coverage:
                continue
            amount[k], revenue[k], taken[k] = a, r, tk
        a = amount[k]
        launched[k] = True
        _debit(money, m[public_sector[m]], a[PUBLIC_LOCAL])
        _debit(money, m[~public_sector[m]], a[PRIVATE])
        _debit(hours, m, a[VOLUNTEERING] / max(hour_value, 1e-12))
        local_fund[t] -= a[LOCAL_FUND]
        for p in range(n_pol):
            if taken[k, p] > 0:
                policy_spent[p] += taken[k, p]
                policy_paid = True
        for i in m:
            touched[i] = True
            busy[i] += 1
    return launched, amount, revenue, taken
