"""What a coalition's composition fixes (docs/ODD.md §7.4; Territoires Conseils 2018): its governance
(sequence 1) and its PHARE partnership type (sequence 2), read off the kinds of its members, who initiates and the
domain. :mod:`simulation.model.alliances` applies them to every coalition of a month at once; the one-coalition
forms (:func:`governance_of`, :func:`phare_type_of`) are the same rules on a batch of one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation.enums import ActorKind, Domain, Governance, PhareType

#: How democratic each governance is: 0 for classic, 1 for multi-stakeholder (what protects from moral hazard).
DEMOCRACY = {Governance.CLASSIC: 0.0, Governance.HYBRID: 0.5, Governance.MULTI_STAKEHOLDER: 1.0}
#: The economic domains: two firms, or a firm with a collectivité, there make an economic cooperation (phare_code).
ECONOMIC_DOMAINS = (Domain.EMPLOYMENT_INSERTION, Domain.ENERGY_ENVIRONMENT, Domain.FOOD_SHORT_CHAINS, Domain.MOBILITY)
#: The kinds of civil society.
CIVIL_KINDS = (ActorKind.ASSOCIATION, ActorKind.CITIZEN_GROUP)


def governance_code(kinds_present: NDArray[np.bool_]) -> NDArray[np.int64]:
    """The three governance forms (Territoires Conseils 2018) from the kinds in each coalition, shape (K, kinds)."""
    n_kinds = kinds_present.sum(axis=1)
    firm = kinds_present[:, ActorKind.FIRM]
    civil = kinds_present[:, list(CIVIL_KINDS)].any(axis=1)
    return np.where(
        n_kinds >= 3, Governance.MULTI_STAKEHOLDER, np.where(firm & civil, Governance.HYBRID, Governance.CLASSIC)
    ).astype(np.int64)


def governance_of(kinds: set[ActorKind]) -> Governance:
    """Governance of one coalition from the set of its kinds."""
    present = np.zeros((1, len(ActorKind)), dtype=bool)
    present[0, [int(k) for k in kinds]] = True
    return Governance(int(governance_code(present)[0]))


def phare_code(
    kinds_present: NDArray[np.bool_], n_firms: NDArray[np.int64], domain: NDArray[np.int64], initiator_kind: NDArray
) -> NDArray[np.int64]:
    """PHARE's partnership type (Territoires Conseils 2018), read off who initiates, with whom and in which domain.

    Assumption (the source gives the four types, not a rule): firm-led with civil
    society outside the economic domains → patronage; two firms, or a firm with
    a collectivité, on an economic domain → economic cooperation; civil-society-led
    with three kinds or more → social innovation; otherwise responsible practices.
    """
    civil = kinds_present[:, list(CIVIL_KINDS)].any(axis=1)
    economic = np.isin(domain, ECONOMIC_DOMAINS)
    firm_led = initiator_kind == ActorKind.FIRM
    civil_led = np.isin(initiator_kind, CIVIL_KINDS)
    firm_public = kinds_present[:, ActorKind.FIRM] & kinds_present[:, ActorKind.COLLECTIVITE]
    out = np.full(len(domain), PhareType.RESPONSIBLE_PRACTICES, dtype=np.int64)
    out[civil_led & (kinds_present.sum(axis=1) >= 3)] = PhareType.SOCIAL_INNOVATION
    out[economic & ((n_firms >= 2) | firm_public)] = PhareType.ECONOMIC_COOPERATION
    out[firm_led & civil & ~economic] = PhareType.PATRONAGE
    return out


def phare_type_of(kinds: list[ActorKind], domain: Domain, initiator_kind: ActorKind) -> PhareType:
    """PHARE type of one coalition (see :func:`phare_code`)."""
    present = np.zeros((1, len(ActorKind)), dtype=bool)
    present[0, [int(k) for k in kinds]] = True
    n_firms = np.array([kinds.count(ActorKind.FIRM)])
    return PhareType(int(phare_code(present, n_firms, np.array([domain]), np.array([initiator_kind]))[0]))
