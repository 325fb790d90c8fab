"""The uncertain effects and unit costs of the policy levers (CESER 2019's preconisations give no size: each is an
assumption), part of the table of :mod:`simulation.config.uncertainties`, in its order."""

from __future__ import annotations

from simulation.config.uncertainty import LEVER_PREFIX, Uncertainty

#: The levers' uncertain parameters, in the order of the sensitivity designs' columns.
LEVER_UNCERTAINTIES = (
    Uncertainty(
        LEVER_PREFIX + "p1_communication.visibility_gain_per_100k_eur",
        0.05,
        1.0,
        "relative gain per 100 k€ a year",
        "how much communicating results makes successes visible: no measurement; from barely to strongly",
    ),
    Uncertainty(
        LEVER_PREFIX + "p2_creative_evenings.participants_per_event",
        15,
        60,
        "actors per event",
        "a creative evening gathers a room: from a small workshop to a large evening",
        integer=True,
    ),
    Uncertainty(
        LEVER_PREFIX + "p2_creative_evenings.meetings_per_participant",
        1,
        6,
        "meetings per participant",
        "how many people each participant really talks to in an evening",
        integer=True,
    ),
    Uncertainty(
        LEVER_PREFIX + "p2_creative_evenings.ideas_per_event",
        0.2,
        3.0,
        "ideas an event starts, on average",
        "« faire émerger des projets » (CESER 2019, preconisation 2): from one idea in five evenings to three each",
    ),
    Uncertainty(
        LEVER_PREFIX + "p3_seed_grants.grant_eur",
        10_000,
        40_000,
        "€ per project",
        "seed grants (« bourses d'amorçage ») of regional schemes are of the order of ten thousand euros",
    ),
    Uncertainty(
        LEVER_PREFIX + "p4_facilitation.cost_per_facilitator_eur_per_year",
        45_000,
        70_000,
        "€ a year",
        "the loaded cost of a project engineer of a French local authority",
    ),
    Uncertainty(
        LEVER_PREFIX + "p5_selection.grant_eur",
        20_000,
        60_000,
        "€ per project",
        "a selective grant is larger than a seed grant: from one to three times P3's",
    ),
    Uncertainty(
        LEVER_PREFIX + "p5_selection.min_trust",
        0.1,
        0.25,
        "trust (0–1)",
        "the success factors the CESER refers to are not listed: how much trust the selection asks is open",
    ),
    Uncertainty(
        LEVER_PREFIX + "p6_civil_society.idea_gain_per_100k_eur",
        0.02,
        0.4,
        "relative gain per 100 k€ a year",
        "how much support makes civil society spot more projects (CESER 2019, preconisation 6): no measurement",
    ),
    Uncertainty(
        LEVER_PREFIX + "p7_innovation_fund.cofinance_share",
        0.2,
        0.5,
        "share of a project's budget",
        "regional funds co-finance from a fifth to a half of a project",
    ),
    Uncertainty(
        LEVER_PREFIX + "p8_networks.encounters_per_100k_eur",
        5,
        40,
        "meetings a month per 100 k€ a year",
        "how many cross-territory meetings regional networks make per euro: no measurement",
    ),
    Uncertainty(
        LEVER_PREFIX + "p8_networks.replication_gain_per_100k_eur",
        0.05,
        0.5,
        "relative gain per 100 k€ a year",
        "how much thematic communities help projects spread (essaimer): no measurement",
    ),
)
