"""The model's indicators (docs/ODD.md § Outputs): named reporters and the run summary (the run's tables of
projects, spending and territories: :mod:`simulation.model.records`).

The names defined here are the column names of the result files
(``timeseries.parquet``, ``summary.json``, ``registry.parquet``), the labels
of the plots and the names used in ``docs/ODD.md`` §5. Monthly reporters are
plain functions of the model, handed to Mesa's ``DataCollector``; run-level
indicators (take-off time, recovery after a shock) are computed from the
monthly series by :func:`summarise`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulation.config.levers import LEVERS
from simulation.enums import ActorKind, Stage
from simulation.kernels import outcomes as kernels
from simulation.model.territory import gini
from simulation.policies import yearly_budget_eur

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel

Reporter = Callable[["TerritorialModel"], float]

#: Active cooperations reaching this share of their decade maximum mark the take-off.
TAKEOFF_SHARE = 0.10


def _once(m: TerritorialModel, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``, made once per collection of the month's indicators (:meth:`TerritorialModel.collect`) for
    the reporters that share it, and each time outside one."""
    memo = m.collecting
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _active_ids(m: TerritorialModel) -> np.ndarray:
    return _once(m, "active_ids", m.projects.active_ids)


def _public_by_month(m: TerritorialModel) -> np.ndarray:
    """Public euros spent each month so far (:meth:`Ledger.public_so_far`)."""
    return _once(m, "public_by_month", lambda: m.ledger.public_so_far(m.month))


def _month_count(name: str) -> Reporter:
    return lambda m: float(m.counters.month.get(name, 0.0))


def _total_count(name: str) -> Reporter:
    return lambda m: float(m.counters.total.get(name, 0.0))


def _network(name: str) -> Reporter:
    """A trust-network indicator, computed at the network cadence (``TerritorialModel.collect``)."""
    return lambda m: m.network_cache[name]


def _stage_count(stage: Stage) -> Reporter:
    return lambda m: float(_once(m, "count_by_stage", m.projects.count_by_stage)[stage])


def _participation(kind: ActorKind, ever: bool) -> Reporter:
    """The share of all the kind's real organisations in an active cooperation (``ever``: in one at some point).

    The actors stand for the potential partners only (``region.partner_share`` of the kind's organisations); the
    others never partner, so the share of all organisations is the actors' share times ``partner_share``: what
    PHARE measures (a share of all firms, of all associations), whatever share counts as partners.
    """

    def rep(m: TerritorialModel) -> float:
        counts, actors = _once(m, "engaged_by_kind", lambda: _engaged_by_kind(m))
        engaged = counts[int(ever)]
        if actors[kind] == 0:
            return float("nan")
        return float(engaged[kind] / actors[kind]) * float(getattr(m.config.region.partner_share, kind.label))

    return rep


def _engaged_by_kind(m: TerritorialModel) -> tuple[np.ndarray, np.ndarray]:
    """How many actors of each kind are in an active cooperation (row 0) and have been in one (row 1), and how many
    there are: counts, exact in floats (their ratio is the mean of the kind's 0/1 values, to the bit)."""
    a = m.actors
    return (
        kernels.count_by_kind(a.kind, a.engaged, a.ever_engaged, len(ActorKind)).astype(np.float64),
        a.count_by_kind.astype(np.float64),
    )


def active_cooperations(m: TerritorialModel) -> float:
    """Projects in any active stage (seed to deployment)."""
    return float(len(_active_ids(m)))


def lasting_cooperations(m: TerritorialModel) -> float:
    """Active projects that have lasted at least ``lasting_after_months`` (36 months: Territoires Conseils 2018)."""
    ids = _active_ids(m)
    age = m.month - m.projects.launched[ids]
    return float((age >= m.config.projects.lasting_after_months).sum())


def jobs(m: TerritorialModel) -> float:
    """Jobs in active projects now."""
    return float(m.projects.jobs[_active_ids(m)].sum())


def public_eur_cumulative(m: TerritorialModel) -> float:
    """Public money spent so far: public tiers of projects plus engineering."""
    return float(_public_by_month(m).sum())


def other_eur_cumulative(m: TerritorialModel) -> float:
    """Non-public money and valorised time so far: private, volunteering, revenue, local fund."""
    return _once(m, "other_eur_cumulative", lambda: m.ledger.other_so_far(m.month))


