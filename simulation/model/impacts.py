"""Process 7: what projects leave behind (docs/ODD.md §7.7; Territoires Conseils 2018).

Each stage passed is a joint success: members' mutual trust rises and they
gain experience; a success is also seen by the members' acquaintances, who
trust them more (reputation). Reaching consolidation ("pérenniser") creates jobs, counts as
a visible success for the territory's generalised trust (CESER 2019, P1) and may spawn
a follow-up idea (Territoires Conseils 2018: "Le projet nourrit le projet"); deployment
("essaimer") adds jobs, frees the members' hands and, once matured, may be
replicated in another territory. Consolidated and deployed projects create
value every month; part of it is earned back as service revenue, part is
profit, of which a share is reinvested in the territory's local fund (Territoires Conseils 2018).
A failure lowers members' mutual trust — faster than success raises it —
and destroys the project's jobs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import FundingSource, Stage

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel


def on_stages_passed(model: TerritorialModel, ids: NDArray[np.int64], stages: NDArray[np.int64]) -> None:
    """Trust, experience and jobs when the projects ``ids`` (in id order) have just entered ``stages``.

    Applied in one batch: the joint successes and reputation effects are queued project after project, and the
    jobs created are counted one by one in that order (the month's total to the last bit); the follow-up ideas
    are drawn apart (:func:`simulation.model.ideas.spawned_ideas`).
    """
    cfg = model.config.outcomes
    table = model.projects
    members = table.member_lists(ids)
    consolidated = stages == Stage.CONSOLIDATION
    deployed = stages == Stage.DEPLOYMENT
    with_jobs = consolidated | deployed
    for m in members:
        model.trust.queue_success(m)
    for m, c in zip(members, consolidated.tolist(), strict=True):
        if c:
            model.trust.queue_reputation(m)
    np.add.at(model.actors.experience, table.all_members(ids[with_jobs]), 1.0)
    # Consolidation creates jobs; deployment adds a share of them.
    cons, dep = ids[consolidated], ids[deployed]
    jobs = table.budget[cons] / cfg.budget_eur_per_job
    jobs = np.where(table.alliance[cons], jobs * cfg.alliance_value_multiplier, jobs)
    table.jobs[cons] += jobs
    extra = table.jobs[dep] * cfg.deployment_job_multiplier
    table.jobs[dep] += extra
    created = np.zeros(len(ids))
    created[consolidated] = jobs
    created[deployed] = extra
    records = table.records
    for pid, total in zip(ids[with_jobs].tolist(), table.jobs[ids[with_jobs]].tolist(), strict=True):
        records[pid].jobs = total
    if len(cons):
        model.counters.add("successes", len(cons))
    if len(dep):
        model.counters.add("deployments", len(dep))
    for value in created[with_jobs].tolist():
        model.counters.add("jobs_created", value)
    np.add.at(model.visible_successes, table.territory[cons], 1)
    np.subtract.at(model.actors.busy, table.all_members(dep), 1)  # a deployed project runs on its own staff
    for pid in dep.tolist():
        model.release_facilitator(pid)


def on_failures(model: TerritorialModel, ids: NDArray[np.int64], was: NDArray[np.int64]) -> None:
    """Trust loss, freed members and lost jobs when the projects ``ids`` (in id order) fail, each at stage
    ``was[k]``: the joint failures are queued, and the jobs lost counted, project after project."""
    table = model.projects
    for m in table.member_lists(ids):
        model.trust.queue_failure(m)
    np.subtract.at(model.actors.busy, table.all_members(ids[was < Stage.DEPLOYMENT]), 1)
    np.subtract.at(model.actors.engaged, table.all_members(ids), 1)
    if len(ids):
        model.counters.add("failures", len(ids))
    for jobs in table.jobs[ids].tolist():
        model.counters.add("jobs_lost", jobs)
    table.jobs[ids] = 0.0
    np.add.at(model.visible_failures, table.territory[ids], 1)
    for pid in ids.tolist():
        model.release_facilitator(pid)


def update_trust_from_projects(model: TerritorialModel) -> None:
    """Apply the month's joint successes, reputation effects and failures to the trust network."""
    t = model.config.trust
    vis = model.hooks.visibility_multiplier(model)
    model.trust.flush(
        success_gain=t.success_gain,
        floor=t.initial_cross_sector,
        reputation_gain=min(1.0, t.reputation_gain * vis),
        cap=t.acquaintance_cap,
        failure_loss=t.failure_loss,
    )


def create_value(model: TerritorialModel) -> None:
    """Monthly value of consolidated and deployed projects; revenue and reinvested profit."""
    table = model.projects
    o = model.config.outcomes
    ids = table.active_ids()
    ids = ids[table.stage[ids] >= Stage.CONSOLIDATION]
    if len(ids) == 0:
        return
    value = table.value_rate[ids] * model.shock.resource_factor
    revenue = value * o.revenue_share_of_value
    reinvested = value * o.profit_margin * o.reinvested_share * table.anchored_share[ids]
    n_terr = len(model.territories)
    by_terr = np.bincount(table.territory[ids], weights=reinvested, minlength=n_terr)
    model.territories.local_fund_eur += by_terr
    model.ledger.reinvested[model.month] += by_terr
    model.ledger.flows[model.month, :, FundingSource.REVENUE] += np.bincount(
        table.territory[ids], weights=revenue, minlength=n_terr
    )
    table.value_eur[ids] += value
    table.revenue_eur[ids] += revenue
    model.counters.add("value_eur", float(value.sum()))
