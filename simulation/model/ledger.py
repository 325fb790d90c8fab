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

from simulation.enums import PUBLIC_SOURCES, FundingSource
from simulation.kernels import outcomes as kernels

#: The sources that are not public money: local fund, private, volunteering, revenue (:meth:`Ledger.other_so_far`).
OTHER_SOURCES = [s for s in FundingSource if s not in PUBLIC_SOURCES]


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
        # The months read so far by public_so_far and other_so_far, the last one to be read again (see there).
        self._public = np.zeros(horizon_months)
        self._others = np.zeros((len(OTHER_SOURCES), horizon_months, n_territories))
        self._public_read = self._others_read = 0

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

    def other_so_far(self, month: int) -> float:
        """Non-public euros (:data:`OTHER_SOURCES`) booked up to ``month`` included: the sum numpy makes of
        ``flows[: month + 1][:, :, OTHER_SOURCES]``, to the bit, from a copy of those sources made month by month
        (like :meth:`public_so_far`'s rows), without gathering them again from every month.

        numpy lays what it gathers out source by source, one block in memory, and sums that block pairwise: the
        copy is kept source by source, and its months so far summed as that block (:func:`kernels.leading_sum`).
        Gathering and summing them was nearly half the month's indicators' time for all France; this takes half as
        long.
        """
        rows = slice(min(self._others_read, month), month + 1)
        self._others[:, rows] = self.flows[rows][:, :, OTHER_SOURCES].transpose(2, 0, 1)
        self._others_read = month
        by_source = self._others.reshape(len(OTHER_SOURCES), -1)  # (a view: each source's months one after the other)
        return kernels.leading_sum(by_source, rows.stop * self.shape[1])
