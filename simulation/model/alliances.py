"""Process 4: coalition formation and governance (docs/ODD.md §7.4; Territoires Conseils 2018).

An initiator recruits partners among the actors it trusts whose stakes align
with the idea ("ce que j'apporte, ce que j'en retire", sequence 3) and whose
resources complement the coalition's. A facilitator in the territory lowers
the trust needed (aligning interests, "mettre en relation").

The coalition's composition then fixes:

* its governance (sequence 1): classic (one sector leads), hybrid classic/ESS (a firm
  with an association or citizens), multi-stakeholder (three kinds or more,
  territorial entrepreneurship such as a SCIC);
* partnership (defined frame, low risk) or alliance (shared risk, needs
  more trust, creates more novel value), by the members' mutual trust (sequence 3);
* its PHARE partnership type (patronage, responsible practices, economic
  cooperation, social innovation: sequence 2).

All the month's ideas are worked on together: recruitment
(:func:`form_coalitions`) gathers every idea's candidates in arrays at once,
and a compiled loop (:func:`simulation.kernels.alliances.greedy`) makes each
idea's greedy rounds; then (process 5, :func:`fund_coalitions`)
funding is planned for every viable coalition at once, and only the funded
ones are committed, one by one in idea order, re-checking capacity and money
taken by earlier commits of the month.
A single actor's :meth:`simulation.model.agents.Actor.propose` is the same code on
a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import (
    FORMS,
    GOVERNANCES,
    PHARE_TYPES,
    ActorKind,
    Form,
    Governance,
    PhareType,
    Stage,
)
from simulation.kernels import alliances as ka
from simulation.model.channels import channels_of
from simulation.model.composition import DEMOCRACY, governance_code, phare_code
from simulation.model.funding import FundingPlan, FundingPlans
from simulation.model.ideas import column
from simulation.model.projects import Launches
from simulation.model.stages import stage_durations
from simulation.model.trust import mean_pair_trust

if TYPE_CHECKING:
    from simulation.model.agents import Facilitator
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel
    from simulation.model.projects import Project


@dataclass
class Coalition:
    """Members recruited for an idea, with what their composition implies."""

    members: NDArray[np.int64]
    resource_coverage: float
    mean_trust: float
    diversity: float
    imbalance: float
    governance: Governance
    form: Form
    phare_type: PhareType
    facilitator: Facilitator | None = None
    funding: FundingPlan = field(default_factory=FundingPlan)
    #: How its members came together (the registry's ``channel``: ``channels.channels_of``).
    channel: str = "network"

    @property
    def democracy(self) -> float:
        """0 for classic governance, 1 for multi-stakeholder (moral hazard protection, Territoires Conseils 2018)."""
        return DEMOCRACY[self.governance]


# ---------------------------------------------------------------------- recruitment


@dataclass
class Recruitment:
    """The result of recruiting for K ideas at once.

    ``members[k]`` holds the initiator then its partners, padded with -1.
    """

    members: NDArray[np.int64]  # (K, 1 + max_partners)
    coverage: NDArray[np.float64]  # (K,)
    #: Whether a partner joined only thanks to a facilitator's lowering of the trust needed (K,).
    helped: NDArray[np.bool_] | None = None

    @property
    def valid(self) -> NDArray[np.bool_]:
        return self.members >= 0

    @property
    def size(self) -> NDArray[np.int64]:
        return self.valid.sum(axis=1)


def facilitator_room(model: TerritorialModel) -> NDArray[np.bool_]:
    """Whether each territory has a facilitator with room for one more project."""
    room = np.zeros(len(model.territories), dtype=bool)
    for f in model.facilitators:
        room[f.territory] |= f.has_room
    return room


def recruit(model: TerritorialModel, ideas: list[Idea]) -> Recruitment:
    """Every initiator recruits its partners, all ideas at once.

    Greedy rounds: in each round every initiator invites the trusted,
    available candidate with the best trust × interest in the domain × gain in
    resource coverage, until its coalition covers its needs or has
    ``max_partners`` partners. Candidates are the initiator's ties with at
    least ``min_partner_trust`` (less where a facilitator has room, and less
    any policy bonus).
    """
    cfg = model.config.alliances
    actors, trust = model.actors, model.trust
    k_ideas = len(ideas)
    init, terr, dom = column(ideas, "initiator"), column(ideas, "territory"), column(ideas, "domain")
    unaided = np.full(k_ideas, cfg.min_partner_trust)
    if model.hooks.policies:
        unaided -= np.array([model.hooks.partner_trust_bonus(model, idea) for idea in ideas])
    threshold = unaided - cfg.facilitator_trust_bonus * facilitator_room(model)[terr]
    helped = np.zeros(k_ideas, dtype=bool)

    # Each idea's own cap on partners: geometric on 1, 2, ... with mean ``partners_mean``, bounded by max_partners.
    caps = np.minimum(model.streams["alliances"].geometric(1.0 / cfg.partners_mean, size=k_ideas), cfg.max_partners)
    members = np.full((k_ideas, 1 + int(caps.max(initial=1))), -1, dtype=np.int64)
    members[:, 0] = init
    supply = actors.brings[init].copy()
    coverage = np.minimum(supply, 1.0).mean(axis=1)

    # Every idea's candidates, as one flat array of segments (seg = idea index).
    free = np.flatnonzero(actors.busy[init] < actors.max_projects[init])
    # (the ties under the idea's trust threshold, most of them, are left out at once: the threshold is applied
    # again below, to the event's participants too)
    seg, cand, w = trust.trusted_rows(init[free], threshold[free])
    seg = free[seg]
    seg, cand, w = _with_event_participants(model, ideas, init, free, (seg, cand, w))
    keep = (w >= threshold[seg]) & (actors.busy[cand] < actors.max_projects[cand])
    seg, cand, w = seg[keep], cand[keep], w[keep]
    interest = actors.interest[cand, dom[seg]]
    # the greedy rounds, idea after idea (each idea recruits from its own candidates only)
    ka.greedy(seg, cand, w, interest, actors.brings, caps, unaided, members, supply, coverage, helped)
    return Recruitment(members, coverage, helped)


def _with_event_participants(
    model: TerritorialModel,
    ideas: list[Idea],
    init: NDArray[np.int64],
    free: NDArray[np.int64],
    ties: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """The candidates of ideas born at an event (P2): the initiator's ties and the event's other participants,
    each participant counted at its trust (at least a first meeting's) plus ``event_trust_bonus``: the room lets
    the initiator invite people it has just met. Ideas of other origins keep their ties alone.

    Returns:
        (idea index, candidate, trust as recruitment reads it), idea by idea, a candidate once per idea.
    """
    seg, cand, w = ties
    pooled = [k for k in free.tolist() if ideas[k].pool]
    if not pooled:
        return seg, cand, w
    bonus = model.config.alliances.event_trust_bonus
    parts = [np.array([p for p in ideas[k].pool if p != init[k]], dtype=np.int64) for k in pooled]
    es = np.repeat(np.array(pooled, dtype=np.int64), [len(p) for p in parts])
    ec = np.concatenate(parts) if parts else np.empty(0, np.int64)
    ew = np.minimum(np.maximum(model.trust.get(init[es], ec), model.config.trust.initial_cross_sector) + bonus, 1.0)
    all_seg, all_cand, all_w = np.r_[seg, es], np.r_[cand, ec], np.r_[w, ew]
    # one entry per (idea, candidate), the best; ideas in order, each idea's ties first
    order = np.lexsort((-all_w, all_cand, all_seg))
    all_seg, all_cand, all_w = all_seg[order], all_cand[order], all_w[order]
    first = np.r_[True, (all_seg[1:] != all_seg[:-1]) | (all_cand[1:] != all_cand[:-1])]
    return all_seg[first], all_cand[first], all_w[first]


# ---------------------------------------------------------------------- the month's batch


@dataclass
class Descriptions:
    """What :func:`_describe` gives of the chosen rows' coalitions, one array entry per row: the members matrix
    (padded with -1), then :class:`Coalition`'s fields but the facilitator, funding and channel (governance, form
    and PHARE type as codes). Only the coalitions that need to be are made from it (:meth:`coalitions`)."""

    members: NDArray[np.int64]
    coverage: NDArray[np.float64]
    trust: NDArray[np.float64]
    diversity: NDArray[np.float64]
    imbalance: NDArray[np.float64]
    governance: NDArray[np.int64]
    form: NDArray[np.int64]
    phare: NDArray[np.int64]

    def coalitions(self, js: list[int], channels: list[str]) -> list[Coalition]:
        """The :class:`Coalition` of each row of ``js``, with its channel and an empty funding plan (the policies
        that offer funding read the coalitions before they are planned; the others are launched from arrays).

        Each one's members are its row's members (the padding left out), in a slice of one array of them all.
        """
        members = self.members[js]
        valid = members >= 0
        flat = members[valid]  # row after row
        ends = np.cumsum(valid.sum(axis=1)).tolist()
        rows = [flat[a:b] for a, b in zip([0, *ends][:-1], ends, strict=True)]
        fields = zip(
            rows,
            self.coverage[js].tolist(),
            self.trust[js].tolist(),
            self.diversity[js].tolist(),
            self.imbalance[js].tolist(),
            self.governance[js].tolist(),
            self.form[js].tolist(),
            self.phare[js].tolist(),
            channels,
            strict=True,
        )
        return [
            Coalition(m, cov, tr, div, imb, GOVERNANCES[g], FORMS[f], PHARE_TYPES[p], funding=FundingPlan(), channel=ch)
            for m, cov, tr, div, imb, g, f, p, ch in fields
        ]

    def launches(self, js: list[int], channels: list[str], plans: FundingPlans) -> Launches:
        """What the projects of the rows ``js`` take from their coalitions, without making them: ``plans``, one row
        per row of this description, are their funding plans."""
        members = self.members[js]
        valid = members >= 0
        governance = self.governance[js]
        policies = plans.policies
        if policies:
            taken = [
                [(name, eur) for name, eur in zip(policies, row, strict=True) if eur > 0]
                for row in plans.policy_taken_eur[js].tolist()
            ]
        else:
            taken = [[] for _ in js]
        return Launches(
            members=members[valid],  # row after row
            sizes=valid.sum(axis=1),
            governance=[GOVERNANCES[g] for g in governance.tolist()],
            form=[FORMS[f] for f in self.form[js].tolist()],
            phare_type=[PHARE_TYPES[p] for p in self.phare[js].tolist()],
            channel=channels,
            resource_coverage=self.coverage[js],
            imbalance=self.imbalance[js],
            democracy=_DEMOCRACY[governance],
            diversity=self.diversity[js],
            budget=plans.budget_eur[js],
            amount=plans.amount_eur[js],
            revenue=plans.expected_revenue_eur[js],
            policy_eur=taken,
        )


#: :data:`DEMOCRACY` by governance code.
_DEMOCRACY = np.array([DEMOCRACY[g] for g in GOVERNANCES], dtype=np.float64)


def _channels(model: TerritorialModel, rec: Recruitment, ideas: list[Idea], rows: NDArray[np.int64]) -> list[str]:
    """How the chosen rows' members came together (:func:`channels_of`)."""
    helped = rec.helped[rows] if rec.helped is not None else np.zeros(len(rows), dtype=bool)
    return channels_of(model, [ideas[k] for k in rows.tolist()], rec.members[rows], helped)


