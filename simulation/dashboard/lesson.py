"""The lesson: two models of the same region and seed, without and with the chosen policies, stepped together.

Both models are built from the same composed configuration (``configs/``,
as ``python -m simulation.run`` does), so the panel "without" is exactly the
baseline run of that region and seed, and the panel "with" differs only by
its policy levers (docs/ODD.md §7.9; P1–P8 are the CESER's preconisations, CESER 2019).
Each process and each lever draws from its own random stream (common random
numbers), so what differs between the panels is the policy, not the luck.

What the page shows is read from the models' named reporters
(``simulation.model.outcomes``): nothing is recomputed here.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from simulation.config import (
    CONFIG_DIR,
    Config,
    ConfigError,
    PoliciesConfig,
    PolicyConfig,
    ScenarioConfig,
    compose,
    validate,
)
from simulation.config.levers import LEVERS as DECLARED_LEVERS
from simulation.dashboard import labels
from simulation.dashboard.network import shared_y_max
from simulation.enums import ActorKind, Stage
from simulation.model.model import TerritorialModel
from simulation.model.outcomes import INTENSIVE, real
from simulation.model.territory import actor_counts, region_table

#: The region presets (``configs/region/*.yaml``) a class is offered, the default first: real territories small
#: enough to animate with their network drawn — a French département (Cantal, 9 EPCI) and a Moroccan region
#: (the Oriental's 8 provinces and préfectures), each a sample of its organisations (``region.sample_fraction``)
#: — then the model's default region, whose 164 EPCI are too many actors to animate (curves and counters only).
#: The other presets (all France, every region) are for sweeps, not for a class: some take minutes to build.
REGIONS: tuple[str, ...] = ("cantal", "oriental_morocco", "auvergne_rhone_alpes")
DEFAULT_REGION = REGIONS[0]
if missing := [r for r in REGIONS if not (CONFIG_DIR / "region" / f"{r}.yaml").is_file()]:
    raise RuntimeError(f"the dashboard's regions {missing} have no preset in {CONFIG_DIR / 'region'}")
#: Every policy lever, in the order of docs/ODD.md §7.9: P1–P8 (CESER 2019), then the other sources' levers.
LEVERS: tuple[str, ...] = tuple(DECLARED_LEVERS)

#: Regions with more actors than this are not animated with their network drawn (see README,
#: "Classroom dashboard": measured months per second against the number of actors).
MAX_ANIMATED_ACTORS = 6_000

#: The counters of each panel: names of ``simulation.model.outcomes`` reporters.
STAGE_REPORTERS = tuple(
    f"projects_{s.label}" for s in (Stage.SEED, Stage.EXPERIMENTATION, Stage.CONSOLIDATION, Stage.DEPLOYMENT)
)
#: Every kind has its participation reporter; a panel shows those of the kinds its region holds (``Lesson.kinds``).
PARTICIPATION_KINDS = tuple(ActorKind)
COUNTERS = (
    "ideas_cumulative",
    *STAGE_REPORTERS,
    "jobs",
    *(f"participation_{k.label}" for k in PARTICIPATION_KINDS),
)


@dataclass(frozen=True)
class Settings:
    """What the teacher chose: region preset, policy levers of the "with" panel, their shared budget, seed."""

    region: str = DEFAULT_REGION
    levers: tuple[str, ...] = ("p3_seed_grants",)
    budget_eur_per_year: float = 500_000.0
    seed: int = 0


@functools.lru_cache(maxsize=len(REGIONS) + 2)
def region_config(region: str) -> Config:
    """The default configuration of a region preset, composed once (Hydra's compose costs ~0.3 s)."""
    return compose([f"region={region}"])


def configs(settings: Settings) -> tuple[Config, Config]:
    """The validated configurations of the two panels: without and with the policies.

    Raises:
        ConfigError: naming the bad value and what is allowed (e.g. a budget out of range).
    """
    if settings.region not in REGIONS:
        raise ConfigError(f"region = {settings.region!r}: allowed values are {', '.join(REGIONS)}")
    base = dataclasses.replace(region_config(settings.region), seed=settings.seed)
    policies = PoliciesConfig(
        levers=[PolicyConfig(name=name) for name in settings.levers],
        equal_budget_eur_per_year=settings.budget_eur_per_year,
    )
    scenario = ScenarioConfig(name="dashboard", label="+".join(settings.levers) or "no lever")
    return validate(base), validate(dataclasses.replace(base, policies=policies, scenario=scenario))


def budget_bounds() -> tuple[float, float]:
    """The allowed yearly budget, from the config schema (``PoliciesConfig.equal_budget_eur_per_year``)."""
    meta = next(f.metadata for f in dataclasses.fields(PoliciesConfig) if f.name == "equal_budget_eur_per_year")
    return float(meta.get("ge", 0.0)), float(meta.get("le", math.inf))


def parse_euros(text: str, lang: str) -> float:
    """An amount typed by a person in language ``lang``, read as that language writes numbers.

    English: ``250,000``, ``1,000,000``, ``250.5``; French: ``250 000`` (spaces, no-break or
    narrow no-break spaces between groups), ``1 000 000,5``; both: ``1e6``, an optional ``€``.
    A comma is a group separator in English and the decimal mark in French: ``250,000`` is
    250000 € in English; badly grouped digits (``250,00`` in English) are refused, not guessed.

    Raises:
        ValueError: if it is not a finite number written in ``lang``.
    """
    cleaned = text.replace("€", "").strip()
    if lang == "fr":  # babel's French group separator is the narrow no-break space; people type others
        cleaned = re.sub(r"[ \u00a0\u202f]+", "\u202f", cleaned)
    else:
        cleaned = re.sub(r"[ \u00a0\u202f]+", "", cleaned)
    try:
        value = float(parse_decimal(cleaned, locale=lang, strict=True))
    except NumberFormatError as e:
        raise ValueError(text) from e
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def actors_in(region: str) -> int:
    """Number of actors the region preset holds."""
    config = region_config(region).region
    return int(actor_counts(region_table(config), config).sum())


def too_large_to_animate(n_actors: int) -> bool:
    """Whether the network of a region this size is left undrawn (it would not animate smoothly)."""
    return n_actors > MAX_ANIMATED_ACTORS


def format_euros(value: float, lang: str) -> str:
    """An amount as ``lang`` writes it, cents only when there are some: what ``parse_euros`` reads back."""
    return labels.number(value, lang, 0 if float(value).is_integer() else 2)


def clock(months_done: int) -> tuple[int, int]:
    """(month, year) shown by the clock after ``months_done`` steps: month 14 is in year 2, month 12 in year 1."""
    return months_done, max(months_done - 1, 0) // 12 + 1


class Lesson:
    """The two models of a lesson, built from ``settings`` and stepped together.

    Args:
        settings: the teacher's choices (validated here: raises ConfigError when invalid).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        without, with_ = configs(settings)
        self.without = TerritorialModel(without)
        self.with_policy = TerritorialModel(with_)
        #: Held while stepping or reading the models: the play loop and the page's events run in different threads.
        self.lock = threading.RLock()

    @property
    def models(self) -> tuple[TerritorialModel, TerritorialModel]:
        return self.without, self.with_policy

    @property
    def months_done(self) -> int:
        return int(self.without.steps)

    @property
    def horizon_months(self) -> int:
        return int(self.without.config.horizon_months)

    @property
    def finished(self) -> bool:
        return self.months_done >= self.horizon_months

    @property
    def n_actors(self) -> int:
        return int(self.without.actors.n)

    @property
    def kinds(self) -> tuple[ActorKind, ...]:
        """The actor kinds the region holds (both panels hold the same actors), in ``ActorKind`` order."""
        present = set(self.without.actors.kind.tolist())
        return tuple(k for k in ActorKind if int(k) in present)

    def step(self) -> None:
        """One month of both models (nothing after the horizon)."""
        with self.lock:
            if self.finished:
                return
            for m in self.models:
                m.step()
            assert self.without.steps == self.with_policy.steps

    @staticmethod
    def series(model: TerritorialModel, name: str) -> list[Any]:
        """The monthly values of reporter ``name`` so far (the DataCollector's list; do not modify)."""
        values: list[Any] = model.datacollector.model_vars.get(name, [])
        return values

    @property
    def scale(self) -> float:
        """How many real organisations one simulated actor stands for (``1 / region.sample_fraction``): counts are
        shown in real units, as the result files give them (``simulation.model.outcomes.timeseries``)."""
        return real(self.without)

    def counters(self, model: TerritorialModel) -> dict[str, float]:
        """The panel's counters this month (NaN before the first month): reporter name → value, counts in real
        units (the sample's times :attr:`scale`), shares as they are."""
        return {
            name: float(v[-1]) * (1.0 if name in INTENSIVE else self.scale)
            if (v := self.series(model, name))
            else math.nan
            for name in COUNTERS
        }


@functools.lru_cache(maxsize=16)
def decade_y_max(settings: Settings) -> float:
    """The y limit of both panels' curves for the whole decade of ``settings``: ``shared_y_max`` of the two
    models at their horizon, from a run without drawing of the same settings.

    The models are deterministic for a seed (the test suite checks a lesson equals the plain runs bit for bit),
    so this is the height the curves will reach: the axis never rescales while the decade plays. Costs about
    1.4 s at the default region (both models, a decade, nothing drawn; building them is 0.45 s of it), paid
    once per settings: cached for every session of the server (``Settings`` is immutable).
    """
    lesson = Lesson(settings)
    while not lesson.finished:
        lesson.step()
    return shared_y_max(lesson.models)


class Pace:
    """The months per second the play loop achieves, against the speed the teacher chose.

    ``rate`` is a moving average over the last ``window`` months; ``too_slow`` turns true once
    the rate has stayed below ``tolerance`` × the chosen speed for ``hold_s`` seconds (a slow
    month or two does not raise the notice), and false as soon as it keeps up again.
    """

    def __init__(self, window: int = 8, tolerance: float = 0.9, hold_s: float = 3.0) -> None:
        self.window, self.tolerance, self.hold_s = window, tolerance, hold_s
        self.times: collections.deque[float] = collections.deque(maxlen=window + 1)
        self.rate: float | None = None
        self.slow_since: float | None = None
        self.too_slow = False

    def reset(self) -> None:
        """Forget the measures (on play, pause, new models): a paused page measures nothing."""
        self.times.clear()
        self.rate, self.slow_since, self.too_slow = None, None, False

    def month_done(self, now: float, speed: float) -> None:
        """Record a month shown at time ``now`` (seconds) while playing at ``speed`` months per second."""
        self.times.append(now)
        span = self.times[-1] - self.times[0]
        self.judge((len(self.times) - 1) / span if span > 0 else None, speed, now)

    def judge(self, rate: float | None, speed: float, now: float) -> bool:
        """Update with a measured ``rate`` (None: not enough months yet); whether the notice is due."""
        self.rate = rate
        if rate is None or rate >= self.tolerance * speed:
            self.slow_since = None
        elif self.slow_since is None:
            self.slow_since = now
        self.too_slow = self.slow_since is not None and now - self.slow_since >= self.hold_s
        return self.too_slow
