"""The composition part of a project's failure hazard (process 6, docs/ODD.md §7.6): resource coverage, the
members' mutual trust, the diversity of their kinds, facilitation, their experience, and the alliance's shared
risk, each centred on a reference coalition."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import ActorKind, Form
from simulation.model.trust import mean_pair_trust

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel
    from simulation.model.projects import Project


def padded_members(projects: list[Project]) -> NDArray[np.int64]:
    """The members of each project as the rows of one matrix, padded with -1."""
    sizes = np.fromiter((len(p.members) for p in projects), dtype=np.int64, count=len(projects))
    out = np.full((len(projects), int(sizes.max(initial=0))), -1, dtype=np.int64)
    out[np.arange(out.shape[1]) < sizes[:, None]] = [m for p in projects for m in p.members]
    return out


def kind_diversity(kinds: list[ActorKind]) -> float:
    """The kinds among a project's members beyond the first, at most 3, over 3 (0 to 1)."""
    return min(len(set(kinds)) - 1, 3) / 3


def log_hazard_modifiers(model: TerritorialModel, projects: list[Project], coverage: NDArray) -> NDArray[np.float64]:
    """Log of the hazard multiplier set by each coalition's composition and state (:func:`composition_log_hazard`
    of the projects' records)."""
    return composition_log_hazard(
        model,
        padded_members(projects),
        np.array([kind_diversity(p.kinds) for p in projects]),
        np.array([p.facilitated for p in projects], dtype=float),
        np.array([p.form == Form.ALLIANCE for p in projects]),
        coverage,
    )


def composition_log_hazard(
    model: TerritorialModel,
    members: NDArray[np.int64],
    diversity: NDArray[np.float64],
    facilitated: NDArray[np.float64],
    alliance: NDArray[np.bool_],
    coverage: NDArray,
) -> NDArray[np.float64]:
    """Log of the hazard multiplier set by each coalition's composition and state.

    Each factor is centred on a reference coalition (half-covered, trust 0.2, two
    kinds, no facilitator, no experience), so the configured base hazards are
    those of that reference.

    Args:
        members: the members of each project, one row each, padded with -1 (:func:`padded_members`).
        diversity: the kinds among each project's members beyond the first, at most 3, over 3.
        facilitated: 1.0 for a project a facilitator supports, else 0.0.
        alliance: whether each project is an alliance.
        coverage: each project's mean of resource and funding coverage at launch.
    """
    pp = model.config.projects
    valid = members >= 0
    trust = mean_pair_trust(model.trust, members)
    experience = (np.log1p(model.actors.experience[np.where(valid, members, 0)]) * valid).sum(axis=1) / valid.sum(
        axis=1
    )
    x = (
        -pp.coverage_effect * (np.asarray(coverage) - 0.5)
        - pp.trust_effect * (trust - 0.2)
        - pp.diversity_effect * (diversity - 1 / 3)
        - pp.facilitation_effect * facilitated
        - pp.experience_effect * experience
    )
    return x + alliance * float(np.log(max(pp.alliance_hazard_multiplier, 1e-12)))


def log_hazard_modifier(model: TerritorialModel, p: Project, coverage: float) -> float:
    """:func:`log_hazard_modifiers` of one project."""
    return float(log_hazard_modifiers(model, [p], np.array([coverage]))[0])
