"""The policy levers of docs/ODD.md §7.9, one class each.

The CESER's eight preconisations (CESER 2019, P1–P8, numbered as there),
capacity building of elected officials and staff (LeadeR Maroc 2018, the
training cycle), priority to local firms and public procurement
(Reengineering, principles of action; Territoires Conseils 2018), and the
"attractiveness" counterfactual that subsidises nomadic firms and big
emblematic projects (Reengineering). Sources: docs/references.md. Effects scale with each lever's yearly budget through
``intensity`` (budget in units of 100 k€); the effect sizes are assumptions
(ODD §7.9), to be calibrated. No lever spends more than its yearly budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from simulation.enums import DOMAINS, ActorKind, Form, Governance
from simulation.model.ideas import Idea, effective_need
from simulation.policies import EMPTY_PAIRS, Pairs, Policy

if TYPE_CHECKING:
    from simulation.config import PolicyConfig
    from simulation.model.alliances import Coalition
    from simulation.model.model import TerritorialModel


class Communication(Policy):
    """P1 — "Valoriser les expériences en communiquant sur leurs résultats, impacts, déroulés" (CESER 2019).

    Makes successes more visible: multiplies the reputation gain of successful
    members' acquaintances and the rise of generalised trust.
    """

    name = "p1_communication"

    def on_month(self, model: TerritorialModel) -> None:
        self.spend_monthly(model)

    def visibility_multiplier(self, model: TerritorialModel) -> float:
        return 1.0 + self.params["visibility_gain_per_100k_eur"] * self.intensity if self.budget_eur_per_year else 1.0


class CreativeEvenings(Policy):
    """P2 — "Stimuler l'émergence de projets … par l'organisation de « soirées créatives »" (CESER 2019).

    Each event gathers participants of one territory (drawn in proportion to its inhabitants: a territory holds
    as many events as its size calls for) who meet across sectors, and ideas are born there: each event starts
    ``ideas_per_event`` ideas on average (a Poisson count), each with an initiator among the participants, in a
    domain their interests and the territory's needs point to, and the other participants as people it may
    invite to its coalition with less trust than usual (``alliances.event_trust_bonus``): "stimuler l'émergence
    de projets de coopérations".
    """

    name = "p2_creative_evenings"

    def __init__(self, cfg: PolicyConfig, model: TerritorialModel, seed: int) -> None:
        super().__init__(cfg, model, seed)
        self._pairs: Pairs = EMPTY_PAIRS
        population = model.territories.population
        self._territory_weights = population / population.sum()

    def on_month(self, model: TerritorialModel) -> None:
        cost = self.params["cost_per_event_eur"]
        a_parts, b_parts = [], []
        while self.affords(cost):
            t = int(self.rng.choice(len(model.territories), p=self._territory_weights))
            lo, hi = model.actors.start[t], model.actors.start[t + 1]
            k = min(int(self.params["participants_per_event"]), int(hi - lo))
            self.pay(cost)
            model.ledger.lever(self.name)[model.month, t] += cost
            if k < 2:  # a territory the sample holds (almost) no one of: the event's money is spent, no one met
                continue
            people = lo + self.rng.choice(hi - lo, size=k, replace=False)
            m = int(self.params["meetings_per_participant"])
            a_parts.append(np.repeat(people, m))
            b_parts.append(people[self.rng.integers(0, k, size=k * m)])
            self._ideas_at(model, t, people)
        self._pairs = (np.concatenate(a_parts), np.concatenate(b_parts)) if a_parts else EMPTY_PAIRS

    def _ideas_at(self, model: TerritorialModel, territory: int, people: NDArray[np.int64]) -> None:
        """The ideas an event starts: initiators among its participants, domains by their interests × needs."""
        n = int(self.rng.poisson(self.params["ideas_per_event"]))
        if n == 0:
            return
        need = effective_need(model)[territory]
        for initiator in self.rng.choice(people, size=n):
            weights = model.actors.interest[initiator] * need
            total = weights.sum()
            if total <= 0:
                continue
            domain = int(self.rng.choice(len(weights), p=weights / total))
            idea = Idea(int(initiator), territory, DOMAINS[domain], model.month, "event", pool=tuple(people.tolist()))
            model.pending_ideas.append(idea)
            model.counters.add("ideas", 1)
            model.counters.add("event_ideas", 1)

    def extra_encounters(self, model: TerritorialModel) -> Pairs:
        return self._pairs

    @property
    def unit_eur(self) -> float:
        return self.params["cost_per_event_eur"]


class Grant(Policy):
    """Base of the levers that offer public money to a coalition's project when it launches."""

    def eligible(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> bool:
        return True

    def grant_eur(self, budget_eur: float) -> float:
        return self.params["grant_eur"]

    @property
    def unit_eur(self) -> float:
        return self.params.get("grant_eur", self.params.get("max_eur_per_project", 0.0))

    def public_offer(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> float:
        if self.budget_eur_per_year <= 0 or not self.eligible(model, coalition, idea, budget_eur):
            return 0.0
        grant = self.grant_eur(budget_eur)
        return grant if grant > 0 and self.affords(grant) else 0.0


class SeedGrants(Grant):
    """P3 — "Mettre en place des bourses dédiées à l'amorçage de projets" (CESER 2019)."""

    name = "p3_seed_grants"


class FundedFacilitation(Policy):
    """P4 — "Considérer l'ingénierie de projet comme un acte d'investissement" (CESER 2019).

    Hires as many facilitators as the yearly budget pays for (the remainder as
    a part-time one), first in the territories that have none (most fragile
    first), and pays them monthly as engineering, apart from the projects (Territoires Conseils 2018).
    """

    name = "p4_facilitation"

    def on_month(self, model: TerritorialModel) -> None:
        cost = self.params["cost_per_facilitator_eur_per_year"]
        if model.month == 0:
            full, part = divmod(self.budget_eur_per_year, cost)
            ftes = [1.0] * int(full) + ([part / cost] if part > 0 else [])
            terr = model.territories
            order = sorted(range(len(terr)), key=lambda t: (terr.facilitators[t] > 0, -terr.fragility[t].mean(), t))
            for i, fte in enumerate(ftes):
                model.add_facilitator(order[i % len(order)], funder=self.name, fte=fte)
        for f in model.facilitators:
            if f.funder == self.name:
                eur = min(f.fte * cost / 12.0, self.remaining_eur)
                self.pay(eur)
                model.ledger.book_engineering(model.month, f.territory, eur, lever=self.name)


class SuccessFactorSelection(Grant):
    """P5 — "Sélectionner les projets à partir des critères identifiés comme des facteurs de réussite".

    Grants only coalitions that show the success factors the CESER refers to (CESER 2019, not listed there)
    and Territoires Conseils 2018 names: several kinds of actor, democratic governance, trust among members.
    """

    name = "p5_selection"

    def eligible(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> bool:
        kinds = len(set(model.actors.kind[coalition.members].tolist()))
        return (
            kinds >= self.params["min_kinds"]
            and coalition.governance != Governance.CLASSIC
            and coalition.mean_trust >= self.params["min_trust"]
        )


class CivilSocietyScouts(Policy):
    """P6 — "S'appuyer sur la société civile pour repérer les projets" (CESER 2019; CDG 2021)."""

    name = "p6_civil_society"

    def on_month(self, model: TerritorialModel) -> None:
        civil = np.isin(model.actors.kind, (ActorKind.ASSOCIATION, ActorKind.CITIZEN_GROUP))
        weights = np.bincount(model.actors.territory[civil], minlength=len(model.territories)).astype(float)
        self.spend_monthly(model, weights if weights.sum() else None)

    def idea_rate_multiplier(self, model: TerritorialModel) -> NDArray[np.float64] | float:
        civil = np.isin(model.actors.kind, (ActorKind.ASSOCIATION, ActorKind.CITIZEN_GROUP))
        return np.where(civil, 1.0 + self.params["idea_gain_per_100k_eur"] * self.intensity, 1.0)


class InnovationFund(Grant):
    """P7 — "Créer un fonds régional d'innovation dédié aux coopérations économiques territoriales".

    Co-finances the innovative coalitions — alliances and multi-stakeholder
    ventures (Territoires Conseils 2018, sequence 3) — for a share of their budget.
    """

    name = "p7_innovation_fund"

    def eligible(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> bool:
        return coalition.form == Form.ALLIANCE or coalition.governance == Governance.MULTI_STAKEHOLDER

    def grant_eur(self, budget_eur: float) -> float:
        return min(self.params["cofinance_share"] * budget_eur, self.params["max_eur_per_project"])


class SupportNetworks(Policy):
    """P8 — regional support networks and thematic communities (CESER 2019).

    Experienced actors of different territories meet (cross-territory
    learning), and deployed projects are replicated more often.
    """

    name = "p8_networks"

    def on_month(self, model: TerritorialModel) -> None:
        self.spend_monthly(model)

    def extra_encounters(self, model: TerritorialModel) -> Pairs:
        # the real region's meetings a month, in the sample: a Poisson count of their expected number
        expected = self.params["encounters_per_100k_eur"] * self.intensity * model.territories.sample_fraction
        n = int(self.rng.poisson(expected))
        experienced = np.flatnonzero(model.actors.experience >= 1)
        if n == 0 or len(experienced) < 2:
            return EMPTY_PAIRS
        a = experienced[self.rng.integers(0, len(experienced), n)]
        b = experienced[self.rng.integers(0, len(experienced), n)]
        other = model.actors.territory[a] != model.actors.territory[b]
        return a[other], b[other]

    def replication_multiplier(self, model: TerritorialModel) -> float:
        return 1.0 + self.params["replication_gain_per_100k_eur"] * self.intensity


class CapacityBuilding(Policy):
    """Training elected officials and staff (LeadeR Maroc 2018: "le développement des capacités des élus et cadres").

    Each month the budget trains collectivités; a trained collectivité
    proposes more ideas and its projects fail less.
    """

    name = "capacity_building"

    def __init__(self, cfg: PolicyConfig, model: TerritorialModel, seed: int) -> None:
        super().__init__(cfg, model, seed)
        self.trained = np.zeros(model.actors.n, dtype=bool)

    def on_month(self, model: TerritorialModel) -> None:
        cost = self.params["cost_per_trainee_eur"]
        untrained = np.flatnonzero((model.actors.kind == ActorKind.COLLECTIVITE) & ~self.trained)
        n = 0
        while n < len(untrained) and self.affords(cost):
            self.pay(cost)
            n += 1
        if n == 0:
            return
        who = self.rng.choice(untrained, size=n, replace=False)
        self.trained[who] = True
        np.add.at(model.ledger.lever(self.name)[model.month], model.actors.territory[who], cost)

    @property
    def unit_eur(self) -> float:
        return self.params["cost_per_trainee_eur"]

    def idea_rate_multiplier(self, model: TerritorialModel) -> NDArray[np.float64] | float:
        return np.where(self.trained, 1.0 + self.params["idea_gain"], 1.0)

    def hazard_multiplier(self, model: TerritorialModel, ids: NDArray[np.int64]) -> NDArray[np.float64] | float:
        if not self.trained.any():
            return 1.0
        # the trained among the members of all the projects, counted project by project
        table = model.projects
        counts = table.member_count[ids]
        trained = self.trained[table.all_members(ids)]
        with_trained = np.bincount(np.repeat(np.arange(len(ids)), counts), weights=trained, minlength=len(ids)) > 0
        return np.where(with_trained, 1.0 - self.params["hazard_reduction"], 1.0)


class LocalPriority(Grant):
    """Priority to local firms and endogenous development through public procurement.

    Public buyers commit procurement to projects that join a local (not
    nomadic) firm and a collectivité (Reengineering: "La priorité aux entreprises
    locales"; Territoires Conseils 2018: "Utiliser la commande publique").
    """

    name = "local_priority"

    def eligible(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> bool:
        a = model.actors
        m = coalition.members
        local_firm = bool(((a.kind[m] == ActorKind.FIRM) & ~a.nomadic[m]).any())
        return local_firm and bool((a.kind[m] == ActorKind.COLLECTIVITE).any())


class Attractiveness(Grant):
    """The "attractiveness" counterfactual (Reengineering): subsidise nomadic firms and big emblematic projects.

    Large grants go to projects that include a nomadic firm or whose budget
    makes them emblematic — what Reengineering argues unbalances local ecosystems.
    """

    name = "attractiveness"

    def eligible(self, model: TerritorialModel, coalition: Coalition, idea: Idea, budget_eur: float) -> bool:
        nomadic = bool(model.actors.nomadic[coalition.members].any())
        return nomadic or budget_eur >= self.params["emblematic_budget_eur"]
