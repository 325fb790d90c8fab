"""The schemas of the month's processes (``docs/ODD.md`` §7): actors, encounters, trust, ideas, alliances,
funding, projects and outcomes, each with its unit in its name and its allowed range beside its default."""

from __future__ import annotations

from dataclasses import dataclass

from simulation.config.fields import Brings, Interests, PerDomain, PerKind, PerStage, _per_kind_defaults, param

# --------------------------------------------------------------------------- processes


@dataclass
class ActorParams:
    """What each kind brings and how active it is."""

    #: Monthly activity multiplier on encounters (how much a kind goes out and meets).
    sociability: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=2.0, firm=0.8, association=1.2, citizen_group=0.9, university=1.0, media=1.5
        )
    )
    #: Concurrent projects an actor can be a member of.
    max_projects: PerKind = param(
        factory=_per_kind_defaults(collectivite=6, firm=2, association=3, citizen_group=2, university=3, media=2)
    )
    #: Money an actor can put into cooperations each year, euros: the mean over the kind's actors (log-normal
    #: between them, ``budget_sigma``; the median is exp(-sigma²/2) of it).
    cooperation_budget_eur_per_year: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=40_000, firm=12_000, association=1_500, citizen_group=300, university=8_000, media=1_000
        )
    )
    #: Volunteer hours an actor can give each year (the mean over the kind's actors, spread as the budgets).
    volunteer_hours_per_year: PerKind = param(
        factory=_per_kind_defaults(collectivite=0, firm=40, association=600, citizen_group=400, university=80, media=20)
    )
    #: Log-normal spread (sigma) of budgets between actors of a kind.
    budget_sigma: float = param(0.8, ge=0, le=3)
    #: Value of one volunteer hour when valorised as the 4th funding tier (Territoires Conseils 2018).
    volunteer_hour_value_eur: float = param(15.0, ge=0, le=1_000)
    #: Log-normal spread of domain interests within a kind (0 = all alike).
    interest_sigma: float = param(0.5, ge=0, le=3)
    brings: Brings = param(factory=Brings)
    seeks: Interests = param(factory=Interests)


@dataclass
class EncounterParams:
    """Process 1: who meets whom each month (Territoires Conseils 2018: "mettre en relation"; CESER 2019, P2)."""

    #: Mean encounters per actor per month through the network.
    network_per_month: float = param(0.5, ge=0, le=20)
    #: Share of network encounters that repeat a known contact (the rest: a friend of a friend).
    repeat_contact_share: float = param(0.6, ge=0, le=1)
    #: Mean encounters per actor per month with strangers of the same territory.
    territory_per_month: float = param(0.10, ge=0, le=20)
    #: Mean encounters per actor per month with anyone in the region (rare).
    cross_territory_per_month: float = param(0.01, ge=0, le=20)
    #: Probability that an encounter across sectors turns into a tie ("cloisonnement", Territoires Conseils 2018).
    cross_sector_acceptance: float = param(0.5, ge=0, le=1)
    #: New encounters a facilitator brokers each month, biased across sectors (Territoires Conseils 2018).
    facilitator_introductions_per_month: float = param(6.0, ge=0, le=200)
    #: Acquaintances each actor starts with, in its territory (mostly its own sector).
    initial_ties_per_actor: float = param(3.0, ge=0, le=50)


@dataclass
class TrustParams:
    """Process 2: the weighted acquaintance network (Territoires Conseils 2018: trust is learned)."""

    initial_same_sector: float = param(0.12, ge=0, le=1)
    #: Lower start across sectors: each kind sees fragilities through its own prism (Territoires Conseils 2018).
    initial_cross_sector: float = param(0.06, ge=0, le=1)
    #: Mere acquaintance cannot push trust above this: trust is not spontaneous (Territoires Conseils 2018).
    acquaintance_cap: float = param(0.35, ge=0, le=1)
    #: Fraction of the gap to the cap closed by a repeat encounter.
    acquaintance_gain: float = param(0.08, ge=0, le=1)
    #: Fraction of the gap to 1 closed by a joint success (a stage passed together).
    success_gain: float = param(0.30, ge=0, le=1)
    #: A joint failure removes this × max(trust, 1 - trust); larger than ``success_gain``, so a
    #: failure always moves trust more than a success would (a design choice, docs/ODD.md §7.2).
    failure_loss: float = param(0.45, ge=0, le=1)
    #: Reputation: share of the gap to the acquaintance cap closed, on a success, by every
    #: acquaintance of the members (Territoires Conseils 2018: successes feed trust; CESER 2019, P1 makes them visible).
    reputation_gain: float = param(0.8, ge=0, le=1)
    #: Monthly relative decay of every tie; use (encounters, projects) offsets it.
    decay_per_month: float = param(0.01, ge=0, le=1)
    #: Ties below this trust are pruned (forgotten).
    prune_below: float = param(0.02, ge=0, le=1)
    #: Generalised trust: gain per visible success per 10k inhabitants (CESER 2019, P1).
    generalised_gain_per_success: float = param(0.02, ge=0, le=1)
    #: Generalised trust: loss per visible failure per 10k inhabitants.
    generalised_loss_per_failure: float = param(0.01, ge=0, le=1)
    #: Monthly reversion of generalised trust towards its initial level.
    generalised_reversion_per_month: float = param(0.01, ge=0, le=1)
    #: How much generalised trust raises a new tie's start (start × (0.5 + this × g)).
    generalised_weight: float = param(1.25, ge=0, le=5)


