"""The model's vocabulary: actor kinds, domains, resources, stages and forms.

Integer enums, because every one of them also indexes a numpy array (actor
kind per actor, need per territory and domain, ...). Names are the ones used
in configs, result files, plots and the ODD (``docs/ODD.md``).

Sources (docs/references.md): actor kinds and what they bring / seek — the
"chaîne de valeur territoriale" table of Territoires Conseils 2018; domains — a
grouping of its 16 PHARE domains; stages — amorçage / expérimentation /
pérenniser / essaimer (Territoires Conseils 2018; CESER 2019); governance forms and
partnership vs alliance — Territoires Conseils 2018; PHARE's four partnership types —
Territoires Conseils 2018.
"""

from __future__ import annotations

from enum import IntEnum


class ActorKind(IntEnum):
    """Kinds of territorial actor (the value-chain table of Territoires Conseils 2018)."""

    COLLECTIVITE = 0
    FIRM = 1
    ASSOCIATION = 2
    CITIZEN_GROUP = 3
    UNIVERSITY = 4
    MEDIA = 5

    @property
    def label(self) -> str:
        return self.name.lower()


#: Kinds counted as the "public" sector when deciding whether a tie crosses sectors.
SECTOR_OF_KIND = {
    ActorKind.COLLECTIVITE: 0,  # public
    ActorKind.FIRM: 1,  # private
    ActorKind.ASSOCIATION: 2,  # associative / ESS
    ActorKind.CITIZEN_GROUP: 2,  # civil society, same prism as associations
    ActorKind.UNIVERSITY: 0,  # public research
    ActorKind.MEDIA: 1,  # private
}


class Domain(IntEnum):
    """Need domains: the 16 PHARE domains of Territoires Conseils 2018 grouped into eight (docs/ODD.md §2)."""

    EMPLOYMENT_INSERTION = 0
    HEALTH_CARE = 1
    MOBILITY = 2
    HOUSING = 3
    FOOD_SHORT_CHAINS = 4
    ENERGY_ENVIRONMENT = 5
    EDUCATION_YOUTH = 6
    SOCIAL_LINK_CULTURE = 7

    @property
    def label(self) -> str:
        return self.name.lower()


class Resource(IntEnum):
    """What actors bring to a coalition (the value-chain table of Territoires Conseils 2018, grouped)."""

    MONEY = 0  # financial contribution (firms, collectivités)
    SKILLS = 1  # HR skills, mécénat de compétences, expertise
    VOLUNTEERING = 2  # participation, volunteers, enthusiasm
    PUBLIC_BACKING = 3  # political backing, procurement, premises, trusted third party
    KNOWLEDGE = 4  # detection of needs, ideas, territorial watch, visibility


class Stage(IntEnum):
    """Project life cycle (Territoires Conseils 2018; CESER 2019). Stages only move forward, or end in FAILED."""

    SEED = 0  # amorçage
    EXPERIMENTATION = 1  # expérimentation collective
    CONSOLIDATION = 2  # pérenniser
    DEPLOYMENT = 3  # essaimer (replication elsewhere)
    FAILED = 4

    @property
    def label(self) -> str:
        return self.name.lower()


ACTIVE_STAGES = (Stage.SEED, Stage.EXPERIMENTATION, Stage.CONSOLIDATION, Stage.DEPLOYMENT)


class Governance(IntEnum):
    """Governance forms of Territoires Conseils 2018."""

    CLASSIC = 0  # a single actor leads, others contribute
    HYBRID = 1  # firm + association (classic / ESS hybrid)
    MULTI_STAKEHOLDER = 2  # territorial entrepreneurship, e.g. a SCIC


class Form(IntEnum):
    """Territoires Conseils 2018: a partnership has a defined frame; an alliance shares risk."""

    PARTNERSHIP = 0
    ALLIANCE = 1


class PhareType(IntEnum):
    """PHARE's four complementary partnership types (Territoires Conseils 2018)."""

    PATRONAGE = 0  # mécénat
    RESPONSIBLE_PRACTICES = 1
    ECONOMIC_COOPERATION = 2
    SOCIAL_INNOVATION = 3


class FailureCause(IntEnum):
    """Why a project ended."""

    NONE = 0
    ATTRITION = 1  # the stage hazard: resources, trust, diversity, experience, shocks
    CAPTURE = 2  # moral hazard: one party captures the project (Territoires Conseils 2018)


class FundingSource(IntEnum):
    """Where a project's euros come from; every euro spent is debited from one."""

    PUBLIC_LOCAL = 0  # collectivités' own project budgets
    LOCAL_FUND = 1  # territory fund fed by reinvested profits (Territoires Conseils 2018)
    PUBLIC_POLICY = 2  # regional schemes of a policy lever (issue: policies)
    PRIVATE = 3  # firms' money
    VOLUNTEERING = 4  # valorised volunteer time (the fourth "tier" of Territoires Conseils 2018)
    REVENUE = 5  # service revenue earned by the project itself


#: Public money: the denominator of "public euros per job" and of leverage.
#: The local fund holds reinvested project profits, so it is not public money.
PUBLIC_SOURCES = (FundingSource.PUBLIC_LOCAL, FundingSource.PUBLIC_POLICY)

#: The members of each enum, indexed by value (their values are 0, 1, 2, ...): ``STAGES[i]`` is a
#: tuple look-up where ``Stage(i)`` is a call (hundreds of thousands a large run).
KINDS = tuple(ActorKind)
DOMAINS = tuple(Domain)
STAGES = tuple(Stage)
CAUSES = tuple(FailureCause)
GOVERNANCES = tuple(Governance)
FORMS = tuple(Form)
PHARE_TYPES = tuple(PhareType)