def leverage(m: TerritorialModel) -> float:
    """Other money per public euro, cumulative (NaN before any public euro)."""
    pub = public_eur_cumulative(m)
    return other_eur_cumulative(m) / pub if pub > 0 else float("nan")


def public_eur_per_job(m: TerritorialModel) -> float:
    """Public money spent so far per job created so far (NaN before the first job)."""
    created = m.counters.total.get("jobs_created", 0.0)
    return public_eur_cumulative(m) / created if created > 0 else float("nan")


def _active_per_territory(m: TerritorialModel) -> np.ndarray:
    ids = _active_ids(m)
    return _once(
        m,
        "active_per_territory",
        lambda: np.bincount(m.projects.territory[ids], minlength=len(m.territories)).astype(float),
    )


def territories_with_project_share(m: TerritorialModel) -> float:
    """Share of territories with at least one active project (CESER 2019: "qu'aucun territoire ne soit sans projet")."""
    return float((_active_per_territory(m) > 0).mean())


def territorial_inequality(m: TerritorialModel) -> float:
    """Gini coefficient of active projects per 10k inhabitants across territories."""
    return gini(_active_per_territory(m) / m.territories.population_10k)


def reporters() -> dict[str, Reporter]:
    """Every monthly indicator, by name, in the order of the result files."""
    r: dict[str, Reporter] = {
        "ideas": _month_count("ideas"),
        "coalitions": _month_count("coalitions"),
        "projects_launched": _month_count("projects_launched"),
        "successes": _month_count("successes"),
        "failures": _month_count("failures"),
        "ideas_cumulative": _total_count("ideas"),
        "projects_launched_cumulative": _total_count("projects_launched"),
        "successes_cumulative": _total_count("successes"),
        "failures_cumulative": _total_count("failures"),
        "deployments_cumulative": _total_count("deployments"),
    }
    for stage in (Stage.SEED, Stage.EXPERIMENTATION, Stage.CONSOLIDATION, Stage.DEPLOYMENT):
        r[f"projects_{stage.label}"] = _stage_count(stage)
    r |= {
        "active_cooperations": active_cooperations,
        "lasting_cooperations": lasting_cooperations,
        "jobs": jobs,
        "jobs_created_cumulative": _total_count("jobs_created"),
        "value_eur_cumulative": _total_count("value_eur"),
        "reinvested_eur_cumulative": lambda m: float(m.ledger.reinvested[: m.month + 1].sum()),
        "public_eur": lambda m: float(_public_by_month(m)[m.month]),
        "public_eur_cumulative": public_eur_cumulative,
        "engineering_eur_cumulative": lambda m: float(m.ledger.engineering[: m.month + 1].sum()),
        "other_eur_cumulative": other_eur_cumulative,
        "leverage": leverage,
        "public_eur_per_job": public_eur_per_job,
    }
    for kind in ActorKind:
        r[f"participation_{kind.label}"] = _participation(kind, ever=False)
    for kind in ActorKind:
        r[f"participation_ever_{kind.label}"] = _participation(kind, ever=True)
    r |= {
        "trust_ties": _network("trust_ties"),
        "trust_density": _network("trust_density"),
        "trust_mean": _network("trust_mean"),
        "cross_sector_tie_share": _network("cross_sector_tie_share"),
        "giant_component_share": _network("giant_component_share"),
        "generalised_trust_mean": lambda m: float(m.territories.generalised_trust.mean()),
        "territories_with_project_share": territories_with_project_share,
        "territorial_inequality_gini": territorial_inequality,
        "shock_active": lambda m: float(m.shock.active),
    }
    return r


# ---------------------------------------------------------------------- run level


#: Monthly indicators that do not depend on how many actors there are (shares, ratios, means): the others are
#: counts and euros of the sample, reported in real units (divided by ``region.sample_fraction``).
INTENSIVE = frozenset(
    {
        "leverage",
        "public_eur_per_job",
        *(f"participation_{k.label}" for k in ActorKind),
        *(f"participation_ever_{k.label}" for k in ActorKind),
        "trust_density",
        "trust_mean",
        "cross_sector_tie_share",
        "giant_component_share",
        "generalised_trust_mean",
        "territories_with_project_share",
        "territorial_inequality_gini",
        "shock_active",
    }
)


