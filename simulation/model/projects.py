"""Process 6: the project life cycle and the project registry (docs/ODD.md §7.6).

Stages (Territoires Conseils 2018; CESER 2019): seed ("amorçage") → collective experimentation →
consolidation ("pérenniser") → deployment ("essaimer"). Each stage lasts a
random number of months around its configured mean; every month an active
project may fail:

* by attrition, with a hazard that falls with resource coverage, members'
  mutual trust, diversity of kinds, facilitation and experience, is higher
  for alliances (shared risk, Territoires Conseils 2018), and rises with shocks (Reengineering);
* by capture — moral hazard, one party taking the project over (Territoires Conseils 2018) — with a
  probability that grows with the imbalance between members and that
  democratic governance reduces.

Stages only move forward, or end in FAILED. The registry keeps every project
(members, kinds, domain, governance, form, PHARE type, funding mix, the month
each stage was reached, outcome). Hazards and stage clocks of all active
projects are held in arrays and drawn in one batch per month, and the month's
failures and stage transitions are applied in one batch each; Python runs per
project only to write its record, to queue its members' trust changes, and to
draw the follow-up or replication idea of one that reaches consolidation or
ends its deployment.

Here: the projects' records and arrays, and the month's launches. The month's failures and stage transitions
are :mod:`simulation.model.stages`; the composition part of the hazard, :mod:`simulation.model.hazards`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import (
    KINDS,
    ActorKind,
    Domain,
    FailureCause,
    Form,
    FundingSource,
    Governance,
    PhareType,
    Stage,
)
from simulation.model.funding import coverage
from simulation.model.hazards import composition_log_hazard
from simulation.model.ideas import column

if TYPE_CHECKING:
    from simulation.model.alliances import Coalition
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel


@dataclass
class Project:
    """One cooperation, from launch to its end (a registry row)."""

    id: int
    territory: int
    domain: Domain
    initiator: int
    members: list[int]
    kinds: list[ActorKind]
    governance: Governance
    form: Form
    phare_type: PhareType
    budget_eur: float
    launch_funding_eur: NDArray[np.float64]  # per FundingSource, as raised at launch
    policy_eur: list[tuple[str, float]]
    launched_month: int
    origin: str
    parent: int
    facilitated: bool
    #: How its members came together (``network``, ``territory``, ``cross_territory``, ``event``, ``facilitator``,
    #: ``support_network``, ``follow_up``, ``replication``: ``channels.channels_of``).
    channel: str = "network"
    stage: Stage = Stage.SEED
    stage_month: dict[Stage, int] = field(default_factory=dict)
    failure_cause: FailureCause = FailureCause.NONE
    jobs: float = 0.0
    #: The table whose arrays accumulate the value and revenue of every project month by month.
    table: ProjectTable | None = field(default=None, repr=False, compare=False)

    @property
    def value_eur(self) -> float:
        """Value created so far."""
        return float(self.table.value_eur[self.id]) if self.table is not None else 0.0

    @property
    def funding_eur(self) -> NDArray[np.float64]:
        """Euros per FundingSource: raised at launch, and REVENUE earned so far."""
        out = self.launch_funding_eur.copy()
        if self.table is not None:
            out[FundingSource.REVENUE] += self.table.revenue_eur[self.id]
        return out


class ProjectTable:
    """Registry of projects plus the arrays the monthly batch works on."""

    def __init__(self, n_territories: int) -> None:
        self.records: list[Project] = []
        #: Active projects per (territory, domain), kept up to date at launch and failure.
        self.active_count = np.zeros((n_territories, len(Domain)), dtype=np.int64)
        #: Counts the changes of ``active_count``: what is computed from it is computed again only after one.
        self.active_version = 0
        cap = 256
        self.stage = np.zeros(cap, dtype=np.int64)
        self.due_month = np.zeros(cap, dtype=np.int64)
        self.log_hazard = np.zeros(cap)  # static part of log hazard (composition)
        self.capture = np.zeros(cap)  # monthly capture probability
        self.coverage = np.zeros(cap)  # mean of resource and funding coverage at launch
        self.territory = np.zeros(cap, dtype=np.int64)
        self.domain = np.zeros(cap, dtype=np.int64)
        self.budget = np.zeros(cap)
        self.value_rate = np.zeros(cap)  # value per month once consolidated
        self.anchored_share = np.zeros(cap)  # share of the profit that stays in the territory (nomadic firms)
        self.jobs = np.zeros(cap)
        self.value_eur = np.zeros(cap)  # value created so far
        self.revenue_eur = np.zeros(cap)  # service revenue earned so far
        self.launched = np.zeros(cap, dtype=np.int64)
        self.replicated = np.zeros(cap, dtype=bool)
        self.alive = np.zeros(cap, dtype=bool)
        # What the hazard's composition terms read, fixed at launch (:func:`log_hazard_modifiers`).
        self.diversity = np.zeros(cap)  # kinds among the members beyond the first, at most 3, over 3
        self.facilitated = np.zeros(cap)  # 1.0 if a facilitator supports it
        self.alliance = np.zeros(cap, dtype=bool)
        #: Every project's members, one after the other (the members of project ``i`` are
        #: ``member_ids[member_start[i]:member_start[i] + member_count[i]]``): the month's stage changes read
        #: them as arrays, without going through the records.
        self.member_start = np.zeros(cap, dtype=np.int64)
        self.member_count = np.zeros(cap, dtype=np.int64)
        self.member_ids = np.zeros(4 * cap, dtype=np.int64)
        self.n_member_ids = 0

    def __len__(self) -> int:
        return len(self.records)

    def _grow(self) -> None:
        for name in (
            "stage",
            "due_month",
            "log_hazard",
            "capture",
            "coverage",
            "territory",
            "domain",
            "budget",
            "value_rate",
            "anchored_share",
            "jobs",
            "value_eur",
            "revenue_eur",
            "launched",
            "replicated",
            "alive",
            "diversity",
            "facilitated",
            "alliance",
            "member_start",
            "member_count",
        ):
            old = getattr(self, name)
            new = np.zeros(2 * len(old), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    @property
    def n(self) -> int:
        return len(self.records)

    def active_ids(self) -> NDArray[np.int64]:
        return np.flatnonzero(self.alive[: self.n])

    def count_by_stage(self) -> NDArray[np.int64]:
        """Active projects per stage (seed, experimentation, consolidation, deployment)."""
        ids = self.active_ids()
        return np.bincount(self.stage[ids], minlength=len(Stage))[: Stage.FAILED]

    def member_lists(self, ids: NDArray[np.int64]) -> list[NDArray[np.int64]]:
        """The members of each project of ``ids``, in order (views: not to be written)."""
        starts = self.member_start[ids].tolist()
        ends = (self.member_start[ids] + self.member_count[ids]).tolist()
        flat = self.member_ids
        return [flat[a:b] for a, b in zip(starts, ends, strict=True)]

    def all_members(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The members of the projects of ``ids``, one project after the other."""
        counts = self.member_count[ids]
        total = int(counts.sum())
        # each member's place in ``member_ids``: its project's start plus its rank within the project
        first = np.cumsum(counts) - counts
        where = np.repeat(self.member_start[ids] - first, counts) + np.arange(total)
        return self.member_ids[where]

    def padded_members(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """:func:`padded_members` of the projects of ``ids``, from the table."""
        counts = self.member_count[ids]
        out = np.full((len(ids), int(counts.max(initial=0))), -1, dtype=np.int64)
        out[np.arange(out.shape[1]) < counts[:, None]] = self.all_members(ids)
        return out

    def _add_members(self, members: NDArray[np.int64], counts: NDArray[np.int64], ids: slice) -> None:
        """Append the members of the projects ``ids`` (``counts[k]`` of them each, one project after the other)."""
        n0 = self.n_member_ids
        while n0 + len(members) > len(self.member_ids):
            grown = np.zeros(2 * len(self.member_ids), dtype=np.int64)
            grown[:n0] = self.member_ids[:n0]
            self.member_ids = grown  # (views given out before keep the old buffer, whose members do not change)
        self.member_ids[n0 : n0 + len(members)] = members
        self.member_start[ids] = n0 + np.cumsum(counts) - counts
        self.member_count[ids] = counts
        self.n_member_ids = n0 + len(members)

    def set_hazards(self, model: TerritorialModel, pids: list[int]) -> None:
        """Set the composition part of the hazard of projects just launched or promoted.

        Called once the month's launches (or stage transitions) are done, with the
        members' trust and experience as they stand then.
        """
        if pids:
            ids = np.array(pids, dtype=np.int64)
            # (the members matrix is as wide as the batch's largest project, as :func:`padded_members` makes it:
            # the row sums of the trust and experience terms depend on its width to the last bit)
            self.log_hazard[ids] = composition_log_hazard(
                model,
                self.padded_members(ids),
                self.diversity[ids],
                self.facilitated[ids],
                self.alliance[ids],
                self.coverage[ids],
            )

    def active_by_territory_domain(self) -> NDArray[np.float64]:
        """Active projects per (territory, domain)."""
        return self.active_count.astype(float)

    # ------------------------------------------------------------------ launch

    def launch_all(
        self, model: TerritorialModel, ideas: list[Idea], coalitions: list[Coalition], seed_months: NDArray[np.int64]
    ) -> list[Project]:
        """Register funded coalitions as projects at the seed stage, in order (the seed stage of each lasting
        ``seed_months``). Each is given the first facilitator of its territory with room for it, if any: earlier
        launches take the room first.
        """
        k = len(coalitions)
        plans = [c.funding for c in coalitions]
        members = np.concatenate([c.members for c in coalitions]) if coalitions else np.empty(0, dtype=np.int64)
        batch = Launches(
            members=members,
            sizes=np.fromiter((len(c.members) for c in coalitions), np.int64, k),
            governance=[c.governance for c in coalitions],
            form=[c.form for c in coalitions],
            phare_type=[c.phare_type for c in coalitions],
            channel=[c.channel for c in coalitions],
            resource_coverage=np.array([c.resource_coverage for c in coalitions], dtype=float),
            imbalance=np.array([c.imbalance for c in coalitions], dtype=float),
            democracy=np.array([c.democracy for c in coalitions], dtype=float),
            diversity=np.array([c.diversity for c in coalitions], dtype=float),
            budget=np.array([plan.budget_eur for plan in plans], dtype=float),
            amount=np.array([plan.amount_eur for plan in plans]).reshape(k, len(FundingSource)),
            revenue=np.array([plan.expected_revenue_eur for plan in plans], dtype=float),
            policy_eur=[plan.policy_eur for plan in plans],
        )
        projects = self.launch(model, ideas, batch, seed_months)
        for c, p in zip(coalitions, projects, strict=True):
            c.facilitator = model.facilitator_of.get(p.id)
        return projects

    def launch(
        self, model: TerritorialModel, ideas: list[Idea], batch: Launches, seed_months: NDArray[np.int64]
    ) -> list[Project]:
        """:meth:`launch_all` of coalitions given as arrays (no :class:`Coalition` made for them)."""
        n0, k = self.n, len(ideas)
        while n0 + k > len(self.alive):
            self._grow()
        actors, month = model.actors, model.month
        o, pp = model.config.outcomes, model.config.projects
        ids = slice(n0, n0 + k)
        members, sizes = batch.members, batch.sizes
        ends = np.cumsum(sizes)
        starts = ends - sizes
        member_list = members.tolist()
        kind_codes = actors.kind[members]
        kinds = [KINDS[x] for x in kind_codes.tolist()]
        amount = batch.amount  # (its rows are the projects' launch funding)
        budget = batch.budget
        by_territory = model.facilitators_by_territory
        projects: list[Project] = []
        for pid, idea, governance, form, phare, channel, budget_eur, taken, start, end, funding in zip(
            range(n0, n0 + k),
            ideas,
            batch.governance,
            batch.form,
            batch.phare_type,
            batch.channel,
            budget.tolist(),
            batch.policy_eur,
            starts.tolist(),
            ends.tolist(),
            amount,
            strict=True,
        ):
            # (most territories have no facilitator: the look-up is skipped for them)
            facilitator = model.facilitator_with_room(idea.territory) if by_territory[idea.territory] else None
            if facilitator is not None:
                facilitator.supported.add(pid)
                model.facilitator_of[pid] = facilitator
            p = Project(
                id=pid,
                territory=idea.territory,
                domain=idea.domain,
                initiator=idea.initiator,
                members=member_list[start:end],
                kinds=kinds[start:end],
                governance=governance,
                form=form,
                phare_type=phare,
                budget_eur=budget_eur,
                launch_funding_eur=funding,
                policy_eur=list(taken),
                launched_month=month,
                origin=idea.origin,
                parent=idea.parent_project,
                facilitated=facilitator is not None,
                channel=channel,
                table=self,
            )
            p.stage_month[Stage.SEED] = month
            projects.append(p)
        self.records.extend(projects)
        territory = column(ideas, "territory")
        domain = column(ideas, "domain")
        alliance = np.array([f == Form.ALLIANCE for f in batch.form], dtype=bool)
        self.stage[ids] = Stage.SEED
        self.due_month[ids] = month + seed_months
        self.territory[ids] = territory
        self.domain[ids] = domain
        self.budget[ids] = budget
        self.value_rate[ids] = (
            budget * o.value_per_budget_eur_per_month * np.where(alliance, o.alliance_value_multiplier, 1.0)
        )
        self.anchored_share[ids] = _anchored_share(model, members, sizes)
        self.launched[ids] = month
        self.alive[ids] = True
        np.add.at(self.active_count, (territory, domain), 1)
        self.active_version += 1
        # The coverage: of resources, and of the budget by the plan (what is raised plus credible revenue).
        self.coverage[ids] = 0.5 * (batch.resource_coverage + batch.funding_coverage)
        self.capture[ids] = np.maximum(
            0.0, pp.moral_hazard_per_month * batch.imbalance * (1.0 - pp.democracy_protection * batch.democracy)
        )  # log_hazard is set by :meth:`set_hazards` once the month's launches are done.
        self.diversity[ids] = batch.diversity  # its members' kinds, as the coalition has them
        self.facilitated[ids] = [p.facilitated for p in projects]
        self.alliance[ids] = alliance
        self._add_members(members, sizes, ids)
        np.add.at(actors.busy, members, 1)
        np.add.at(actors.engaged, members, 1)
        actors.ever_engaged[members] = True
        model.ledger.book_launches(month, territory, amount, [p.policy_eur for p in projects])
        return projects


@dataclass
class Launches:
    """Funded coalitions to launch, one entry per coalition: what a project takes from its coalition and its
    funding plan (:class:`simulation.model.alliances.Coalition`, :class:`simulation.model.funding.FundingPlan`)."""

    members: NDArray[np.int64]  # the members of all, one coalition after the other
    sizes: NDArray[np.int64]
    governance: list[Governance]
    form: list[Form]
    phare_type: list[PhareType]
    channel: list[str]
    resource_coverage: NDArray[np.float64]
    imbalance: NDArray[np.float64]
    democracy: NDArray[np.float64]
    diversity: NDArray[np.float64]
    budget: NDArray[np.float64]
    amount: NDArray[np.float64]  # (K, sources)
    revenue: NDArray[np.float64]  # expected revenue
    policy_eur: list[list[tuple[str, float]]]

    @property
    def funding_coverage(self) -> NDArray[np.float64]:
        """Each plan's share of its budget secured (:func:`simulation.model.funding.coverage`)."""
        return coverage(self.amount.sum(axis=1), self.revenue, self.budget)


def anchored_share(model: TerritorialModel, members: list[NDArray[np.int64]]) -> NDArray[np.float64]:
    """Share of each coalition's profit that stays in its territory: members share the profit equally, and a
    nomadic firm keeps only ``outcomes.nomadic_reinvestment_factor`` of its part there (the rest leaves with the
    group: the "grands groupes/enseignes nomades qui déséquilibrent les éco systèmes locaux" of Reengineering)."""
    if not members:
        return np.empty(0)
    sizes = np.fromiter(map(len, members), dtype=np.int64, count=len(members))
    return _anchored_share(model, np.concatenate(members), sizes)


def _anchored_share(
    model: TerritorialModel, members: NDArray[np.int64], sizes: NDArray[np.int64]
) -> NDArray[np.float64]:
    """:func:`anchored_share` of the coalitions whose members are ``members``, ``sizes[k]`` of them each."""
    if not len(sizes):
        return np.empty(0)
    factor = model.config.outcomes.nomadic_reinvestment_factor
    starts = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    nomadic = np.add.reduceat(model.actors.nomadic[members].astype(np.int64), starts)
    return 1.0 - (1.0 - factor) * (nomadic / sizes)


__all__ = ["FundingSource", "Launches", "Project", "ProjectTable"]