@dataclass
class IdeaParams:
    """Process 3: needs perceived → project ideas (CESER 2019, P6: civil society as scouts)."""

    #: Monthly probability of proposing an idea at full need, by kind.
    rate_per_month: PerKind = param(
        factory=_per_kind_defaults(
            collectivite=0.010, firm=0.006, association=0.012, citizen_group=0.012, university=0.004, media=0.002
        )
    )
    #: Relative rise of the idea rate per unit of log(1 + experience).
    experience_boost: float = param(3.0, ge=0, le=50)
    #: Ideas not turned into a coalition are dropped after this long.
    lifetime_months: int = param(6, ge=1, le=120)
    #: Probability that a success spawns a follow-up idea (Territoires Conseils 2018: "Le projet nourrit le projet").
    follow_up_probability: float = param(0.8, ge=0, le=1)
    #: Probability that a deployment spawns the same idea in another territory (essaimer).
    replication_probability: float = param(0.3, ge=0, le=1)
    #: Active projects per 10k inhabitants that halve a domain's perceived need.
    need_half_saturation_per_10k: float = param(40.0, gt=0, le=1_000)
    #: Steepness of that saturation (Hill exponent): 1 gradual, higher is sharper.
    need_saturation_exponent: float = param(4.0, ge=0.5, le=8)


@dataclass
class AllianceParams:
    """Process 4: initiator recruits partners ("ce que j'apporte, ce que j'en retire", Territoires Conseils 2018)."""

    #: Minimum trust for the initiator to invite a partner into a partnership.
    min_partner_trust: float = param(0.17, ge=0, le=1)
    #: Mean trust among members above which the coalition forms an alliance (shared risk, Territoires Conseils 2018).
    alliance_trust: float = param(0.35, ge=0, le=1)
    #: Most partners an initiator recruits, for any coalition (a bound on the distribution below).
    max_partners: int = param(15, ge=1, le=30)
    #: Mean of the number of partners an initiator seeks (each idea draws its own, geometric on 1, 2, ...:
    #: most coalitions small, a few large — consortia in the field are right-skewed with a tail); the initiator
    #: stops earlier once the coalition covers its needs.
    partners_mean: float = param(3.0, ge=1, le=15)
    #: A creative evening (P2) lowers the trust needed to invite its participants by this much: people who meet
    #: in the room can commit to an idea born there (CESER 2019, preconisation 2).
    event_trust_bonus: float = param(0.1, ge=0, le=1)
    #: Resource coverage needed to launch (share of the project's needs met by members).
    min_launch_coverage: float = param(0.45, ge=0, le=1)
    #: A facilitator lowers the trust needed to invite, by this much (Territoires Conseils 2018: aligning interests).
    facilitator_trust_bonus: float = param(0.04, ge=0, le=1)
    #: Monthly chance that an idea's initiator takes it up again when its first attempt failed.
    retry_probability: float = param(0.5, ge=0, le=1)
    #: Projects one facilitator can support at once through their stages (Territoires Conseils 2018; CESER 2019, P4).
    facilitator_project_capacity: int = param(8, ge=0, le=200)


