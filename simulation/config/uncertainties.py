"""The uncertain parameters, declared once: each with its plausible range, unit and why the range.

A parameter is *uncertain* when the sources give no value for it (``docs/ODD.md`` §7 says where each default
comes from). Calibration draws the ``calibrated`` ones from their range as a uniform prior
(:mod:`simulation.study.calibration`); the sensitivity analysis screens them all over these ranges
(:mod:`simulation.study.sensitivity`). A range always lies within what the schema allows (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain parameter.

    Attributes:
        key: its full configuration key.
        low, high: the plausible range (a uniform prior where it is calibrated).
        unit: the unit of its values.
        why: why this range.
        prior_rank: its column in the calibration's design when it is calibrated (None: not calibrated). The
            order of a design's columns is part of the design: the same order gives the same draws.
    """

    key: str
    low: float
    high: float
    unit: str
    why: str
    prior_rank: int | None = None

    @property
    def calibrated(self) -> bool:
        """Fitted to the calibration targets (else only varied in the sensitivity analysis)."""
        return self.prior_rank is not None

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)


_ALL = (
    # in the order of the sensitivity designs' columns; prior_rank gives the calibration's
    Uncertainty(
        "encounters.network_per_month",
        0.5,
        1.5,
        "meetings per actor and month",
        "about one meeting a month through one's network, halved or raised by half",
    ),
    Uncertainty(
        "encounters.territory_per_month",
        0.1,
        0.3,
        "meetings per actor and month",
        "meetings with strangers of the territory are rare (one to four a year)",
    ),
    Uncertainty(
        "encounters.cross_sector_acceptance",
        0.3,
        0.8,
        "probability",
        "sectors do not perceive needs alike (Territoires Conseils 2018): fewer than all cross-sector meetings "
        "make a tie",
    ),
    Uncertainty(
        "trust.initial_same_sector",
        0.08,
        0.16,
        "trust (0–1)",
        "trust is not spontaneous: a new tie starts below the partner threshold",
    ),
    Uncertainty(
        "trust.acquaintance_cap",
        0.25,
        0.45,
        "trust (0–1)",
        "acquaintance alone makes partners, never allies: around the allies' threshold (0.35)",
    ),
    Uncertainty(
        "trust.acquaintance_gain",
        0.04,
        0.14,
        "trust gained per meeting of acquaintances",
        "trust is learned over repeated meetings (Territoires Conseils 2018, sequence 3): several meetings, "
        "not one, reach the acquaintance cap",
        prior_rank=5,
    ),
    Uncertainty(
        "trust.success_gain",
        0.15,
        0.4,
        "share of the gap to full trust",
        "two to five joint successes take a pair from a new tie to strong trust",
    ),
    Uncertainty(
        "trust.failure_loss",
        0.45,
        0.7,
        "share of trust lost",
        "failure lowers trust faster than success raises it: always above the largest success gain",
    ),
    Uncertainty(
        "trust.decay_per_month",
        0.005,
        0.02,
        "share lost per idle month",
        "an unused tie's half-life from about 3 to 11 years",
    ),
    Uncertainty(
        "trust.reputation_gain",
        0.4,
        1.0,
        "share of the success gain passed to a member's acquaintances",
        "a success is heard of (Territoires Conseils 2018, sequence 3: « les réussites nourrissent la confiance »), "
        "at most as strongly as it is lived",
        prior_rank=3,
    ),
    Uncertainty(
        "ideas.experience_boost",
        1.0,
        4.0,
        "relative gain in ideas per unit of log-experience",
        "« le projet nourrit le projet » (Territoires Conseils 2018): experience multiplies ideas, by how much is open",
    ),
    Uncertainty(
        "ideas.follow_up_probability",
        0.4,
        1.0,
        "probability (× unmet share)",
        "a success seeds other cooperations (Territoires Conseils 2018) often, not always",
    ),
    Uncertainty(
        "ideas.need_half_saturation_per_10k",
        0.25,
        0.8,
        "active projects per 10,000 inhabitants",
        "met needs saturate: half the ideas vanish once a few projects per 10,000 inhabitants address them",
        prior_rank=4,
    ),
    Uncertainty(
        "alliances.min_partner_trust",
        0.12,
        0.22,
        "trust (0–1)",
        "a partner is invited above a new tie's trust (0.12) and below the allies' threshold; the rest is the fit's",
        prior_rank=0,
    ),
    Uncertainty(
        "alliances.min_launch_coverage",
        0.35,
        0.55,
        "share of the resource needs",
        "projects launch before all their resources are found: around half",
    ),
    Uncertainty(
        "projects.coverage_effect",
        0.5,
        2.5,
        "log-hazard slope",
        "skills, money and alliances are essential (CDG 2021); how strongly coverage lowers the hazard is open",
    ),
    Uncertainty(
        "projects.trust_effect",
        1.0,
        3.0,
        "log-hazard slope",
        "trust is the spring of cooperation (Territoires Conseils 2018); its effect on survival is open",
    ),
    Uncertainty(
        "projects.moral_hazard_per_month",
        0.002,
        0.012,
        "probability per month (× imbalance)",
        "capture of a project by one party (Territoires Conseils 2018) happens to a few projects in ten",
    ),
    Uncertainty(
        "outcomes.budget_eur_per_job",
        40_000,
        90_000,
        "€ of budget per job",
        "about a year of a job's loaded cost in France, within a factor of about 1.5",
    ),
    Uncertainty(
        "ideas.rate_per_month.firm",
        0.002,
        0.014,
        "ideas per firm and month at full need",
        "from one idea a decade to about two a year: firms see needs through their market (less often than "
        "associations)",
        prior_rank=1,
    ),
    Uncertainty(
        "ideas.rate_per_month.association",
        0.006,
        0.02,
        "ideas per association and month at full need",
        "associations and citizen groups are the scouts of needs (CESER 2019, preconisation 6): up to two a year",
        prior_rank=2,
    ),
)

#: Every uncertain parameter, by key.
UNCERTAINTIES: dict[str, Uncertainty] = {u.key: u for u in _ALL}


def calibrated() -> dict[str, tuple[float, float]]:
    """The calibrated parameters and their uniform priors, in declaration order."""
    ranked = sorted((u for u in UNCERTAINTIES.values() if u.prior_rank is not None), key=lambda u: u.prior_rank or 0)
    return {u.key: u.bounds for u in ranked}


def screened() -> dict[str, tuple[float, float]]:
    """The parameters the sensitivity analysis varies, with their ranges (the calibrated ones too, except the
    idea rates, which the calibration fits per kind)."""
    return {k: u.bounds for k, u in UNCERTAINTIES.items() if not k.startswith("ideas.rate_per_month.")}
