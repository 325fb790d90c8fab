"""Policy levers (docs/ODD.md §7.9): one class per lever, chosen by name from config.

The baseline is the empty list of levers. Each lever is a plug-in object with
typed parameters, a yearly public budget that it never exceeds, and its own
random stream (seeded from the run seed and its name). The core model never
branches on a lever's name: it calls the hooks of :class:`Hooks`, which are
neutral when no lever is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from simulation.config.levers import LEVERS
from simulation.streams import stream

if TYPE_CHECKING:
    from simulation.config import PoliciesConfig, PolicyConfig
    from simulation.model.alliances import Coalition
    from simulation.model.ideas import Idea
    from simulation.model.model import TerritorialModel

Pairs = tuple[NDArray[np.int64], NDArray[np.int64]]
EMPTY_PAIRS: Pairs = (np.empty(0, np.int64), np.empty(0, np.int64))

#: name -> policy class; filled by the lever modules of this package.
REGISTRY: dict[str, type[Policy]] = {}


class Policy:
    """Base class of a lever: every hook is neutral; a lever overrides the ones it acts through.

    Args:
        cfg: the lever's config (name, yearly budget, parameters).
        model: the model it acts on.
        seed: the run seed; the lever's stream is derived from it and the lever's name.
    """

    name: ClassVar[str]
    #: Allowed parameters: name -> (default, low, high), from the lever's declaration (``config.levers``).
    PARAMS: ClassVar[dict[str, tuple[float, float, float]]] = {}

    def __init__(self, cfg: PolicyConfig, model: TerritorialModel, seed: int) -> None:
        #: The real region's yearly budget (what the configuration says): effects set per 100 k€ read it.
        self.real_budget_eur_per_year = float(cfg.budget_eur_per_year)
        #: What the sample spends: the real budget times the sample fraction (each actor stands for 1 / fraction
        #: organisations, each simulated project for 1 / fraction projects). Reported spending is scaled back.
        self.budget_eur_per_year = self.real_budget_eur_per_year * model.territories.sample_fraction
        self.params = {k: float(cfg.params.get(k, d)) for k, (d, _, _) in self.PARAMS.items()}
        self.rng = stream(seed, f"policy:{self.name}")
        self.spent_this_year_eur = 0.0
        self.spent_total_eur = 0.0
        #: The money accrued and not spent yet: a twelfth of the (sample's) yearly budget a month (:meth:`accrue`),
        #: kept from year to year, so that whole units that cost more than a month's money (an event, a grant, a
        #: trainee) are bought when it has accrued; never spent beyond what it holds (:meth:`affords`).
        self.purse_eur = 0.0
        #: What the purse has received since the start: what the lever may have spent, at most.
        self.accrued_eur = 0.0
        #: The draws that round a month's money to whole units (:meth:`accrue`), apart from the lever's own.
        self._rounding = stream(seed, f"policy:{self.name}:purse")
        #: Units promised this month (grant offers), not paid yet.
        self._promised_eur = 0.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            lever = LEVERS[cls.name]  # a lever's behaviour is registered under its declared name
            cls.PARAMS = {k: (p.default, p.low, p.high) for k, p in lever.params.items()}
            REGISTRY[cls.name] = cls

    # ------------------------------------------------------------------ money

    @property
    def remaining_eur(self) -> float:
        """What the purse holds (accrued, not spent, not promised)."""
        return max(0.0, self.purse_eur - self._promised_eur)

    def accrue(self) -> None:
        """A month's money joins the purse; last month's unpaid promises are released.

        A lever that buys whole units (:attr:`unit_eur`: a grant, an event, a trainee) receives its month's money
        as whole units' worth: a twelfth of its yearly budget, in units, rounded down or up at random, up with the
        probability of its fraction. What it receives is then its budget on average, and a sample whose budget is
        smaller than one unit (a grant of 20 k€ for a sample's 2.5 k€ a year) buys, on average, what its budget
        pays for, without ever spending more than its purse holds.
        """
        month = self.budget_eur_per_year / 12.0
        unit = self.unit_eur
        if unit > 0.0 and month > 0.0:
            units = month / unit
            whole = float(np.floor(units))
            month = unit * (whole + float(self._rounding.random() < units - whole))
        self.purse_eur += month
        self.accrued_eur += month
        self._promised_eur = 0.0

    def affords(self, eur: float) -> bool:
        """Whether the lever buys a unit costing ``eur`` now (and promises it): if its purse holds it."""
        buy = eur <= self.remaining_eur + 1e-9
        if buy:
            self._promised_eur += eur
        return buy

    def pay(self, eur: float) -> None:
        """Spend ``eur`` from the purse (a promised unit, or at most what it holds)."""
        self.purse_eur -= eur
        self._promised_eur = max(0.0, self._promised_eur - eur)
        self.spent_this_year_eur += eur
        self.spent_total_eur += eur

    @property
    def unit_eur(self) -> float:
        """The most one unit the lever buys costs (a grant, an event, a trainee); 0 for a lever that spends its
        money month by month. Its purse receives its money in whole units (:meth:`accrue`)."""
        return 0.0

    @property
    def committable_eur(self) -> float:
        """What this month's commits may take of the lever's money: the purse, or the units promised if more."""
        return max(self._promised_eur, self.remaining_eur + self._promised_eur)

    def new_year(self) -> None:
        self.spent_this_year_eur = 0.0

    def spend_monthly(self, model: TerritorialModel, weights: NDArray[np.float64] | None = None) -> float:
        """Spend a twelfth of the yearly budget (what remains of it at most), booked per territory.

        Args:
            model: the model (its ledger records the spending).
            weights: how the month's euros split between territories (default: by population).

        Returns:
            The euros spent this month.
        """
        eur = min(self.budget_eur_per_year / 12.0, self.remaining_eur)
        if eur <= 0:
            return 0.0
        w = model.territories.population if weights is None else np.asarray(weights, dtype=np.float64)
        self.pay(eur)
        model.ledger.lever(self.name)[model.month] += eur * w / w.sum()
        return eur

    @property
    def intensity(self) -> float:
        """The real yearly budget in units of 100 k€: the scale on which lever effects are set."""
        return self.real_budget_eur_per_year / 1e5

    # ------------------------------------------------------------------ hooks (neutral)

    def on_month(self, model: TerritorialModel) -> None:
        """Called once a month, before the processes (e.g. hire facilitators, hold events)."""

    def extra_encounters(self, model: TerritorialModel) -> Pairs:
        return EMPTY_PAIRS

    def idea_rate_multiplier(self, model: TerritorialModel) -> NDArray[np.float64] | float:
        return 1.0

    def partner_trust_bonus(self, model: TerritorialModel, idea: Idea) -> float:
        return 0.0

    def public_offer(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> float:
        """Public euros this lever offers a coalition's project (not yet paid)."""
        return 0.0

    def hazard_multiplier(self, model: TerritorialModel, ids: NDArray[np.int64]) -> NDArray[np.float64] | float:
        return 1.0

    def visibility_multiplier(self, model: TerritorialModel) -> float:
        return 1.0

    def replication_multiplier(self, model: TerritorialModel) -> float:
        return 1.0


class Hooks:
    """The levers in force, combined: products of multipliers, sums of bonuses and offers."""

    def __init__(self, policies: list[Policy]) -> None:
        self.policies = policies
        self.by_name = {p.name: p for p in policies}
        #: Whether any lever overrides :meth:`Policy.public_offer` (else funding skips the offers).
        self.offers_funding = any(type(p).public_offer is not Policy.public_offer for p in policies)

    def on_month(self, model: TerritorialModel) -> None:
        for p in self.policies:
            p.accrue()
            p.on_month(model)

    def new_year(self) -> None:
        for p in self.policies:
            p.new_year()

    def extra_encounters(self, model: TerritorialModel) -> Pairs:
        if not self.policies:
            return EMPTY_PAIRS
        parts = [p.extra_encounters(model) for p in self.policies]
        return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])

    def idea_rate_multiplier(self, model: TerritorialModel) -> NDArray[np.float64] | float:
        out: NDArray[np.float64] | float = 1.0
        for p in self.policies:
            out = out * p.idea_rate_multiplier(model)
        return out

    def partner_trust_bonus(self, model: TerritorialModel, idea: Idea) -> float:
        return sum(p.partner_trust_bonus(model, idea) for p in self.policies)

    def public_offers(
        self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float
    ) -> list[tuple[str, float]]:
        offers = []
        for p in self.policies:
            eur = p.public_offer(model, coalition, idea, budget_eur)  # a unit the lever affords (and promises)
            if eur > 0:
                offers.append((p.name, eur))
        return offers

    def pay(self, name: str, eur: float) -> None:
        self.by_name[name].pay(eur)

    def hazard_multiplier(self, model: TerritorialModel, ids: NDArray[np.int64]) -> NDArray[np.float64] | float:
        out: NDArray[np.float64] | float = 1.0
        for p in self.policies:
            out = out * p.hazard_multiplier(model, ids)
        return out

    def visibility_multiplier(self, model: TerritorialModel) -> float:
        return float(np.prod([p.visibility_multiplier(model) for p in self.policies])) if self.policies else 1.0

    def replication_multiplier(self, model: TerritorialModel) -> float:
        return float(np.prod([p.replication_multiplier(model) for p in self.policies])) if self.policies else 1.0


