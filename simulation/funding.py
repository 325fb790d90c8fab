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
_MARKET = np.isin(np.arange(len(ActorKind)), MARKET_KINDS)  # by kind code


@dataclass
class FundingPlan:
    """How much each source gives one project, in euros (volunteering valorised)."""

    budget_eur: float = 0.0
    amount_eur: np.ndarray = field(default_factory=lambda: np.zeros(len(FundingSource)))
    expected_revenue_eur: float = 0.0
    #: Public money offered by policies and taken: (policy name, euros).
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
class FundingPlans:
    """Plans for K coalitions at once (arrays, one row per coalition)."""

    budget_eur: np.ndarray  # (K,)
    amount_eur: np.ndarray  # (K, sources)
    expected_revenue_eur: np.ndarray  # (K,)
    policy_eur: list[list[tuple[str, float]]]

    @property
    def coverage(self) -> np.ndarray:
        raised = self.amount_eur.sum(axis=1) + self.expected_revenue_eur
        return np.minimum(1.0, raised / np.maximum(self.budget_eur, 1e-12))

    def row(self, k: int) -> FundingPlan:
        return FundingPlan(
            float(self.budget_eur[k]),
            self.amount_eur[k].copy(),
            float(self.expected_revenue_eur[k]),
            self.policy_eur[k],
        )


@dataclass
class Available:
    """What each coalition could mobilise, tier by tier, in euros (arrays of K)."""

    public_members: np.ndarray
    local_fund: np.ndarray
    policy: np.ndarray
    private: np.ndarray
    volunteering: np.ndarray
    revenue: np.ndarray

    @property
    def public(self) -> np.ndarray:
        return self.public_members + self.local_fund + self.policy


Tiers = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class FundingRule:
    """Base class: subclasses say how much each tier gives, given budgets and what is available."""

    name: ClassVar[str]

    def __init__(self, cfg: FundingConfig) -> None:
        self.cfg = cfg
        self.new_batch()

    def tiers(self, budget: np.ndarray, avail: Available) -> Tiers:
        """Euros from (public, private, volunteering, revenue) under this rule, element-wise."""
        raise NotImplementedError

    # ------------------------------------------------------------------ planning (no money moves)

    def plan(
        self,
        model: TerritorialModel,
        members: np.ndarray,
        ideas: list[Idea],
        coalitions: list[Coalition] | None = None,
        budgets: np.ndarray | None = None,
    ) -> FundingPlans:
        """What each coalition would raise, without moving any money.

        Args:
            model: the model (actors' budgets, local funds, policies).
            members: (K, M) member indices, padded with -1.
            ideas: the K ideas.
            coalitions: the K coalitions, needed only when policies offer money.
            budgets: the K project budgets; drawn (lognormal around the domain's median) if None.
        """
        cfg = self.cfg
        actors = model.actors
        k_n = len(ideas)
        terr = np.fromiter((i.territory for i in ideas), dtype=np.int64, count=k_n)
        dom = np.fromiter((i.domain for i in ideas), dtype=np.int64, count=k_n)
        if budgets is None:
            median = np.array(cfg.budget_eur.as_list())[dom]
            budgets = median * model.streams["funding"].lognormal(-(cfg.budget_sigma**2) / 2, cfg.budget_sigma, k_n)
        valid = members >= 0
        safe = np.where(valid, members, 0)
        public_member = valid & (actors.sector[safe] == 0)
        money = actors.budget_eur[safe]
        offers: list[list[tuple[str, float]]] = [[] for _ in range(k_n)]
        if coalitions is not None:
            offers = [
                model.hooks.public_offers(model, c, i, float(b))
                for c, i, b in zip(coalitions, ideas, budgets, strict=True)
            ]
        n_market = (valid & _MARKET[actors.kind[safe]]).sum(axis=1)
        credibility = np.minimum(1.0, cfg.revenue_credibility_per_market_member * n_market)
        avail = Available(
            public_members=(money * public_member).sum(axis=1),
            local_fund=model.territories.local_fund_eur[terr].copy(),
            policy=np.array([sum(a for _, a in o) for o in offers], dtype=np.float64),
            private=(money * (valid & ~public_member)).sum(axis=1),
            volunteering=(actors.volunteer_hours[safe] * valid).sum(axis=1)
            * model.config.actors.volunteer_hour_value_eur,
            revenue=credibility * budgets,
        )
        public, private, volunteering, revenue = self.tiers(budgets, avail)
        amount = np.zeros((k_n, len(FundingSource)))
        amount[:, FundingSource.PUBLIC_LOCAL] = np.minimum(public, avail.public_members)
        amount[:, FundingSource.LOCAL_FUND] = np.minimum(public - amount[:, 0], avail.local_fund)
        # What the members and the fund leave of the public tier comes from policies (never below 0).
        amount[:, FundingSource.PUBLIC_POLICY] = np.maximum(0.0, public - amount[:, 0] - amount[:, 1])
        amount[:, FundingSource.PRIVATE] = private
        amount[:, FundingSource.VOLUNTEERING] = volunteering
        taken: list[list[tuple[str, float]]] = []
        for k, o in enumerate(offers):
            left, took = float(amount[k, FundingSource.PUBLIC_POLICY]), []
            for name, offer in o:
                take = min(offer, left)
                if take > 0:
                    took.append((name, take))
                left -= take
            taken.append(took)
        return FundingPlans(budgets, amount, revenue, taken)

    # ------------------------------------------------------------------ committing (money moves)

    def new_batch(self) -> None:
        """Forget what earlier commits touched: a new month's plans start from fresh balances."""
        self._touched_actors = np.zeros(0, dtype=bool)  # by actor, sized at the first commit
        self._policy_paid = False

    def is_stale(self, model: TerritorialModel, coalition: Coalition, territory: int) -> bool:
        """Whether planning again now would give another plan: money it counted on was taken since.

        A member's budget or a policy's money taken by an earlier commit makes it
        stale. The local fund does only if what is left of it is less than the plan
        takes: otherwise the public tier comes out the same (every rule caps it by
        a bound that does not depend on the fund, and the fund is drawn after the
        members' public money), and so does every other tier.
        """
        a = coalition.funding.amount_eur
        return (
            (len(self._touched_actors) > 0 and bool(self._touched_actors[coalition.members].any()))
            or a[FundingSource.LOCAL_FUND] > model.territories.local_fund_eur[territory]
            or (self._policy_paid and bool(coalition.funding.policy_eur))
        )

    def commit(self, model: TerritorialModel, coalition: Coalition, territory: int) -> None:
        """Move the planned money: debit every source, member by member."""
        actors = model.actors
        plan = coalition.funding
        m = coalition.members
        public_member = actors.sector[m] == 0
        _debit(actors.budget_eur, m[public_member], plan.amount_eur[FundingSource.PUBLIC_LOCAL])
        _debit(actors.budget_eur, m[~public_member], plan.amount_eur[FundingSource.PRIVATE])
        hours = plan.amount_eur[FundingSource.VOLUNTEERING] / max(model.config.actors.volunteer_hour_value_eur, 1e-12)
        _debit(actors.volunteer_hours, m, hours)
        model.territories.local_fund_eur[territory] -= plan.amount_eur[FundingSource.LOCAL_FUND]
        for name, amount in plan.policy_eur:
            model.hooks.pay(name, amount)
        if len(self._touched_actors) != actors.n:
            self._touched_actors = np.zeros(actors.n, dtype=bool)
        self._touched_actors[m] = True
        self._policy_paid = self._policy_paid or bool(plan.policy_eur)


