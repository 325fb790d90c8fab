"""Where every euro comes from and goes (money is conserved; MODEL.md §5).

Project money is booked per month, territory and source; public money is also
booked per policy lever; engineering (facilitators) is booked apart from
project funding (002). Actors' yearly budgets are tracked as allocated,
lapsed (unspent at year end) or withdrawn (by a shock), so that what projects
received can be checked against what actors gave.
"""

from __future__ import annotations

import numpy as np

from simulation.enums import FundingSource


class Ledger:
    """Money flows of one run.

    Attributes:
        flows: euros into projects, shape (month, territory, source).
        engineering: public euros paid for facilitators, shape (month, territory).
        by_lever: public euros paid by each policy lever, name → (month, territory).
        reinvested: profits put into local funds, shape (month, territory).
    """

    def __init__(self, horizon_months: int, n_territories: int) -> None:
        self.shape = (horizon_months, n_territories)
        self.flows = np.zeros((horizon_months, n_territories, len(FundingSource)))
        self.engineering = np.zeros(self.shape)
        self.by_lever: dict[str, np.ndarray] = {}
        self.reinvested = np.zeros(self.shape)
        self.actor_allocated_eur = 0.0
        self.actor_lapsed_eur = 0.0
        self.actor_withdrawn_eur = 0.0

    def lever(self, name: str) -> np.ndarray:
        """The (month, territory) array of public euros spent by lever ``name``."""
        if name not in self.by_lever:
            self.by_lever[name] = np.zeros(self.shape)
        return self.by_lever[name]

    def book_launch(
        self, month: int, territory: int, amount_eur: np.ndarray, policy_eur: list[tuple[str, float]]
    ) -> None:
        """A project's pooled funds at launch."""
        self.flows[month, territory] += amount_eur
        for name, eur in policy_eur:
            self.lever(name)[month, territory] += eur

    def book_engineering(self, month: int, territory: int, eur: float, lever: str | None = None) -> None:
        """Facilitator costs: financed apart from the projects (002)."""
        self.engineering[month, territory] += eur
        if lever is not None:
            self.lever(lever)[month, territory] += eur

    def public_by_month(self) -> np.ndarray:
        """Public euros (project public tiers + engineering) spent each month."""
        projects = self.flows[:, :, [FundingSource.PUBLIC_LOCAL, FundingSource.PUBLIC_POLICY]].sum(axis=(1, 2))
        return projects + self.engineering.sum(axis=1)
