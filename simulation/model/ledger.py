"""Where every euro comes from and goes (money is conserved; docs/ODD.md § Outputs).

Project money is booked per month, territory and source; public money is also
booked per policy lever; engineering (facilitators) is booked apart from
project funding (Territoires Conseils 2018). Actors' yearly budgets, and their volunteer hours, are
tracked as allocated, lapsed (unspent at year end) or withdrawn (by a shock),
so that what projects received — volunteering valorised at
``actors.volunteer_hour_value_eur`` — can be checked against what actors gave.
"""

from __future__ import annotations

import numpy as np

from simulation.enums import FundingSource


class Ledger:
    """Money flows of one run.

    Attributes:
        flows: euros into projects, shape (month, territory, source).
        engineering: public euros paid for facilitators (by territories and levers), shape (month, territory).
        engineering_local: the part the territories paid themselves.
        by_lever: every public euro spent by each policy lever (grants, facilitators,
            events, campaigns, training), name → (month, territory).
        reinvested: profits put into local funds, shape (month, territory).
    """

    def __init__(self, horizon_months: int, n_territories: int) -> None:
        self.shape = (horizon_months, n_territories)
        self.flows = np.zeros((horizon_months, n_territories, len(FundingSource)))
        self.engineering = np.zeros(self.shape)
        self.engineering_local = np.zeros(self.shape)
        self.by_lever: dict[str, np.ndarray] = {}
        self.reinvested = np.zeros(self.shape)
        self.actor_allocated_eur = 0.0
        self.actor_lapsed_eur = 0.0
        self.actor_withdrawn_eur = 0.0
        self.actor_allocated_hours = 0.0
        self.actor_lapsed_hours = 0.0
        self.actor_withdrawn_hours = 0.0
        # The months read so far by public_so_far, the last one to be read again (see there).
        self._public = np.zeros(horizon_months)
        self._public_read = 0

    def lever(self, name: str) -> np.ndarray:
        """The (month, territory) array of public euros spent by lever ``name``."""
        if name not in self.by_lever:
            self.by_lever[name] = np.zeros(self.shape)
        return self.by_lever[name]

    def book_launches(
        self,
        month: int,
        territory: np.ndarray,
        amount_eur: np.ndarray | list[np.ndarray],
        policy_eur: list[list[tuple[str, float]]],
    ) -> None:
        """The pooled funds of projects launched this month, per project (in order: the sums are the same)."""
        if len(territory):
            np.add.at(self.flows[month], territory, np.array(amount_eur))
        for t, taken in zip(territory.tolist(), policy_eur, strict=True):
            for name, eur in taken:
                self.lever(name)[month, t] += eur

    def book_engineering(self, month: int, territory: int, eur: float, lever: str | None = None) -> None:
        """Facilitator costs: financed apart from the projects (Territoires Conseils 2018)."""
        self.engineering[month, territory] += eur
        if lever is None:
            self.engineering_local[month, territory] += eur
        else:
            self.lever(lever)[month, territory] += eur

    def public_by_month(self) -> np.ndarray:
        """Public euros spent each month: collectivités' project money, their engineering, and every lever."""
        local = self.flows[:, :, FundingSource.PUBLIC_LOCAL].sum(axis=1) + self.engineering_local.sum(axis=1)
        return local + sum((a.sum(axis=1) for a in self.by_lever.values()), np.zeros(self.shape[0]))

    def public_so_far(self, month: int) -> np.ndarray:
        """:meth:`public_by_month` of the months up to ``month`` included, the same values to the bit, each month
        computed once: a month's euros are booked in that month, so a month's row is final once a later month is
        read (the month last read is computed again).

        The month's indicators read it every month: computed over every month each time, it was a quarter of their
        time for all France.
        """
        rows = slice(min(self._public_read, month), month + 1)
        local = self.flows[rows, :, FundingSource.PUBLIC_LOCAL].sum(axis=1) + self.engineering_local[rows].sum(axis=1)
        zeros = np.zeros(rows.stop - rows.start)
        self._public[rows] = local + sum((a[rows].sum(axis=1) for a in self.by_lever.values()), zeros)
        self._public_read = month
        return self._public[: month + 1]