def _debit(pool: np.ndarray, who: np.ndarray, amount: float) -> None:
    """Take ``amount`` from ``pool[who]`` in proportion to what each has (never below zero)."""
    if amount <= 0 or len(who) == 0:
        return
    have = pool[who]
    total = have.sum()
    if total <= 0:
        return
    pool[who] = have - have * min(1.0, amount / total)


class ShareRule(FundingRule):
    """Strict tiers: each tier gives at most its share of the budget, no substitution."""

    name = "four_tiers"

    def tiers(self, budget: np.ndarray, avail: Available) -> Tiers:
        c = self.cfg
        return (
            np.minimum(c.public_share * budget, avail.public),
            np.minimum(c.private_share * budget, avail.private),
            np.minimum(c.volunteering_share * budget, avail.volunteering),
            np.minimum(c.revenue_share * budget, avail.revenue),
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

    def tiers(self, budget: np.ndarray, avail: Available) -> Tiers:
        c = self.cfg
        private = np.minimum(avail.private, budget / (1.0 + c.match_ratio))
        public = np.minimum(avail.public, c.match_ratio * private)
        volunteering = np.minimum(c.volunteering_share * budget, avail.volunteering)
        revenue = np.minimum(c.revenue_share * budget, avail.revenue)
        return public, private, volunteering, revenue


class FreeMix(FundingRule):
    """Members bring what they can, in any mix, until the budget is met."""

    name = "free_mix"

    def tiers(self, budget: np.ndarray, avail: Available) -> Tiers:
        volunteering = np.minimum(avail.volunteering, budget)
        private = np.minimum(avail.private, budget - volunteering)
        revenue = np.minimum(avail.revenue, budget - volunteering - private)
        public = np.minimum(avail.public, budget - volunteering - private - revenue)
        return public, private, volunteering, revenue


RULES: dict[str, type[FundingRule]] = {r.name: r for r in (ShareRule, PublicLed, PrivateLed, MatchingFunds, FreeMix)}


def make_rule(cfg: FundingConfig) -> FundingRule:
    """The funding rule named in config (validated against :data:`RULES`)."""
    return RULES[cfg.rule](cfg)