def lever_configs(cfg: PoliciesConfig) -> list[PolicyConfig]:
    """The configured levers with the yearly budget each is given.

    With ``equal_budget_eur_per_year`` set, that one yearly budget is split
    equally over the levers, replacing their own budgets, so that scenarios
    compare at equal public money.
    """
    import dataclasses

    configs = [
        dataclasses.replace(c, params={**c.params, **cfg.params_by_lever.get(c.name, {})})
        if c.name in cfg.params_by_lever
        else c
        for c in cfg.levers
    ]
    if cfg.equal_budget_eur_per_year is not None and configs:
        share = cfg.equal_budget_eur_per_year / len(configs)
        configs = [dataclasses.replace(c, budget_eur_per_year=share) for c in configs]
    return configs


def yearly_budget_eur(cfg: PoliciesConfig) -> float:
    """The yearly public budget the levers are given together (0 without levers): the budgets of
    :func:`lever_configs`, or the equal budget itself when it is split (a sum of its shares could differ from it
    in the last digit)."""
    if cfg.equal_budget_eur_per_year is not None and cfg.levers:
        return float(cfg.equal_budget_eur_per_year)
    return float(sum(c.budget_eur_per_year for c in lever_configs(cfg)))


def make_policies(cfg: PoliciesConfig, model: TerritorialModel, seed: int) -> list[Policy]:
    """Instantiate the configured levers (already validated), each with its budget (:func:`lever_configs`)."""
    return [REGISTRY[c.name](c, model, seed) for c in lever_configs(cfg)]


# The lever classes register themselves in REGISTRY when their module is imported.
from simulation.policies import levers  # noqa: E402, F401