@dataclass
class FundingConfig:
    """Process 5: how a project's budget is pooled (Territoires Conseils 2018: the "règle des 4 tiers")."""

    rule: str = param("four_tiers", choices=("four_tiers", "public_led", "private_led", "matching_funds", "free_mix"))
    #: Target shares of public money, private money, service revenue and valorised volunteering.
    public_share: float = param(0.25, ge=0, le=1)
    private_share: float = param(0.25, ge=0, le=1)
    revenue_share: float = param(0.25, ge=0, le=1)
    volunteering_share: float = param(0.25, ge=0, le=1)
    #: matching_funds: public euros per private euro raised.
    match_ratio: float = param(1.0, ge=0, le=10)
    #: Mean project budget by domain, euros (log-normal around it, ``budget_sigma``: the median is
    #: exp(-sigma²/2) of it).
    budget_eur: PerDomain = param(
        factory=lambda: PerDomain(
            employment_insertion=120_000,
            health_care=100_000,
            mobility=90_000,
            housing=150_000,
            food_short_chains=60_000,
            energy_environment=140_000,
            education_youth=50_000,
            social_link_culture=30_000,
        )
    )
    budget_sigma: float = param(0.6, ge=0, le=3)
    #: Share of the service-revenue tier a coalition can expect, per member with market access.
    revenue_credibility_per_market_member: float = param(0.35, ge=0, le=1)
    #: Yearly cost of one facilitator (engineering, financed apart from projects, Territoires Conseils 2018).
    facilitator_cost_eur_per_year: float = param(55_000, ge=0, le=1_000_000)


@dataclass
class ProjectParams:
    """Process 6: the life cycle and its hazards (Territoires Conseils 2018; CESER 2019)."""

    #: Mean stage durations, months (uniform within ±50%). Territoires Conseils 2018: 36 months of governance dialogue.
    duration_months: PerStage = param(
        factory=lambda: PerStage(seed=6, experimentation=18, consolidation=24, deployment=36)
    )
    #: Monthly failure hazard at reference conditions, by stage.
    base_hazard_per_month: PerStage = param(
        factory=lambda: PerStage(seed=0.030, experimentation=0.020, consolidation=0.010, deployment=0.008)
    )
    #: Log-hazard slopes: how strongly each factor lowers (or shocks raise) the hazard.
    coverage_effect: float = param(1.5, ge=0, le=20)
    trust_effect: float = param(2.0, ge=0, le=20)
    diversity_effect: float = param(0.8, ge=0, le=20)
    facilitation_effect: float = param(0.6, ge=0, le=20)
    experience_effect: float = param(0.3, ge=0, le=20)
    #: Alliances share risk and uncertainty (Territoires Conseils 2018): hazard multiplier.
    alliance_hazard_multiplier: float = param(1.3, ge=0, le=100)
    #: Monthly capture probability of a coalition one member dominates financially, under
    #: classic governance (Territoires Conseils 2018: "détournement du projet au bénéfice d'une des parties").
    moral_hazard_per_month: float = param(0.006, ge=0, le=1)
    #: How much democratic governance (0 classic .. 1 multi-stakeholder) cuts capture.
    democracy_protection: float = param(0.8, ge=0, le=1)
    #: A cooperation "lasts" once it has been active this long (Territoires Conseils 2018: 36 months).
    lasting_after_months: int = param(36, ge=1, le=1200)


@dataclass
class OutcomeParams:
    """Process 7: what successful projects create (Territoires Conseils 2018)."""

    #: Budget euros per job created on reaching consolidation.
    budget_eur_per_job: float = param(60_000, gt=0, le=10_000_000)
    #: Jobs multiplier on deployment (replication adds jobs).
    deployment_job_multiplier: float = param(0.5, ge=0, le=100)
    #: Monthly value created per budget euro while consolidated or deployed.
    value_per_budget_eur_per_month: float = param(0.02, ge=0, le=1)
    #: Alliances create more novel value than partnerships (Territoires Conseils 2018).
    alliance_value_multiplier: float = param(1.5, ge=0, le=100)
    #: Share of the value that is profit, and the share of profit reinvested locally (Territoires Conseils 2018).
    profit_margin: float = param(0.10, ge=0, le=1)
    reinvested_share: float = param(0.30, ge=0, le=1)
    #: A nomadic firm's part of a project's reinvested profit, relative to an anchored member's: the rest
    #: leaves the territory with the group (Reengineering: nomadic groups unbalance local ecosystems;
    #: exogenous development). 1 treats nomadic firms as local ones.
    nomadic_reinvestment_factor: float = param(0.25, ge=0, le=1)
    #: Share of value earned back as service revenue (the revenue tier).
    revenue_share_of_value: float = param(0.3, ge=0, le=1)
