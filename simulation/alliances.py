"""Process 4: coalition formation and governance (MODEL.md §3.4, seed 002).

An initiator recruits partners among the actors it trusts whose stakes align
with the idea ("ce que j'apporte, ce que j'en retire", 002) and whose
resources complement the coalition's. A facilitator in the territory lowers
the trust needed (002: aligning interests, "mettre en relation").

The coalition's composition then fixes:

* its governance (002): classic (one sector leads), hybrid classic/ESS (a firm
  with an association), multi-stakeholder (three kinds or more, e.g. a SCIC);
* partnership (defined frame, low risk) or alliance (shared risk, needs
  more trust, creates more novel value), by the members' mutual trust (002);
* its PHARE partnership type (patronage, responsible practices, economic
  cooperation, social innovation, 002).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import ActorKind, Domain, Form, FundingSource, Governance, PhareType
from simulation.funding import FundingPlan

if TYPE_CHECKING:
    from simulation.agents import Facilitator
    from simulation.ideas import Idea
    from simulation.model import TerritorialModel

DEMOCRACY = {Governance.CLASSIC: 0.0, Governance.HYBRID: 0.5, Governance.MULTI_STAKEHOLDER: 1.0}
ECONOMIC_DOMAINS = {Domain.EMPLOYMENT_INSERTION, Domain.ENERGY_ENVIRONMENT, Domain.FOOD_SHORT_CHAINS, Domain.MOBILITY}


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
    facilitator: Facilitator | None
    funding: FundingPlan = field(default_factory=FundingPlan)

    @property
    def democracy(self) -> float:
        """0 for classic governance, 1 for multi-stakeholder (moral hazard protection, 002)."""
        return DEMOCRACY[self.governance]


def resource_coverage(brings: NDArray[np.float64]) -> float:
    """Share of a project's needs the members cover: mean over resources of min(1, Σ brings)."""
    return float(np.minimum(brings.sum(axis=0), 1.0).mean())


def governance_of(kinds: set[ActorKind]) -> Governance:
    """002's three governance forms, from the kinds in the coalition."""
    if len(kinds) >= 3:
        return Governance.MULTI_STAKEHOLDER
    if ActorKind.FIRM in kinds and kinds & {ActorKind.ASSOCIATION, ActorKind.CITIZEN_GROUP}:
        return Governance.HYBRID
    return Governance.CLASSIC


def phare_type_of(kinds: list[ActorKind], domain: Domain, initiator_kind: ActorKind) -> PhareType:
    """PHARE's partnership type (002), read off who initiates and in which domain.

    Assumption (the seeds give the four types, not a rule): firm-led with an
    association → patronage; firms or a collectivité on an economic domain →
    economic cooperation; civil-society-led with three kinds or more → social
    innovation; otherwise responsible practices.
    """
    ks = set(kinds)
    civil = {ActorKind.ASSOCIATION, ActorKind.CITIZEN_GROUP}
    if initiator_kind == ActorKind.FIRM and ks & civil and domain not in ECONOMIC_DOMAINS:
        return PhareType.PATRONAGE
    if domain in ECONOMIC_DOMAINS and (
        kinds.count(ActorKind.FIRM) >= 2 or {ActorKind.FIRM, ActorKind.COLLECTIVITE} <= ks
    ):
        return PhareType.ECONOMIC_COOPERATION
    if initiator_kind in civil and len(ks) >= 3:
        return PhareType.SOCIAL_INNOVATION
    return PhareType.RESPONSIBLE_PRACTICES


def mean_pair_trust(model: TerritorialModel, members: NDArray[np.int64]) -> float:
    """Mean trust over every pair of members (0 for a missing tie)."""
    i, j = np.triu_indices(len(members), k=1)
    if len(i) == 0:
        return 0.0
    return float(model.trust.get(members[i], members[j]).mean())


def available_facilitator(model: TerritorialModel, territory: int) -> Facilitator | None:
    """The first facilitator of the territory with room for one more project."""
    for f in model.facilitators_by_territory[territory]:
        if f.has_room:
            return f
    return None


def build_coalition(model: TerritorialModel, idea: Idea) -> Coalition | None:
    """Recruit partners for ``idea`` and fund it; None if no viable coalition forms.

    Greedy recruitment: at each round the initiator invites the trusted,
    available candidate with the best product of trust × interest in the
    domain × gain in resource coverage, until the coalition covers its needs
    or reaches ``max_partners``.
    """
    cfg = model.config.alliances
    actors = model.actors
    i = idea.initiator
    if not actors.has_capacity(i):
        return None
    facilitator = available_facilitator(model, idea.territory)
    threshold = cfg.min_partner_trust - (cfg.facilitator_trust_bonus if facilitator is not None else 0.0)
    threshold -= model.hooks.partner_trust_bonus(model, idea)
    cand, w = model.trust.neighbours(i)
    ok = (w >= threshold) & (actors.busy[cand] < actors.max_projects[cand])
    cand, w = cand[ok], w[ok]
    members = [i]
    supply = actors.brings[i].copy()
    coverage = float(np.minimum(supply, 1.0).mean())
    interest = actors.interest[cand, idea.domain]
    while len(cand) and len(members) <= cfg.max_partners and coverage < 1.0:
        gains = np.minimum(supply[None, :] + actors.brings[cand], 1.0).mean(axis=1) - coverage
        score = w * interest * gains
        best = int(np.argmax(score))
        if score[best] <= 0:
            break
        members.append(int(cand[best]))
        supply += actors.brings[cand[best]]
        coverage += float(gains[best])
        keep = np.arange(len(cand)) != best
        cand, w, interest = cand[keep], w[keep], interest[keep]
    if len(members) < 2 or coverage < cfg.min_launch_coverage:
        return None

    m = np.array(members, dtype=np.int64)
    kinds = [ActorKind(int(k)) for k in actors.kind[m]]
    contrib = actors.brings[m].sum(axis=1)
    share = contrib / contrib.sum()
    n = len(m)
    imbalance = float((share.max() - 1 / n) / (1 - 1 / n))
    trust_mean = mean_pair_trust(model, m)
    coalition = Coalition(
        members=m,
        resource_coverage=coverage,
        mean_trust=trust_mean,
        diversity=min(len(set(kinds)) - 1, 3) / 3,
        imbalance=imbalance,
        governance=governance_of(set(kinds)),
        form=Form.ALLIANCE if trust_mean >= cfg.alliance_trust else Form.PARTNERSHIP,
        phare_type=phare_type_of(kinds, idea.domain, kinds[0]),
        facilitator=facilitator,
    )
    model.counters.add("coalitions", 1)
    coalition.funding = model.funding_rule.plan(model, coalition, idea)
    if coalition.funding.coverage < cfg.min_launch_coverage:
        return None
    model.funding_rule.commit(model, coalition)
    return coalition


__all__ = ["Coalition", "FundingSource", "build_coalition", "governance_of", "phare_type_of", "resource_coverage"]