def _describe(model: TerritorialModel, rec: Recruitment, ideas: list[Idea], rows: NDArray[np.int64]) -> Descriptions:
    """What the chosen rows' coalitions are (governance, form, PHARE type, trust, diversity, imbalance), as they
    stand now: the coalitions (:meth:`Descriptions.coalitions`) are made only of those that need to be.

    Every quantity is computed for all rows at once from the members matrix.
    """
    actors, cfg = model.actors, model.config.alliances
    members = rec.members[rows]
    valid = members >= 0
    safe = np.where(valid, members, 0)
    k_n, m_n = members.shape
    kinds = np.where(valid, actors.kind[safe], -1)
    present = np.zeros((k_n, len(ActorKind) + 1), dtype=bool)
    present[np.repeat(np.arange(k_n), m_n), kinds.ravel()] = True  # column -1 collects the padding
    present = present[:, : len(ActorKind)]
    n_firms = (kinds == ActorKind.FIRM).sum(axis=1)
    domains = np.array([ideas[k].domain for k in rows.tolist()], dtype=np.int64)
    governance = governance_code(present)
    phare = phare_code(present, n_firms, domains, kinds[:, 0])
    trust_mean = mean_pair_trust(model.trust, members)
    # Imbalance: how far the largest financial contributor dominates (0 equal shares, 1 one
    # member holds all the money the coalition can put in), the lever of capture ("aléas moraux",
    # Territoires Conseils 2018, sequence 3).
    money = actors.budget_eur[safe] * valid
    size = valid.sum(axis=1)
    total = money.sum(axis=1)
    share_max = np.where(total > 0, money.max(axis=1) / np.where(total > 0, total, 1.0), 1.0 / size)
    imbalance = np.clip((share_max - 1 / size) / (1 - 1 / size), 0.0, 1.0)
    diversity = np.minimum(present.sum(axis=1) - 1, 3) / 3
    form = np.where(trust_mean >= cfg.alliance_trust, Form.ALLIANCE, Form.PARTNERSHIP)
    return Descriptions(
        members, rec.coverage[rows], trust_mean, diversity, imbalance, governance, form.astype(np.int64), phare
    )


