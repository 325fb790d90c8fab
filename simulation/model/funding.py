"""Process 5: pooling a project's budget under a funding rule (docs/ODD.md §7.5; Territoires Conseils 2018).

A project's budget is pooled from four tiers — public money, private money,
service revenue and valorised volunteering — under a configurable rule:

* ``four_tiers``: the "règle des 4 tiers" of Territoires Conseils 2018. The source speaks of four thirds
  ("1/3 public, 1/3 private, 1/3 revenue, 1/3 volunteering", sic); the model
  reads it as four equal tiers, a quarter each (an assumption, ODD §7);
* ``public_led`` / ``private_led``: the same strict tiers with other shares;
* ``matching_funds``: public money matches private money raised, euro for
  ``match_ratio`` euro;
* ``free_mix``: whatever the members can bring, in any mix.

Within the public tier, money comes first from the collectivités in the
coalition, then from the territory's local fund (reinvested profits, Territoires Conseils 2018),
then from the public schemes that policies offer. Service revenue is not
raised at launch: the coalition's credibility to earn it counts towards its
coverage, and the euros are earned later, as value (process 7). Financing the
engineering (facilitators) is kept apart from the projects (Territoires Conseils 2018): see
:meth:`simulation.model.model.TerritorialModel.pay_engineering`.

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
from simulation.kernels import funding as fk
from simulation.model.ideas import column

if TYPE_CHECKING:
    from simulation.model.agents import ActorTable
    from simulation.model.alliances import Coalition
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel

MARKET_KINDS = (ActorKind.FIRM, ActorKind.COLLECTIVITE)  # can sell / procure services
_MARKET = np.isin(np.arange(len(ActorKind)), MARKET_KINDS)  # by kind code


def coverage(raised_eur: np.ndarray, expected_revenue_eur: np.ndarray, budget_eur: np.ndarray) -> np.ndarray:
    """Each plan's share of its budget secured: what it raised plus its credible expected revenue, at most 1, and
    0 for a budget of 0 (:attr:`FundingPlan.coverage`, one plan's, to the bit)."""
    share = np.divide(
        raised_eur + expected_revenue_eur, budget_eur, out=np.zeros(len(budget_eur)), where=budget_eur > 0
    )
    return np.minimum(1.0, share)


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
        """Share of the budget secured: raised plus credible expected revenue (:func:`coverage`, for one plan)."""
        if self.budget_eur <= 0:
            return 0.0
        return min(1.0, (self.raised_eur + self.expected_revenue_eur) / self.budget_eur)


@dataclass
class FundingPlans:
    """Plans for K coalitions at once (arrays, one row per coalition)."""

    budget_eur: np.ndarray  # (K,)
    amount_eur: np.ndarray  # (K, sources)
    expected_revenue_eur: np.ndarray  # (K,)
    #: (K, policies): the public euros each plan takes from each policy (``policies`` names the columns).
    policy_taken_eur: np.ndarray
    #: (K, policies): what each policy offered each coalition when planned.
    offers_eur: np.ndarray
    policies: tuple[str, ...] = ()

    def subset(self, rows: np.ndarray) -> FundingPlans:
        """The plans of the given rows."""
        return FundingPlans(
            self.budget_eur[rows],
            self.amount_eur[rows],
            self.expected_revenue_eur[rows],
            self.policy_taken_eur[rows],
            self.offers_eur[rows],
            self.policies,
        )

    @property
    def coverage(self) -> np.ndarray:
        return coverage(self.amount_eur.sum(axis=1), self.expected_revenue_eur, self.budget_eur)

    def rows(self, ks: list[int]) -> list[FundingPlan]:
        """The plan of each row of ``ks`` (the policies' euros: those it takes, by name)."""
        budget = self.budget_eur[ks].tolist()
        revenue = self.expected_revenue_eur[ks].tolist()
        amount = self.amount_eur[ks]  # (a new array: the plans' rows are theirs)
        if self.policies:
            taken = [
                [(name, eur) for name, eur in zip(self.policies, row, strict=True) if eur > 0]
                for row in self.policy_taken_eur[ks].tolist()
            ]
        else:
            taken = [[] for _ in ks]
        return [FundingPlan(*plan) for plan in zip(budget, amount, revenue, taken, strict=True)]


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


@dataclass
class Commits:
    """The month's funded coalitions committed in order (:meth:`FundingRule.commit_in_order`)."""

    launched: np.ndarray  # (K,) bool: money moved, slots booked
    plans: FundingPlans  # the plan each one was committed with (its batch plan, or made again)


class FundingRule:
    """Base class: subclasses name a tier formula of :mod:`simulation.kernels.funding` (``code``)."""

    name: ClassVar[str]
    code: ClassVar[int] = fk.SHARES

    def __init__(self, cfg: FundingConfig) -> None:
        self.cfg = cfg
        self.params = np.array(
            [cfg.public_share, cfg.private_share, cfg.volunteering_share, cfg.revenue_share, cfg.match_ratio]
        )
        #: The actors last read, whether each is public, whether each can sell or procure services.
        self._fixed: tuple[ActorTable, np.ndarray, np.ndarray] | None = None

    def tiers(self, budget: np.ndarray, avail: Available) -> Tiers:
        """Euros from (public, private, volunteering, revenue) under this rule, element-wise."""
        rows = [
            fk.tiers(self.code, self.params, *values)
            for values in zip(budget, avail.public, avail.private, avail.volunteering, avail.revenue, strict=True)
        ]
        out = np.array(rows, dtype=np.float64).reshape(len(rows), 4)
        return out[:, 0], out[:, 1], out[:, 2], out[:, 3]

    def _balances(self, model: TerritorialModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What the kernels read of every actor: budget and hours (commits debit them), public or not, market."""
        a = model.actors
        if self._fixed is None or self._fixed[0] is not a:  # an actor's kind and sector are set once, at build
            self._fixed = (a, a.sector == 0, _MARKET[a.kind])
        return a.budget_eur, a.volunteer_hours, self._fixed[1], self._fixed[2]

    def _kernel_params(self, model: TerritorialModel) -> tuple[int, np.ndarray, float, float]:
        c = model.config
        return self.code, self.params, c.actors.volunteer_hour_value_eur, self.cfg.revenue_credibility_per_market_member

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
            budgets: the K project budgets; drawn if None (log-normal with the domain's ``budget_eur`` as mean).
        """
        cfg = self.cfg
        k_n = len(ideas)
        terr = column(ideas, "territory")
        if budgets is None:
            dom = column(ideas, "domain")
            mean = np.array(cfg.budget_eur.as_list())[dom]
            budgets = mean * model.streams["funding"].lognormal(-(cfg.budget_sigma**2) / 2, cfg.budget_sigma, k_n)
        offers = self._offers(model, ideas, coalitions, budgets)
        money, hours, public, market = self._balances(model)
        code, params, hour_value, credibility = self._kernel_params(model)
        local_fund = model.territories.local_fund_eur[terr]
        amount, revenue, taken = fk.plan_all(
            members, money, hours, public, market, budgets, local_fund, offers, code, params, hour_value, credibility
        )
        return FundingPlans(budgets, amount, revenue, taken, offers, _policy_names(model))

    @staticmethod
    def _offers(
        model: TerritorialModel, ideas: list[Idea], coalitions: list[Coalition] | None, budgets: np.ndarray
    ) -> np.ndarray:
        """(K, policies): the public euros each policy offers each coalition (0 where none)."""
        hooks = model.hooks
        offers = np.zeros((len(ideas), len(hooks.policies)))
        if coalitions is not None:
            column = {p.name: j for j, p in enumerate(hooks.policies)}
            for k, (c, idea, b) in enumerate(zip(coalitions, ideas, budgets, strict=True)):
                for name, eur in hooks.public_offers(model, c, idea, float(b)):
                    offers[k, column[name]] = eur
        return offers

    # ------------------------------------------------------------------ committing (money moves)

    def commit_in_order(
        self,
        model: TerritorialModel,
        members: np.ndarray,
        ideas: list[Idea],
        plans: FundingPlans,
    ) -> Commits:
        """Commit the month's funded coalitions one after the other, in the given order.

        Each one's money is debited (members in proportion to what they have,
        the local fund, policies) and its members' project slots booked, unless
        an earlier commit took a member's last slot (then nothing happens: the
        idea waits). A plan is made again with what is left when an earlier
        commit took money it counted on — a member's, policy money, or local
        fund money it needs —, and then the coalition goes ahead only if the new
        plan still reaches ``alliances.min_launch_coverage``.

        Args:
            members: (K, M) member indices, padded with -1, in commit order.
            plans: their plans, made together from the month's starting balances (:meth:`plan`).
        """
        actors, hooks = model.actors, model.hooks
        terr = column(ideas, "territory")
        spent = np.array([p.spent_this_year_eur for p in hooks.policies], dtype=np.float64)
        money, hours, public, market = self._balances(model)
        code, params, hour_value, credibility = self._kernel_params(model)
        launched, amount, revenue, taken = fk.commit_in_order(
            members, money, hours, public, market,
            actors.busy.copy(),  # booked here for the checks; the launches book the real slots
            actors.max_projects, plans.budget_eur, terr, model.territories.local_fund_eur,
            plans.amount_eur, plans.expected_revenue_eur, plans.policy_taken_eur, plans.offers_eur,
            spent + np.array([p.committable_eur for p in hooks.policies], dtype=np.float64), spent,
            code, params, hour_value, credibility, model.config.alliances.min_launch_coverage,
        )  # fmt: skip
        for j, policy in enumerate(hooks.policies):
            for k in np.flatnonzero(launched & (taken[:, j] > 0)):
                policy.pay(float(taken[k, j]))
        return Commits(
            launched, FundingPlans(plans.budget_eur, amount, revenue, taken, plans.offers_eur, plans.policies)
        )


def _policy_names(model: TerritorialModel) -> tuple[str, ...]:
    return tuple(p.name for p in model.hooks.policies)


class ShareRule(FundingRule):
    """Strict tiers: each tier gives at most its share of the budget, no substitution."""

    name = "four_tiers"
    code = fk.SHARES


class PublicLed(ShareRule):
    """Public money carries the project (shares set in ``configs/funding/public_led.yaml``)."""

    name = "public_led"


class PrivateLed(ShareRule):
    """Private money carries the project (shares set in ``configs/funding/private_led.yaml``)."""

    name = "private_led"


class MatchingFunds(FundingRule):
    """Public money matches the private money raised, ``match_ratio`` euro per euro."""

    name = "matching_funds"
    code = fk.MATCHING


class FreeMix(FundingRule):
    """Members bring what they can, in any mix, until the budget is met."""

    name = "free_mix"
    code = fk.FREE_MIX


RULES: dict[str, type[FundingRule]] = {r.name: r for r in (ShareRule, PublicLed, PrivateLed, MatchingFunds, FreeMix)}


def make_rule(cfg: FundingConfig) -> FundingRule:
    """The funding rule named in config (validated against :data:`RULES`)."""
    return RULES[cfg.rule](cfg)
