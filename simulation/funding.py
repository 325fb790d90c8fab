"""Process 5: pooling a project's budget under a funding rule (MODEL.md §3.5, seed 002).

A project's budget is pooled from four tiers — public money, private money,
service revenue and valorised volunteering — under a configurable rule:

* ``four_tiers``: 002's "règle des 4 tiers". The seed speaks of four thirds
  ("1/3 public, 1/3 private, 1/3 revenue, 1/3 volunteering", sic); the model
  reads it as four equal tiers, a quarter each (an assumption, ODD §7);
* ``public_led`` / ``private_led``: the same strict tiers with other shares;
* ``matching_funds``: public money matches private money raised, euro for
  ``match_ratio`` euro;
* ``free_mix``: whatever the members can bring, in any mix.

Within the public tier, money comes first from the collectivités in the
coalition, then from the territory's local fund (reinvested profits, 002),
then from the public schemes that policies offer. Service revenue is not
raised at launch: the coalition's credibility to earn it counts towards its
coverage, and the euros are earned later, as value (process 7). Financing the
engineering (facilitators) is kept apart from the projects (002): see
:meth:`simulation.model.TerritorialModel.pay_engineering`.

Every euro moved is written in the model's ledger with its source, so that
money is conserved and public money can be reported per lever, territory and
month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from simulation.config import FundingConfig
from simulation.enums import ActorKind, FundingSource

if TYPE_CHECKING:
    from simulation.alliances import Coalition
    from simulation.ideas import Idea
    from simulation.model import TerritorialModel

MARKET_KINDS = (ActorKind.FIRM, ActorKind.COLLECTIVITE)  # can sell / procure services


@dataclass
class FundingPlan:
    """How much each source gives a project, in euros (volunteering valorised)."""

    budget_eur: float = 0.0
    amount_eur: np.ndarray = field(default_factory=lambda: np.zeros(len(FundingSource)))
    expected_revenue_eur: float = 0.0
    #: Public money offered by policies: (policy name, euros).
    policy_eur: list[tuple[str, float]] = field(default_factory=list)

    @property
    def raised_eur(self) -> float:
        """Money and valorised time raised at launch (revenue excluded)."""
        return float(self.amount_eur.sum())

    @property
    def coverage(self) -> float:
        """Share of the budget secured: raised plus credible expected revenue."""
        if self.budget_eur <= 0:
            return 0.0
        return min(1.0, (self.raised_eur + self.expected_revenue_eur) / self.budget_eur)


@dataclass
class Available:
    """What a coalition could mobilise for its project, tier by tier, in euros."""

    public_members: float
    local_fund: float
    policy: float
    private: float
    volunteering: float
    revenue: float

    @property
    def public(self) -> float:
        return self.public_members + self.local_fund + self.policy


class FundingRule:
    """Base class: subclasses say how much each tier gives, given the budget and what is available."""

    name: ClassVar[str]

    def __init__(self, cfg: FundingConfig) -> None:
        self.cfg = cfg

    def tiers(self, budget: float, avail: Available) -> tuple[float, float, float, float]:
        """Euros from (public, private, volunteering, revenue) under this rule."""
        raise NotImplementedError

    def plan(self, model: TerritorialModel, coalition: Coalition, idea: Idea) -> FundingPlan:
        """What the coalition would raise, without moving any money yet."""
        cfg = self.cfg
        actors = model.actors
        rng = model.streams["funding"]
        median = cfg.budget_eur.as_list()[idea.domain]
        budget = float(median * rng.lognormal(-(cfg.budget_sigma**2) / 2, cfg.budget_sigma))
        m = coalition.members
        public_member = actors.sector[m] == 0
        offers = model.hooks.public_offers(model, coalition, idea, budget)
        n_market = int(np.isin(actors.kind[m], MARKET_KINDS).sum())
        credibility = min(1.0, cfg.revenue_credibility_per_market_member * n_market)
        avail = Available(
            public_members=float(actors.budget_eur[m][public_member].sum()),
            local_fund=float(model.territories.local_fund_eur[idea.territory]),
            policy=float(sum(a for _, a in offers)),
            private=float(actors.budget_eur[m][~public_member].sum()),
            volunteering=float(actors.volunteer_hours[m].sum() * model.config.actors.volunteer_hour_value_eur),
            revenue=credibility * budget,
        )
        public, private, volunteering, revenue = self.tiers(budget, avail)
        plan = FundingPlan(budget_eur=budget, expected_revenue_eur=revenue)
        from_members = min(public, avail.public_members)
        from_fund = min(public - from_members, avail.local_fund)
        from_policy = public - from_members - from_fund
        plan.amount_eur[FundingSource.PUBLIC_LOCAL] = from_members
        plan.amount_eur[FundingSource.LOCAL_FUND] = from_fund
        plan.amount_eur[FundingSource.PUBLIC_POLICY] = from_policy
        plan.amount_eur[FundingSource.PRIVATE] = private
        plan.amount_eur[FundingSource.VOLUNTEERING] = volunteering
        left = from_policy
        for name, offer in offers:
            take = min(offer, left)
            if take > 0:
                plan.policy_eur.append((name, take))
            left -= take
        return plan

    def commit(self, model: TerritorialModel, coalition: Coalition) -> None:
        """Move the planned money: debit every source, member by member, and book it."""
        actors = model.actors
        plan = coalition.funding
        m = coalition.members
        public_member = actors.sector[m] == 0
        _debit(actors.budget_eur, m[public_member], plan.amount_eur[FundingSource.PUBLIC_LOCAL])
        _debit(actors.budget_eur, m[~public_member], plan.amount_eur[FundingSource.PRIVATE])
        hours = plan.amount_eur[FundingSource.VOLUNTEERING] / max(model.config.actors.volunteer_hour_value_eur, 1e-12)
        _debit(actors.volunteer_hours, m, hours)
        model.territories.local_fund_eur[_territory(model, coalition)] -= plan.amount_eur[FundingSource.LOCAL_FUND]
        for name, amount in plan.policy_eur:
            model.hooks.pay(name, amount)


def _territory(model: TerritorialModel, coalition: Coalition) -> int:
    return int(model.actors.territory[coalition.members[0]])


def _debit(pool: np.ndarray, who: np.ndarray, amount: float) -> None:
    """Take ``amount`` from ``pool[who]`` in proportion to what each has (never below zero)."""
    if amount <= 0 or len(who) == 0:
        return
    have = pool[who]
    total = have.sum()
    if total <= 0:
        return
    take = have * min(1.0, amount / total)
    pool[who] = have - take


class ShareRule(FundingRule):
    """Strict tiers: each tier gives at most its share of the budget, no substitution."""

    name = "four_tiers"

    def tiers(self, budget: float, avail: Available) -> tuple[float, float, float, float]:
        c = self.cfg
        return (
            min(c.public_share * budget, avail.public),
            min(c.private_share * budget, avail.private),
            min(c.volunteering_share * budget, avail.volunteering),
            min(c.revenue_share * budget, avail.revenue),
        )


class PublicLed(ShareRule):
    """Public money carries the project (shares set in ``configs/funding/public_led.yaml``)."""

    name = "public_led"


class PrivateLed(ShareRule):
    """Private money carries the project (shares set in ``configs/funding/private_led.yaml``)."""

    name = "private_led"


class MatchingFunds(FundingRule):
    """Public money matches the private money raised, ``match_ratio`` euro per euro."""

    name = "matching_funds"

    def tiers(self, budget: float, avail: Available) -> tuple[float, float, float, float]:
        c = self.cfg
        private = min(avail.private, budget / (1.0 + c.match_ratio))
        public = min(avail.public, c.match_ratio * private)
        volunteering = min(c.volunteering_share * budget, avail.volunteering)
        revenue = min(c.revenue_share * budget, avail.revenue)
        return public, private, volunteering, revenue


class FreeMix(FundingRule):
    """Members bring what they can, in any mix, until the budget is met."""

    name = "free_mix"

    def tiers(self, budget: float, avail: Available) -> tuple[float, float, float, float]:
        left = budget
        volunteering = min(avail.volunteering, left)
        left -= volunteering
        private = min(avail.private, left)
        left -= private
        revenue = min(avail.revenue, left)
        left -= revenue
        public = min(avail.public, left)
        return public, private, volunteering, revenue


RULES: dict[str, type[FundingRule]] = {r.name: r for r in (ShareRule, PublicLed, PrivateLed, MatchingFunds, FreeMix)}


def make_rule(cfg: FundingConfig) -> FundingRule:
    """The funding rule named in config (validated against :data:`RULES`)."""
    return RULES[cfg.rule](cfg)
