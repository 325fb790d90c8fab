"""The uncertain parameters, declared once: each with its plausible range, unit and why the range.

A parameter is *uncertain* when the sources give no value for it (``docs/ODD.md`` §7 says where each default
comes from). Calibration draws the ``calibrated`` ones from their range as a uniform prior
(:mod:`simulation.study.calibration`); the sensitivity analysis screens them all over these ranges
(:mod:`simulation.study.sensitivity`). A range always lies within what the schema allows (a test checks it).
"""

from __future__ import annotations

from simulation.config.uncertain_levers import LEVER_UNCERTAINTIES
from simulation.config.uncertainty import LEVER_PREFIX, Uncertainty

__all__ = ["LEVER_PREFIX", "UNCERTAINTIES", "Uncertainty", "calibrated", "overrides", "screened"]

_ALL = (
    # in the order of the sensitivity designs' columns; prior_rank gives the calibration's
    Uncertainty(
        "encounters.network_per_month",
        0.25,
        0.75,
        "meetings per actor and month",
        "about one trust-building meeting every two months through one's network, halved or raised by half "
        "(the targets do not tell the rate from the trust a meeting builds: docs/calibration.md)",
    ),
    Uncertainty(
        "encounters.territory_per_month",
        0.05,
        0.15,
        "meetings per actor and month",
        "meetings with strangers of the territory are rare (one every two years to two a year)",
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
        prior_rank=6,
    ),
    Uncertainty(
        "trust.acquaintance_gain",
        0.04,
        0.20,
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
        0.0025,
        0.02,
        "share lost per month",
        "an unused tie's half-life from about 3 to 23 years; with the meeting rate and the gain per meeting it sets "
        "how fast acquaintance builds and fades, which the targets see together (docs/calibration.md)",
        prior_rank=10,
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
        10.0,
        200.0,
        "active projects per 10,000 inhabitants",
        "met needs saturate: a domain's need is half met at a rate of active projects between a twentieth and about "
        "the rate of all partnerships PHARE counts (some 175 per 10,000 inhabitants in France)",
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
        0.004,
        0.02,
        "ideas per association and month at full need",
        "associations and citizen groups are the scouts of needs (CESER 2019, preconisation 6): up to two a year",
        prior_rank=2,
    ),
    Uncertainty(
        "actors.sociability.firm",
        0.5,
        1.5,
        "meetings relative to the average actor's",
        "no source counts how often firms meet other organisations; the most common firms are very small and "
        "meet little, their networks (clubs, chambers) a lot: from half to one and a half times the average",
        prior_rank=7,
    ),
    Uncertainty(
        "actors.sociability.association",
        0.5,
        1.5,
        "meetings relative to the average actor's",
        "associations are rooted in their territory's life (CESER 2019) but most have no staff to go out: "
        "from half to one and a half times the average",
        prior_rank=8,
    ),
    # ---- lever effects and unit costs (simulation.config.uncertain_levers)
    *LEVER_UNCERTAINTIES,
    # ---- facilitation (Territoires Conseils 2018: connect, align interests, accompany; sizes: assumptions)
    Uncertainty(
        "projects.facilitation_effect",
        0.2,
        1.0,
        "log-hazard slope",
        "how much a facilitator's accompaniment lowers a project's failure: no measurement",
    ),
    Uncertainty(
        "alliances.facilitator_project_capacity",
        4,
        12,
        "projects at once",
        "how many projects one engineer can accompany through their stages",
        integer=True,
    ),
    Uncertainty(
        "alliances.facilitator_trust_bonus",
        0.0,
        0.1,
        "trust (0–1)",
        "how much a facilitator's aligning of interests lowers the trust needed to invite a partner",
    ),
    Uncertainty(
        "encounters.facilitator_introductions_per_month",
        2,
        12,
        "introductions a month",
        "« mettre en relation »: from a few introductions a month to three a week",
    ),
    # ---- the life cycle and coalitions
    Uncertainty(
        "projects.duration_months.seed",
        3,
        12,
        "months",
        "from idea to experimentation: a few months to a year",
    ),
    Uncertainty(
        "projects.duration_months.experimentation",
        12,
        30,
        "months",
        "experimentation takes one to two and a half years (Ecooparc's 30 months is a programme, not a stage)",
    ),
    Uncertainty(
        "projects.duration_months.consolidation",
        12,
        36,
        "months",
        "« 36 mois de dialogue sur la gouvernance » (Territoires Conseils 2018) is an upper end",
    ),
    Uncertainty(
        "projects.duration_months.deployment",
        24,
        48,
        "months",
        "deploying and replicating takes years",
    ),
    Uncertainty(
        "alliances.partners_mean",
        2.0,
        5.0,
        "partners",
        "most coalitions are small, a few large: the mean number of partners an initiator seeks is open",
        prior_rank=9,
    ),
    Uncertainty(
        "alliances.event_trust_bonus",
        0.0,
        0.2,
        "trust (0–1)",
        "how far meeting in the room makes up for trust not yet built",
    ),
    # ---- which organisations are potential partners (docs/territories.md)
    Uncertainty(
        "region.partner_share.firm",
        0.037,
        1.0,
        "share of the real firms",
        "all firms, or only those with staff: SMEs, mid-sized and large firms (INSEE 2021)",
    ),
    Uncertainty(
        "region.partner_share.association",
        0.13,
        1.0,
        "share of the real associations",
        "all active associations, or only employer ones (INSEE 2018; INJEP 2023)",
    ),
)

#: Every uncertain parameter, by key.
UNCERTAINTIES: dict[str, Uncertainty] = {u.key: u for u in _ALL}


def calibrated() -> dict[str, tuple[float, float]]:
    """The calibrated parameters and their uniform priors, in declaration order."""
    ranked = sorted((u for u in UNCERTAINTIES.values() if u.prior_rank is not None), key=lambda u: u.prior_rank or 0)
    return {u.key: u.bounds for u in ranked}


def screened() -> dict[str, tuple[float, float]]:
    """The parameters the sensitivity analysis varies, with their ranges: every declared one (the calibrated ones
    too, except the idea rates, which the calibration fits per kind)."""
    return {k: u.bounds for k, u in UNCERTAINTIES.items() if not k.startswith("ideas.rate_per_month.")}


def overrides(values: dict[str, float]) -> list[str]:
    """The command-line overrides setting each declared parameter to its value."""
    return [UNCERTAINTIES[k].override(v) for k, v in values.items()]