def real(model: TerritorialModel) -> float:
    """How many real organisations, projects or euros one of the sample's stands for (1 / the sample fraction)."""
    return 1.0 / model.territories.sample_fraction


def timeseries(model: TerritorialModel) -> pd.DataFrame:
    """The monthly indicators, one row per month (``month`` 0-based, ``year`` 1-based), counts and euros in real
    units (the sample's times :func:`real`)."""
    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    scale = real(model)
    for column in df.columns:
        if column not in INTENSIVE:
            df[column] = df[column] * scale
    df.insert(0, "month", np.arange(len(df), dtype=np.int64))
    df.insert(1, "year", df["month"] // 12 + 1)
    return df


def takeoff_month(active: pd.Series, share: float = TAKEOFF_SHARE) -> float:
    """First month active cooperations reach ``share`` of their maximum (NaN if never any)."""
    peak = float(active.max())
    if peak <= 0:
        return float("nan")
    return float(np.argmax(active.to_numpy() >= share * peak))


def recovery_months(launches: pd.Series, shock_start: int | None, shock_months: int = 0, window: int = 12) -> float:
    """Months from a shock's start until the launch rate regains its pre-shock level.

    The level is the mean monthly launches over the ``window`` months before the
    shock; the rate after is a trailing ``window``-month mean, looked at from the
    shock's end on. (The stock of cooperations keeps growing through a shock in a
    young territory, so it is the flow of new ones that shows the damage.) NaN
    without a shock, without a pre-shock window, or if the level is not regained
    within the horizon.
    """
    if shock_start is None or shock_start < window or shock_start >= len(launches):
        return float("nan")
    values = launches.to_numpy(dtype=float)
    before = values[shock_start - window : shock_start].mean()
    trailing = pd.Series(values).rolling(window).mean().to_numpy()
    end = shock_start + max(shock_months, 1)
    back = np.flatnonzero(trailing[end:] >= before)
    return float(end + back[0] - shock_start) if len(back) else float("nan")


def summarise(model: TerritorialModel, ts: pd.DataFrame) -> dict[str, Any]:
    """Run-level indicators: the last month's values plus take-off and recovery."""
    last = ts.iloc[-1]
    shocks = model.config.shocks.events
    out: dict[str, Any] = {
        "scenario": model.config.scenario.name,
        "region": model.config.region.name,
        "seed": model.config.seed,
        "horizon_months": model.config.horizon_months,
        "actors": model.actors.n,
        **{f"actors_{k.label}": int(model.actors.count_by_kind[k]) for k in ActorKind},
        "territories": len(model.territories),
    }
    for col in ts.columns:
        if col not in ("month", "year"):
            out[col] = float(last[col])
    out["peak_active_cooperations"] = float(ts["active_cooperations"].max())
    out["takeoff_month"] = takeoff_month(ts["active_cooperations"])
    out["half_peak_month"] = takeoff_month(ts["active_cooperations"], 0.5)
    out["recovery_months"] = recovery_months(
        ts["projects_launched"],
        shocks[0].start_month if shocks else None,
        shocks[0].duration_months if shocks else 0,
    )
    lasting = out["lasting_cooperations"]
    out["public_eur_per_lasting_cooperation"] = out["public_eur_cumulative"] / lasting if lasting > 0 else float("nan")
    out["ideas_dropped_cumulative"] = float(model.counters.total.get("ideas_dropped", 0.0)) * real(model)
    out["replications_cumulative"] = float(model.counters.total.get("replications", 0.0)) * real(model)
    out["sample_fraction"] = model.territories.sample_fraction
    out["lever_budget_eur_per_year"] = yearly_budget_eur(model.config.policies)
    # Every lever of the registry, 0 when it is not in the run: the summary files of a sweep's
    # scenarios then share one schema, and even ``pd.read_parquet(<sweep>/"summary")`` (which takes
    # its columns from the first file it reads) keeps every lever's column.
    for name in sorted(set(LEVERS) | set(model.ledger.by_lever)):
        arr = model.ledger.by_lever.get(name)
        out[f"public_eur_lever_{name}"] = float(arr.sum()) * real(model) if arr is not None else 0.0
    return out
