"""The outcomes, declared once: each indicator's name, unit, label and whether more is better.

The names are the columns of the result tables (``docs/data.md``); :mod:`simulation.model.outcomes` computes
them. The run summary, the analysis (:data:`COMPARED`, :data:`PER_MEUR`), the sensitivity analysis
(:data:`SCREENED`), the report and the dashboard read this table. ``kind`` says, as EMA Workbench's
``ScalarOutcome`` kinds do, whether an outcome is to be raised (``maximize``), lowered (``minimize``) or only
described (``info``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from simulation.enums import ActorKind

Kind = Literal["maximize", "minimize", "info"]


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run.

    Attributes:
        name: its column name.
        unit: the unit of its values.
        label: a short English label (translations live in the report's and dashboard's catalogues).
        kind: ``maximize``, ``minimize`` or ``info``.
        compared: compared between scenarios by the analysis and the report.
        per_meur: also shown per M€ spent on the levers (cost-effectiveness).
        screened: an outcome of the sensitivity analysis.
    """

    name: str
    unit: str
    label: str
    kind: Kind = "info"
    compared: bool = True
    per_meur: bool = False
    screened: bool = False

    @property
    def share(self) -> bool:
        """A share, in [0, 1] (not a percentage)."""
        return self.unit == "share"

    @property
    def unit_interval(self) -> bool:
        """Bounded to [0, 1]: its intervals are clipped to it."""
        return self.unit in ("share", "index (0–1)")


_KIND_LABELS = {
    "collectivite": "local governments",
    "firm": "firms",
    "association": "associations",
    "citizen_group": "citizen groups",
    "university": "universities",
    "media": "media",
}

_ALL = (
    Outcome(
        "lasting_cooperations",
        "projects",
        "cooperations active for at least the lasting age",
        "maximize",
        per_meur=True,
        screened=True,
    ),
    Outcome("active_cooperations", "projects", "active cooperations at the end", "maximize"),
    Outcome("successes_cumulative", "projects", "projects that reached consolidation", "maximize"),
    Outcome("failures_cumulative", "projects", "projects that failed", "minimize"),
    Outcome("jobs", "jobs", "jobs in active projects", "maximize"),
    Outcome("jobs_created_cumulative", "jobs", "jobs created", "maximize", per_meur=True),
    Outcome("value_eur_cumulative", "€", "value created", "maximize"),
    Outcome("public_eur_cumulative", "€", "public money spent", "info"),
    Outcome("public_eur_per_job", "€ per job", "public € per job", "minimize"),
    Outcome("public_eur_per_lasting_cooperation", "€ per cooperation", "public € per lasting cooperation", "minimize"),
    Outcome("leverage", "€ per public €", "other € per public €", "maximize"),
    *(
        Outcome(
            f"participation_{k.label}",
            "share",
            f"{_KIND_LABELS[k.label]} in a partnership",
            "maximize",
            screened=k is ActorKind.FIRM,
        )
        for k in ActorKind
    ),
    Outcome("territories_with_project_share", "share", "territories with an active project", "maximize"),
    Outcome("territorial_inequality_gini", "index (0–1)", "inequality between territories (Gini)", "minimize"),
    Outcome("takeoff_month", "month", "take-off month (10% of the peak)", "minimize", screened=True),
    Outcome("recovery_months", "months", "months to recover after a shock", "minimize"),
    Outcome("projects_launched_cumulative", "projects", "projects launched", "maximize", compared=False, per_meur=True),
    Outcome(
        "jobs_per_public_meur",
        "jobs per M€",
        "jobs created per public M€",
        "maximize",
        compared=False,
        screened=True,
    ),
)

#: Every declared outcome, by name.
OUTCOMES: dict[str, Outcome] = {o.name: o for o in _ALL}
#: Outcomes compared between scenarios (summary columns), in the analysis's order.
COMPARED: list[str] = [o.name for o in _ALL if o.compared]
#: Outcomes shown per M€ spent on the levers, in the report's order.
PER_MEUR: tuple[str, ...] = tuple(o.name for o in _ALL if o.per_meur)
#: Outcomes of the sensitivity analysis, in its order.
SCREENED: tuple[str, ...] = tuple(o.name for o in _ALL if o.screened)
#: The report's headline: extra lasting cooperations per M€ spent on the levers.
HEADLINE = "lasting_cooperations"

#: The fewest simulated actors of a kind whose participation (a share of the kind's actors) means something.
#: With fewer, one actor joining or leaving a partnership moves the share by more than 3 points (1/30), the
#: tolerance the calibration allows on participation (``simulation.study.targets``): with the 1 university and the
#: 2 media of the default sample, or a kind of 1–2 actors in a small sample, a share jumps between 0% and 100%.
#: The emergence plot draws such a kind dotted; the analysis leaves its participation out of its comparison.
FEW_ACTORS = 30
