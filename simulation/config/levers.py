"""The policy levers, declared once: name, CESER number, label, source, what the money buys, and the schema of
each lever's parameters (default, allowed range, unit).

The behaviour of each lever is its class in :mod:`simulation.policies`, registered under the same name;
validation (:mod:`simulation.config.validate`), the run's spending table, the sensitivity designs, the report
and the dashboard read this table. The effect sizes are assumptions (``docs/ODD.md`` §7.9); their plausible
ranges are in :mod:`simulation.config.uncertainties`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LeverParam:
    """One parameter of a lever: its default, the range a configuration may give it, and its unit."""

    default: float
    low: float
    high: float
    unit: str


@dataclass(frozen=True)
class Lever:
    """A policy lever as the configuration knows it.

    Attributes:
        name: the key in ``policies.levers[].name`` and in every result table.
        code: the CESER's number (``P1``–``P8``), or ``""`` for the other levers.
        label: a short English label (translations live in the report's and dashboard's catalogues).
        source: the source document and the passage it comes from (``docs/references.md``).
        buys: what the lever's yearly budget pays for.
        params: the lever's parameters by name.
    """

    name: str
    code: str
    label: str
    source: str
    buys: str
    params: dict[str, LeverParam] = field(default_factory=dict)

    @property
    def ceser(self) -> bool:
        """One of the CESER's eight preconisations."""
        return bool(self.code)


def _lever(
    name: str, code: str, label: str, source: str, buys: str, **params: tuple[float, float, float, str]
) -> Lever:
    return Lever(name, code, label, source, buys, {k: LeverParam(*v) for k, v in params.items()})


#: Every lever, by name, in the CESER's order, then the others.
LEVERS: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        _lever(
            "p1_communication",
            "P1",
            "Communicate results, impacts and stories",
            "CESER 2019, preconisation 1",
            "communication on successes",
            visibility_gain_per_100k_eur=(0.25, 0.0, 10.0, "relative gain in visibility per 100 k€ a year"),
        ),
        _lever(
            "p2_creative_evenings",
            "P2",
            "Creative evenings",
            "CESER 2019, preconisation 2",
            "events, at a cost each",
            cost_per_event_eur=(5_000.0, 500.0, 1e5, "€ per event"),
            participants_per_event=(30.0, 2.0, 500.0, "actors per event"),
            meetings_per_participant=(3.0, 1.0, 50.0, "meetings per participant and event"),
            ideas_per_event=(1.0, 0.0, 10.0, "ideas an event starts, on average"),
        ),
        _lever(
            "p3_seed_grants",
            "P3",
            "Seed grants",
            "CESER 2019, preconisation 3",
            "grants to projects at launch",
            grant_eur=(20_000.0, 0.0, 1e6, "€ per project"),
        ),
        _lever(
            "p4_facilitation",
            "P4",
            "Project engineering as an investment: funded facilitators",
            "CESER 2019, preconisation 4; Territoires Conseils 2018, sequence 2",
            "facilitators, per year each",
            cost_per_facilitator_eur_per_year=(55_000.0, 1e4, 2e5, "€ per facilitator and year"),
        ),
        _lever(
            "p5_selection",
            "P5",
            "Select funded projects by success factors",
            "CESER 2019, preconisation 5",
            "grants to projects that meet the success factors",
            grant_eur=(40_000.0, 0.0, 1e6, "€ per project"),
            min_kinds=(3.0, 1.0, 6.0, "kinds of actor among the members"),
            min_trust=(0.15, 0.0, 1.0, "mean trust between members (0–1)"),
        ),
        _lever(
            "p6_civil_society",
            "P6",
            "Civil society spots projects",
            "CESER 2019, preconisation 6",
            "support to associations and citizen groups that spot projects",
            idea_gain_per_100k_eur=(0.1, 0.0, 10.0, "relative gain in their ideas per 100 k€ a year"),
        ),
        _lever(
            "p7_innovation_fund",
            "P7",
            "Regional innovation fund",
            "CESER 2019, preconisation 7",
            "co-financing of projects' budgets",
            cofinance_share=(0.3, 0.0, 1.0, "share of a project's budget"),
            max_eur_per_project=(80_000.0, 0.0, 5e6, "€ per project"),
        ),
        _lever(
            "p8_networks",
            "P8",
            "Regional support networks and thematic communities",
            "CESER 2019, preconisation 8",
            "networks' meetings and replication support",
            encounters_per_100k_eur=(15.0, 0.0, 1e3, "meetings a month per 100 k€ a year"),
            replication_gain_per_100k_eur=(0.2, 0.0, 10.0, "relative gain in replication per 100 k€ a year"),
        ),
        _lever(
            "capacity_building",
            "",
            "Capacity building of elected officials and staff",
            "LeadeR Maroc 2018 (training cycle for regional officials and staff)",
            "training, per trainee",
            cost_per_trainee_eur=(4_000.0, 100.0, 1e5, "€ per trainee"),
            idea_gain=(0.5, 0.0, 5.0, "relative gain in a trained actor's ideas"),
            hazard_reduction=(0.2, 0.0, 0.9, "relative cut in the failure hazard of its projects"),
        ),
        _lever(
            "local_priority",
            "",
            "Priority to local firms and public procurement",
            "Reengineering territorial (priority to local firms); Territoires Conseils 2018, sequence 3",
            "grants to local firms' projects",
            grant_eur=(15_000.0, 0.0, 1e6, "€ per project"),
        ),
        _lever(
            "attractiveness",
            "",
            "Attractiveness counterfactual: nomadic firms and emblematic projects",
            "Reengineering territorial (the attractiveness war it criticises)",
            "subsidies to nomadic firms and emblematic projects",
            grant_eur=(150_000.0, 0.0, 5e6, "€ per project"),
            emblematic_budget_eur=(150_000.0, 0.0, 1e8, "€ a year"),
        ),
    )
}
