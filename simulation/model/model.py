"""The model: a region's territories, actors, trust network, ideas and projects, month by month.

See :meth:`TerritorialModel.step` for the order of the month's processes and
``docs/ODD.md`` for the full description, with the seed each mechanism comes from.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import time
from collections.abc import Callable, Iterator
from itertools import compress
from typing import Any

import mesa
import numpy as np

from simulation.config import Config, validate
from simulation.model import outcomes
from simulation.model.agents import Actor, ActorTable, Facilitator
from simulation.model.alliances import Coalitions, form_coalitions, fund_coalitions
from simulation.model.encounters import encounters, initial_trust, random_in_territory
from simulation.model.funding import make_rule
from simulation.model.ideas import Idea, column, generate_ideas
from simulation.model.impacts import create_value, update_trust_from_projects
from simulation.model.ledger import Ledger
from simulation.model.projects import ProjectTable
from simulation.model.shocks import ShockState, shock_state
from simulation.model.stages import advance_projects
from simulation.model.territory import Territories, actor_counts, region_table
from simulation.model.trust import TrustNetwork
from simulation.policies import Hooks, make_policies
from simulation.streams import stream

# Mesa logs every step at INFO; under Hydra's logging that floods the console.
logging.getLogger("MESA").setLevel(logging.WARNING)

#: One random stream per process (and one per policy, see ``simulation.policies``).
STREAMS = ("setup", "encounters", "facilitation", "ideas", "alliances", "funding", "projects")
#: The month's processes, in order: each a method of the model without arguments, documented in
#: :meth:`TerritorialModel.step` (a test holds the two equal). A benchmark or a profiler times them through
#: :attr:`TerritorialModel.process_timer`; a lesson may skip some (:attr:`TerritorialModel.skip`).
PROCESSES: tuple[str, ...] = (
    "apply_shocks",
    "refresh_budgets",
    "pay_engineering",
    "run_policies",
    "encounters",
    "decay_trust",
    "generate_ideas",
    "form_alliances",
    "fund_coalitions",
    "advance_projects",
    "update_trust_from_projects",
    "create_value",
    "update_generalised_trust",
    "collect",
)
#: Generalised trust follows the visible successes and failures of about this many past months (an exponential
#: average): social capital changes slowly, and a sample's few successes of a small territory, counted month by
#: month, would move it in jumps its real territory does not make.
MEMORY_MONTHS = 12.0
#: Above this many actors the network indicators are computed yearly unless the config says
#: otherwise (``output.network_indicators_every_months``): passes over millions of ties; and the
#: garbage collector's full collections wait for the end of the run (:func:`_full_collections_deferred`).
LARGE_REGION_ACTORS = 20_000


@contextlib.contextmanager
def _full_collections_deferred(large: bool) -> Iterator[None]:
    """For a large region, Python's cyclic garbage collector makes no full collection while the block runs,
    and makes one when it ends if one came due meanwhile; young objects are collected as usual throughout.

    A full collection sweeps every object again: at 100,000 actors about 0.12 s each, four of them in a
    decade and one while the agents are made, yet the run's long-lived objects (agents, network, tables)
    live until it ends, and what a month leaves behind is freed by reference counting. The one collection
    at the end frees what earlier models left (a Mesa model is a reference cycle: only a full collection
    frees it). A small region is left to the collector's usual rule: there a full collection costs little
    against what it frees, and one per run would cost more than the run's collections.
    """
    if not large:
        yield
        return
    thresholds = gc.get_threshold()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if gc.get_count()[2] > thresholds[2]:
            gc.collect()


class Counters:
    """Event counts of the current month and since the start."""

    def __init__(self) -> None:
        self.month: dict[str, float] = {}
        self.total: dict[str, float] = {}

    def add(self, name: str, value: float) -> None:
        self.month[name] = self.month.get(name, 0.0) + value
        self.total[name] = self.total.get(name, 0.0) + value

    def new_month(self) -> None:
        self.month = {}


class TerritorialModel(mesa.Model):
    """Emergence of cooperations between territorial actors (specification: docs/ODD.md).

    Args:
        config: the validated configuration (defaults: ``Config()``).
        seed: overrides ``config.seed`` when given (0 is a valid seed).
    """

    def __init__(self, config: Config | None = None, *, seed: int | None = None) -> None:
        cfg = config if config is not None else Config()
        if seed is not None:
            cfg = dataclasses.replace(cfg, seed=seed)
        validate(cfg)
        super().__init__(rng=cfg.seed)
        self.config = cfg
        #: The current month, 0-based (month 0 is the first January); set as each step starts (it is read
        #: hundreds of thousands of times a run).
        self.month = 0
        self.streams = {name: stream(cfg.seed, name) for name in STREAMS}

        #: The region's territories, one row each, as the data (or the configuration) gives them.
        self.territory_table = region_table(cfg.region)
        self.territories = Territories.from_table(self.territory_table, cfg.region)
        counts = actor_counts(self.territory_table, cfg.region)
        self.actors_per_territory = counts.sum(axis=1).astype(np.float64)
        self.actors = ActorTable(counts, cfg.region, cfg.actors, self.streams["setup"])
        # (Actor.create_agents would also build an AgentSet and a keyword dict per agent: 0.4 s at 100k actors.)
        with _full_collections_deferred(large=self.large_region):
            self.actor_agents: list[Actor] = [Actor(self, i) for i in range(self.actors.n)]
        self.trust = TrustNetwork(self.actors.n, self.actors.sector, cfg.trust.prune_below)
        self._seed_acquaintances()

        self.facilitators: list[Facilitator] = []
        self.facilitators_by_territory: list[list[Facilitator]] = [[] for _ in range(len(self.territories))]
        for t, fte in enumerate(self.territories.facilitators.tolist()):  # in the sample: whole ones, then a part
            full, part = divmod(fte, 1.0)
            for share in [1.0] * int(full) + ([part] if part > 1e-9 else []):
                self.add_facilitator(t, "territory", share)
        self.facilitator_of: dict[int, Facilitator] = {}

        self.funding_rule = make_rule(cfg.funding)
        self.projects = ProjectTable(len(self.territories))
        self.ledger = Ledger(cfg.horizon_months, len(self.territories))
        self.counters = Counters()
        self.pending_ideas: list[Idea] = []
        #: The month's coalitions, between :meth:`form_alliances` and :meth:`fund_coalitions`.
        self.coalitions = Coalitions.none()
        self.visible_successes = np.zeros(len(self.territories))
        self.visible_failures = np.zeros(len(self.territories))
        #: Visible successes and failures per 10,000 inhabitants a month, as people remember them: an average
        #: over about the last year (:data:`MEMORY_MONTHS`), which generalised trust follows.
        self.success_rate = np.zeros(len(self.territories))
        self.failure_rate = np.zeros(len(self.territories))
        self.shock = ShockState()
        self.policies = make_policies(cfg.policies, self, cfg.seed)
        self.hooks = Hooks(self.policies)
        self.datacollector = mesa.DataCollector(model_reporters=outcomes.reporters())
        self.network_cache: dict[str, float] = {}
        self.collecting: dict[str, Any] | None = None
        #: The needs (``ideas.effective_need``) and the version of the active projects they were computed for.
        self.need_cache: tuple[int, np.ndarray] | None = None
        #: Called after each process with its name and seconds, when set (a benchmark's or profiler's timer).
        self.process_timer: Callable[[str, float], None] | None = None
        #: Processes not run (names of :data:`PROCESSES`): for demonstrations only; results then differ.
        self.skip: frozenset[str] = frozenset()

    # ------------------------------------------------------------------ set-up

    def _seed_acquaintances(self) -> None:
        """Each actor starts with a few acquaintances in its territory, at low trust."""
        rng = self.streams["setup"]
        n_ties = rng.poisson(self.config.encounters.initial_ties_per_actor / 2, size=self.actors.n)
        a = np.repeat(np.arange(self.actors.n, dtype=np.int64), n_ties)
        b = random_in_territory(self, self.actors.territory[a], rng.random(len(a)))
        cross = self.actors.sector[a] != self.actors.sector[b]
        keep = ~cross | (rng.random(len(a)) < self.config.encounters.cross_sector_acceptance)
        a, b = a[keep], b[keep]
        t = self.config.trust
        self.trust.meet(a, b, initial_trust(self, a, b), t.acquaintance_cap, t.acquaintance_gain)
        self.trust.compact()

    def add_facilitator(self, territory: int, funder: str, fte: float = 1.0) -> Facilitator:
        """A facilitator serving ``territory``, paid by ``funder`` (the territory or a policy)."""
        f = Facilitator(self, territory, funder, fte)
        self.facilitators.append(f)
        self.facilitators_by_territory[territory].append(f)
        return f

    @property
    def large_region(self) -> bool:
        """More than :data:`LARGE_REGION_ACTORS` actors: yearly network indicators, full collections deferred."""
        return self.actors.n > LARGE_REGION_ACTORS

    def facilitator_with_room(self, territory: int) -> Facilitator | None:
        """The first facilitator of the territory with room for one more project."""
        for f in self.facilitators_by_territory[territory]:
            if f.has_room:
                return f
        return None

    def release_facilitator(self, project_id: int) -> None:
        f = self.facilitator_of.pop(project_id, None)
        if f is not None:
            f.supported.discard(project_id)

    # ------------------------------------------------------------------ time

    def step(self) -> None:
        """One month. The processes run in this order (docs/ODD.md §3):

        1. ``apply_shocks`` — the multipliers of any dated shock in force (Reengineering: the covid crisis);
        2. ``refresh_budgets`` — each January actors get their yearly budgets
           and volunteer hours, unspent ones lapse, and levers start a new year;
        3. ``pay_engineering`` — facilitators' monthly cost, apart from projects (Territoires Conseils 2018);
        4. ``run_policies`` — each lever's monthly action (docs/ODD.md §7.9);
        5. ``encounters`` — network, territory, cross-territory, facilitators, events (process 1);
        6. ``decay_trust`` — unused ties fade and weak ones are pruned (process 2);
        7. ``generate_ideas`` — perceived needs become ideas (process 3);
        8. ``form_alliances`` — initiators recruit partners: the month's coalitions (process 4);
        9. ``fund_coalitions`` — the funding rule plans and commits their funding, and the
           funded ones launch (process 5);
        10. ``advance_projects`` — failures and stage transitions, with their
            experience, jobs and follow-up ideas (processes 6, 7);
        11. ``update_trust_from_projects`` — the month's joint successes and
            failures, and the reputation of successful members, in one batch (process 2);
        12. ``create_value`` — value, revenue and reinvested profit of consolidated projects (process 7);
        13. ``update_generalised_trust`` — visible successes and failures (process 2; CESER 2019, P1);
        14. ``collect`` — the month's indicators (docs/ODD.md § Outputs).
        """
        self.month = self.steps - 1  # Mesa counts the step before calling it
        self.counters.new_month()
        for name in PROCESSES:
            if name in self.skip:
                continue
            if self.process_timer is None:
                getattr(self, name)()
            else:
                start = time.perf_counter()
                getattr(self, name)()
                self.process_timer(name, time.perf_counter() - start)

    def encounters(self) -> None:
        """Process 1: the month's encounters make and strengthen ties (:mod:`simulation.model.encounters`)."""
        self.counters.add("new_ties", encounters(self))

    def advance_projects(self) -> None:
        """Processes 6, 7: failures and stage transitions (:mod:`simulation.model.projects`)."""
        advance_projects(self)

    def update_trust_from_projects(self) -> None:
        """Process 2: the month's joint successes and failures change trust (:mod:`simulation.model.impacts`)."""
        update_trust_from_projects(self)

    def create_value(self) -> None:
        """Process 7: value, revenue and reinvested profit of consolidated projects (``model.impacts``)."""
        create_value(self)

    def run(self, months: int | None = None, between_months: Callable[[], None] | None = None) -> TerritorialModel:
        """Run ``months`` steps (default: the configured horizon), calling ``between_months`` after each (the
        command's check for Ctrl-C, :func:`simulation.runs.interrupts.check`)."""
        with _full_collections_deferred(large=self.large_region):
            for _ in range(self.config.horizon_months if months is None else months):
                self.step()
                if between_months is not None:
                    between_months()
        return self

    # ------------------------------------------------------------------ processes

    def apply_shocks(self) -> None:
        """Process 8: set this month's shock multipliers; a starting shock cuts what budgets remain."""
        new = shock_state(self.config.shocks.events, self.month)
        if new.resource_factor < self.shock.resource_factor and self.month % 12 != 0:
            keep = new.resource_factor / self.shock.resource_factor
            withdrawn = self.actors.budget_eur * (1.0 - keep)
            self.ledger.actor_withdrawn_eur += float(withdrawn.sum())
            self.actors.budget_eur -= withdrawn
            hours_before = float(self.actors.volunteer_hours.sum())
            self.actors.volunteer_hours *= keep
            self.ledger.actor_withdrawn_hours += hours_before - float(self.actors.volunteer_hours.sum())
        self.shock = new

    def refresh_budgets(self) -> None:
        """Each January: new yearly budgets (scaled by any shock); what was not spent lapses."""
        if self.month % 12 != 0:
            return
        a = self.actors
        self.ledger.actor_lapsed_eur += float(a.budget_eur.sum())
        self.ledger.actor_lapsed_hours += float(a.volunteer_hours.sum())
        a.budget_eur = a.yearly_budget_eur * self.shock.resource_factor
        a.volunteer_hours = a.yearly_volunteer_hours * self.shock.resource_factor
        self.ledger.actor_allocated_eur += float(a.budget_eur.sum())
        self.ledger.actor_allocated_hours += float(a.volunteer_hours.sum())
        self.hooks.new_year()

    def pay_engineering(self) -> None:
        """The territories' facilitators' monthly cost, financed apart from projects (Territoires Conseils 2018).

        Facilitators funded by a policy lever are paid by that lever, from its budget.
        """
        monthly = self.config.funding.facilitator_cost_eur_per_year / 12
        for f in self.facilitators:
            if f.funder == "territory":
                self.ledger.book_engineering(self.month, f.territory, monthly * f.fte)

    def run_policies(self) -> None:
        """Each lever's monthly action (hire facilitators, hold events, ...)."""
        self.hooks.on_month(self)

    def decay_trust(self) -> None:
        """Process 2: ties fade unless used; those under ``trust.prune_below`` are forgotten."""
        self.trust.decay(self.config.trust.decay_per_month)

    def generate_ideas(self) -> None:
        """Process 3: this month's ideas join the pending ones."""
        new = generate_ideas(self)
        self.counters.add("ideas", len(new))
        self.pending_ideas.extend(new)

    def form_alliances(self) -> None:
        """Process 4: each pending idea's initiator tries to build a coalition (:attr:`coalitions`).

        A new idea is always tried; an older one is taken up again with
        ``retry_probability``; ideas older than ``lifetime_months`` are dropped.
        """
        cfg = self.config
        rng = self.streams["alliances"]
        pending = self.pending_ideas
        age = self.month - column(pending, "created_month")
        alive = age < cfg.ideas.lifetime_months
        if not alive.all():
            self.counters.add("ideas_dropped", int((~alive).sum()))
        # one draw per living idea older than a month, in the ideas' order
        retry = np.ones(len(pending), dtype=bool)
        old = alive & (age > 0)
        retry[old] = rng.random(int(old.sum())) < cfg.alliances.retry_probability
        tried = list(compress(pending, (alive & retry).tolist()))
        self.pending_ideas = list(compress(pending, (alive & ~retry).tolist()))
        self.coalitions = form_coalitions(self, tried)

    def fund_coalitions(self) -> None:
        """Process 5: the month's coalitions are funded and launched; an idea left without a project stays
        pending (after those not tried this month)."""
        batch, self.coalitions = self.coalitions, Coalitions.none()
        projects = fund_coalitions(self, batch)
        waiting = [idea for idea, p in zip(batch.ideas, projects, strict=True) if p is None]
        self.pending_ideas.extend(waiting)
        launched = len(projects) - len(waiting)
        if launched:  # (counted at once: a sum of ones, the same float)
            self.counters.add("projects_launched", launched)

    def update_generalised_trust(self) -> None:
        """A territory's generalised trust rises with visible successes (CESER 2019, P1), falls with failures."""
        t = self.config.trust
        terr = self.territories
        g = terr.generalised_trust
        vis = self.hooks.visibility_multiplier(self)
        pop = terr.population_10k
        keep = np.exp(-1.0 / MEMORY_MONTHS)
        self.success_rate = keep * self.success_rate + (1.0 - keep) * self.visible_successes / pop
        self.failure_rate = keep * self.failure_rate + (1.0 - keep) * self.visible_failures / pop
        g += t.generalised_gain_per_success * vis * self.success_rate * (1.0 - g)
        g -= t.generalised_loss_per_failure * self.failure_rate * g
        g += t.generalised_reversion_per_month * (terr.generalised_trust_initial - g)
        np.clip(g, 0.0, 1.0, out=g)
        self.visible_successes[:] = 0
        self.visible_failures[:] = 0

    def collect(self) -> None:
        """Process 12: record the month's named indicators (``simulation.model.outcomes``)."""
        every = self.config.output.network_indicators_every_months or (12 if self.large_region else 1)
        if self.month % every == 0 or not self.network_cache:
            start = time.perf_counter()
            self.network_cache |= self.trust.indicators()
            if self.process_timer is not None:  # the network's pass, apart: it follows the ties, not the projects
                self.process_timer("network_indicators", time.perf_counter() - start)
        self.collecting = {}  # what several indicators share, made once (simulation.model.outcomes)
        try:
            self.datacollector.collect(self)
        finally:
            self.collecting = None