@dataclass
class Coalitions:
    """The month's coalitions (process 4), waiting for their funding (process 5)."""

    ideas: list[Idea]
    recruitment: Recruitment | None  # None when there was no idea
    #: Rows of ``recruitment`` whose coalition is large enough and covers enough to launch, if funded.
    viable: NDArray[np.int64]

    @classmethod
    def none(cls) -> Coalitions:
        """No idea, no coalition."""
        return cls([], None, np.empty(0, dtype=np.int64))


def form_coalitions(model: TerritorialModel, ideas: list[Idea]) -> Coalitions:
    """Process 4 for a batch of ideas: every initiator recruits its partners (:func:`recruit`); the coalitions
    of at least two members covering ``min_launch_coverage`` of their needs are viable."""
    if not ideas:
        return Coalitions.none()
    cfg = model.config.alliances
    rec = recruit(model, ideas)
    viable = np.flatnonzero((rec.size >= 2) & (rec.coverage >= cfg.min_launch_coverage))
    model.counters.add("coalitions", len(viable))
    return Coalitions(ideas, rec, viable)


def fund_coalitions(model: TerritorialModel, batch: Coalitions) -> list[Project | None]:
    """Process 5: the funding rule plans every viable coalition's funding at once; those it funds are
    committed one by one in idea order, each with the money and project slots the earlier ones left, and
    launched.

    Returns:
        For each idea of the batch, the project launched, or None (no viable or fundable coalition this month).
    """
    ideas, rec, viable = batch.ideas, batch.recruitment, batch.viable
    result: list[Project | None] = [None] * len(ideas)
    if rec is None or len(viable) == 0:
        return result
    cfg = model.config.alliances
    # The policies that offer funding read the coalitions when they plan; else only the launched ones are made,
    # described as they stand before the commits take their members' money.
    described = _describe(model, rec, ideas, viable) if model.hooks.offers_funding else None
    coalitions = None
    if described is not None:
        coalitions = described.coalitions(list(range(len(viable))), _channels(model, rec, ideas, viable))
    plans = model.funding_rule.plan(model, rec.members[viable], [ideas[k] for k in viable], coalitions)
    funded = np.flatnonzero(plans.coverage >= cfg.min_launch_coverage)
    # Committed one by one in idea order, each with the money and project slots the earlier ones left.
    rows = viable[funded]
    if described is None:  # only the funded ones are described, as they stand before the commits
        described = _describe(model, rec, ideas, rows)
    commits = model.funding_rule.commit_in_order(
        model, rec.members[rows], [ideas[k] for k in rows], plans.subset(funded)
    )
    launched = np.flatnonzero(commits.launched).tolist()
    seed_months = stage_durations(model, np.full(len(launched), Stage.SEED, dtype=np.int64))
    launched_ideas = [ideas[rows[j]] for j in launched]
    if coalitions is None:  # launched from the arrays: no coalition is read after its launch
        channels = _channels(model, rec, ideas, rows[launched])
        launches = described.launches(launched, channels, commits.plans)
        projects = model.projects.launch(model, launched_ideas, launches, seed_months)
    else:
        made = [coalitions[funded[j]] for j in launched]
        for c, plan in zip(made, commits.plans.rows(launched), strict=True):
            c.funding = plan
        projects = model.projects.launch_all(model, launched_ideas, made, seed_months)
    for j, p in zip(launched, projects, strict=True):
        result[rows[j]] = p
    model.projects.set_hazards(model, [p.id for p in projects])
    return result


def form_alliances(model: TerritorialModel, ideas: list[Idea]) -> list[Project | None]:
    """Processes 4 and 5 for a batch of ideas (:func:`form_coalitions`, then :func:`fund_coalitions`).

    Returns:
        For each idea, the project launched, or None.
    """
    return fund_coalitions(model, form_coalitions(model, ideas))
