"""Process 6's month (docs/ODD.md §7.6): every active project's failures and stage transitions, drawn in one
batch and applied in one batch each, with what they leave behind (process 7, :mod:`simulation.model.impacts`)
and the ideas they spawn (:func:`simulation.model.ideas.spawned_ideas`). The projects' records and arrays are
:mod:`simulation.model.projects`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import CAUSES, STAGES, FailureCause, Stage
from simulation.model import impacts
from simulation.model.ideas import spawned_ideas

if TYPE_CHECKING:
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel


def stage_durations(model: TerritorialModel, stages: NDArray[np.int64]) -> NDArray[np.int64]:
    """Months each stage lasts: uniform within ±50% of its configured mean, at least one (drawn in order)."""
    mean = np.array(model.config.projects.duration_months.as_list())[stages]
    return np.maximum(1, np.round(mean * model.streams["projects"].uniform(0.5, 1.5, len(stages)))).astype(np.int64)


def advance_projects(model: TerritorialModel) -> tuple[list[int], list[int]]:
    """Draw this month's failures and stage transitions for every active project.

    The failures, then the stage transitions, are applied in one batch each (:func:`fail_all`,
    :func:`promote_all`); then, project after project in id order, the follow-up ideas of those that reached
    consolidation and the replications of those that ran their course of deployment (both draw from the
    ``ideas`` stream and join the pending ideas in that order).

    Returns:
        (ids of projects that failed, ids of projects that changed stage), in id order.
    """
    table = model.projects
    ids = table.active_ids()
    if len(ids) == 0:
        return [], []
    rng = model.streams["projects"]
    pp = model.config.projects
    base = np.array(pp.base_hazard_per_month.as_list())[table.stage[ids]]
    hazard = base * np.exp(table.log_hazard[ids]) * model.shock.hazard_multiplier
    hazard = hazard * model.hooks.hazard_multiplier(model, ids)
    u = rng.random((len(ids), 2))
    attrition = u[:, 0] < -np.expm1(-hazard)
    capture = ~attrition & (u[:, 1] < table.capture[ids])
    ended = attrition | capture
    failed = ids[ended]
    causes = np.where(attrition, FailureCause.ATTRITION, FailureCause.CAPTURE)[ended]
    fail_all(model, failed, [CAUSES[cause] for cause in causes.tolist()])
    survivors = ids[~ended]
    due = survivors[(table.due_month[survivors] <= model.month)]
    next_stage = table.stage[due] + 1
    moving = next_stage <= Stage.DEPLOYMENT
    moved = due[moving]
    promote_all(model, moved, next_stage[moving], stage_durations(model, next_stage[moving]))
    # Reaching consolidation, a project may spawn a follow-up idea; having run its course of deployment, it may be
    # replicated (essaimer), once.
    consolidating = next_stage == Stage.CONSOLIDATION
    replicating = ~moving & ~table.replicated[due]
    table.replicated[due[replicating]] = True
    spawning = consolidating | replicating
    _pending(model, spawned_ideas(model, due[spawning], consolidating[spawning]))
    table.set_hazards(model, moved.tolist())
    return failed.tolist(), moved.tolist()


def _pending(model: TerritorialModel, ideas: list[Idea]) -> None:
    """Spawned ideas join the pending ones, in order."""
    model.pending_ideas.extend(ideas)
    if ideas:
        model.counters.add("ideas", len(ideas))
    if replications := sum(idea.origin == "replication" for idea in ideas):
        model.counters.add("replications", replications)


def promote_all(
    model: TerritorialModel, ids: NDArray[np.int64], stages: NDArray[np.int64], months: NDArray[np.int64]
) -> None:
    """Move the projects ``ids`` (in id order) one stage forward, each to ``stages[k]`` lasting ``months[k]``:
    a joint success for the members of each (:func:`simulation.model.impacts.on_stages_passed`; the follow-up
    ideas of those reaching consolidation are the caller's, :func:`simulation.model.ideas.spawned_ideas`)."""
    table = model.projects
    month = model.month
    table.stage[ids] = stages
    table.due_month[ids] = month + months
    records = table.records
    for pid, stage in zip(ids.tolist(), stages.tolist(), strict=True):
        p = records[pid]
        p.stage = STAGES[stage]
        p.stage_month[p.stage] = month
    impacts.on_stages_passed(model, ids, stages)


def fail_all(model: TerritorialModel, ids: NDArray[np.int64], causes: list[FailureCause]) -> None:
    """End the projects ``ids`` (in id order) in failure, each for ``causes[k]``."""
    table = model.projects
    was = table.stage[ids]
    table.alive[ids] = False
    np.subtract.at(table.active_count, (table.territory[ids], table.domain[ids]), 1)
    table.active_version += len(ids)
    table.stage[ids] = Stage.FAILED
    month = model.month
    records = table.records
    for pid, cause in zip(ids.tolist(), causes, strict=True):
        p = records[pid]
        p.stage = Stage.FAILED
        p.stage_month[Stage.FAILED] = month
        p.failure_cause = cause
    impacts.on_failures(model, ids, was)


__all__ = ["advance_projects", "fail_all", "promote_all", "stage_durations"]
