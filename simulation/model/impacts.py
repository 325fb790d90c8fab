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

from simulation.enums import Form, FundingSource, Stage
from simulation.model.ideas import follow_up_idea

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel
    from simulation.model.projects import Project


def on_stage_passed(model: TerritorialModel, p: Project) -> None:
    """Trust, experience, jobs and ideas when project ``p`` has just entered ``p.stage``."""
    cfg = model.config
    table = model.projects
    m = np.array(p.members, dtype=np.int64)
    model.trust.queue_success(m)
    if p.stage == Stage.CONSOLIDATION:
        model.trust.queue_reputation(m)
        model.actors.experience[m] += 1.0
        jobs = p.budget_eur / cfg.outcomes.budget_eur_per_job
        if p.form == Form.ALLIANCE:
            jobs *= cfg.outcomes.alliance_value_multiplier
        p.jobs += jobs
        table.jobs[p.id] = p.jobs
        model.counters.add("successes", 1)
        model.counters.add("jobs_created", jobs)
        model.visible_successes[p.territory] += 1
        idea = follow_up_idea(model, p.id)
        if idea is not None:
            model.pending_ideas.append(idea)
            model.counters.add("ideas", 1)
    elif p.stage == Stage.DEPLOYMENT:
        model.actors.experience[m] += 1.0
        extra = p.jobs * cfg.outcomes.deployment_job_multiplier
        p.jobs += extra
        table.jobs[p.id] = p.jobs
        model.counters.add("deployments", 1)
        model.counters.add("jobs_created", extra)
        model.actors.busy[m] -= 1  # a deployed project runs on its own staff
        model.release_facilitator(p.id)


def on_failure(model: TerritorialModel, p: Project, was: Stage) -> None:
    """Trust loss, freed members and lost jobs when project ``p`` fails at stage ``was``."""
    m = np.array(p.members, dtype=np.int64)
    model.trust.queue_failure(m)
    if was < Stage.DEPLOYMENT:
        model.actors.busy[m] -= 1
    model.actors.engaged[m] -= 1
    model.counters.add("failures", 1)
    model.counters.add("jobs_lost", p.jobs)
    model.projects.jobs[p.id] = 0.0
    model.visible_failures[p.territory] += 1
    model.release_facilitator(p.id)


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
