"""What the council report shows: every number, computed once and language-free from a sweep's datasets.

:func:`collect` checks the sweep (:func:`check_sweep`), compares its scenarios with the baseline through
:mod:`simulation.study.analysis` (paired differences by seed, cost per M€, per-territory counts), reads the
configuration each scenario's runs were made with (the one the sweep stored, or composed again and checked
against the run id), and returns what the templates and the figures read (:mod:`simulation.report.contents`).
"""

from __future__ import annotations

import json
import math
import re
import shlex
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from simulation.config import Config, ConfigError, compose, run_id
from simulation.report import places
from simulation.report.contents import Compared, Frames, Region, ReportData, ScenarioRuns, SweepInfo, Territories
from simulation.report.records import calibration_record, plausible_worlds
from simulation.runs import datasets
from simulation.study import analysis

TABLES = ("summary", "timeseries", "registry", "spending")
#: The per-M€ indicator the levers are ranked by (the council's headline).
HEADLINE = "lasting_cooperations_per_meur"
#: The scenario of the CESER's whole package, named apart in the report's summary.
PACKAGE = "ceser_package"
#: A lever that spent less than this share of its configured budget is pointed out.
UNDERSPENT = 0.9
#: The configuration checks that give the runs' own configuration (stored with the sweep, or composed again
#: with the same digest).
EXACT = ("stored", "match")


class ReportError(ValueError):
    """A bad input to the report: the message names the value and what is allowed."""


def check_sweep(sweep_dir: Path, baseline: str) -> list[str]:
    """Check that ``sweep_dir`` is a sweep with a run of ``baseline``; return its scenarios."""
    if sweep_dir.exists() and not sweep_dir.is_dir():
        raise ReportError(f"{str(sweep_dir)!r} is a file, not a sweep folder (expected results/sweeps/<name>)")
    if not sweep_dir.is_dir():
        raise ReportError(f"sweep folder {str(sweep_dir)!r} does not exist (expected results/sweeps/<name>)")
    missing = [t for t in TABLES if not (sweep_dir / t).is_dir()]
    if missing:
        raise ReportError(
            f"{str(sweep_dir)!r} is not a complete sweep folder: no {', '.join(missing)} dataset "
            f"(a sweep holds {', '.join(TABLES)})"
        )
    empty = [t for t in TABLES if not any((sweep_dir / t).rglob("*.parquet"))]
    if empty:
        raise ReportError(
            f"{str(sweep_dir)!r} is not a complete sweep folder: its {', '.join(empty)} dataset(s) hold no "
            "parquet file (did the sweep's runs finish?)"
        )
    summary = read_table(sweep_dir, "summary", ["scenario", "seed"])
    if not len(summary):
        raise ReportError(f"{str(sweep_dir)!r}: its summary dataset holds no run")
    scenarios = sorted(summary["scenario"].astype(str).unique())
    if baseline not in scenarios:
        raise ReportError(
            f"no run of the baseline scenario {baseline!r} in this sweep: it holds {', '.join(scenarios)}"
        )
    if len(scenarios) == 1:
        raise ReportError(
            f"{str(sweep_dir)!r} holds only the baseline scenario {baseline!r}: the report compares levers with it "
            "(run the sweep with other scenarios too, e.g. scenario=baseline,p3_seed_grants)"
        )
    return scenarios


def read_table(
    sweep_dir: Path, table: str, columns: list[str] | None = None, optional: tuple[str, ...] = ()
) -> pd.DataFrame:
    """One dataset of the sweep; a ReportError naming the folder if it cannot be read."""
    try:
        return datasets.read_table(sweep_dir, table, columns=columns, optional=optional)
    except (OSError, ValueError, KeyError, pa.ArrowException) as e:
        wanted = f" (columns {', '.join(columns)})" if columns else ""
        raise ReportError(f"{str(sweep_dir)!r}: cannot read its {table} dataset{wanted}: {e}") from e


def _scenario_order(name: str, baseline: str) -> tuple[int, str]:
    if name == baseline:
        return (0, name)
    return (1 if re.match(r"p\d_", name) else 2, name)


def _seed_list(seeds: Iterable[Any]) -> str:
    s = sorted(int(x) for x in seeds)
    if s and s == list(range(s[0], s[-1] + 1)) and len(s) > 2:
        return f"{s[0]}–{s[-1]}"
    return ", ".join(map(str, s))


def _configuration(
    sweep_dir: Path, manifest: dict[str, Any], scenario: str, row: pd.Series
) -> tuple[str, Config | None]:
    """A run's configuration: the one the sweep stored, if its digest is the run id ("stored"); else composed
    again from the sweep's command and today's config files (:func:`_recompose`).

    Returns:
        ("stored" | "match" | "differs" | "unavailable", the configuration or None).
    """
    if "config_id" in row.index and isinstance(row["config_id"], str):
        try:
            stored = datasets.read_config(sweep_dir, row["config_id"], int(row["seed"]))
        except ConfigError as e:  # stored by another version of the model: composed again, and said
            warnings.warn(f"{e}; composing it again from the sweep's command", stacklevel=2)
            stored = None
        if stored is not None and run_id(stored) == row["run_id"]:
            return "stored", stored
    return _recompose(manifest, scenario, row)


def _recompose(manifest: dict[str, Any], scenario: str, row: pd.Series) -> tuple[str, Config | None]:
    """Compose a run's configuration again from the sweep's command; compare its digest with the run id.

    Returns:
        ("match" | "differs" | "unavailable", the configuration or None).
    """
    overrides = [f"scenario={scenario}", f"seed={int(row['seed'])}"]
    for override in manifest.get("overrides", []):
        key = override.split("=", 1)[0].lstrip("+~")
        if key in ("scenario", "seed") or key.startswith(("hydra", "output.")):
            continue
        overrides.append(f"{key}={row[key]}" if key in row.index else override)
    try:
        config = compose(overrides)
    except ConfigError:
        return "unavailable", None
    status = "match" if run_id(config) == row["run_id"] else "differs"
    return status, config


@dataclass
class _Tables:
    """A sweep's datasets as the report reads them (finished runs only), and its manifest."""

    summary: pd.DataFrame
    timeseries: pd.DataFrame
    registry: pd.DataFrame
    spending: pd.DataFrame
    manifest: dict[str, Any]


def _read(sweep_dir: Path) -> _Tables:
    """The sweep's summary, time series, registry and spending, and its ``sweep.json``."""
    try:
        summary, ts = analysis.load(sweep_dir)
    except (OSError, KeyError, pa.ArrowException) as e:
        raise ReportError(f"{str(sweep_dir)!r}: cannot read its summary or timeseries dataset: {e}") from e
    except ValueError as e:  # runs that cannot be compared (several per scenario and seed, or configurations)
        raise ReportError(f"{str(sweep_dir)!r}: {e}") from e
    registry = analysis.finished_only(
        read_table(sweep_dir, "registry", ["scenario", "seed", "run_id", "territory", "outcome"], ("weight",)), summary
    )
    spending = analysis.finished_only(
        read_table(sweep_dir, "spending", ["scenario", "seed", "run_id", "channel", "public_eur"]), summary
    )
    manifest_path = sweep_dir / "sweep.json"
    manifest: dict[str, Any] = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return _Tables(summary, ts, registry, spending.astype({"scenario": str, "channel": str}), manifest)


def _horizon_months(summary: pd.DataFrame) -> int:
    horizons = sorted(int(h) for h in summary["horizon_months"].unique())
    if len(horizons) != 1:
        raise ReportError(f"the sweep mixes horizons {horizons}: one report compares runs of one horizon")
    return int(horizons[0])


@dataclass
class _Scenarios:
    """Each scenario's runs, and what their configurations say of the region and of lasting cooperations."""

    runs: list[ScenarioRuns]
    region: Region | None
    lasting_after_months: int
    #: From the territories the sweep stored (None if it did not): names, types, inhabitants.
    territory_names: list[str] | None
    territory_types: dict[str, str]
    populations: dict[str, float]


def _scenarios(sweep_dir: Path, t: _Tables, ce: pd.DataFrame, baseline: str, years: float) -> _Scenarios:
    """Each scenario's runs, budgets and spending, with the configuration they were made with."""
    summary = t.summary
    lever = t.spending[t.spending["channel"].str.startswith("lever:")].groupby(["scenario", "seed"])["public_eur"].sum()
    lever_per_run = lever.reindex(summary.set_index(["scenario", "seed"]).index, fill_value=0.0) / years
    extra_public = ce.set_index("scenario")["extra_public_meur"] if len(ce) else pd.Series(dtype=float)
    out = _Scenarios([], None, 0, None, {}, {})
    lasting_months: set[int] = set()
    for name in sorted(summary["scenario"].unique(), key=lambda s: _scenario_order(s, baseline)):
        rows = summary[summary["scenario"] == name].sort_values("seed")
        check, config = _configuration(sweep_dir, t.manifest, name, rows.iloc[0])
        if out.territory_names is None and "config_id" in rows and isinstance(rows["config_id"].iloc[0], str):
            # the region as the runs simulated it (inhabitants at the run's scale), as the sweep stored it
            region = datasets.read_territories(sweep_dir, rows["config_id"].iloc[0])
            if region is not None:
                out.territory_names = region["territory"].astype(str).tolist()
                out.territory_types = dict(zip(out.territory_names, region["type"].astype(str), strict=True))
                out.populations = dict(zip(out.territory_names, region["population"].astype(float), strict=True))
        if config is not None:
            lasting_months.add(config.projects.lasting_after_months)
            if out.region is None:  # the region's name, as its preset gives it ("Cantal (Auvergne-Rhône-Alpes)")
                out.region = Region(config.region.name, config.region.title, config.region.country)
        budget = rows.get("lever_budget_eur_per_year", None)
        out.runs.append(
            ScenarioRuns(
                name=name,
                n_seeds=int(rows["seed"].nunique()),
                # the levers' yearly budget, as the runs recorded it (sweeps from before they did: unknown)
                lever_budget_eur_per_year=float(budget.iloc[0]) if budget is not None else math.nan,
                lever_eur_per_year=float(lever_per_run.loc[name].mean()),
                extra_public_meur=float(extra_public.get(name, math.nan)),
                run_ids=rows["run_id"].astype(str).tolist(),
                config_check=check,
            )
        )
    if not lasting_months:  # no scenario could be recomposed: the default configuration's definition
        lasting_months.add(compose([]).projects.lasting_after_months)
    if len(lasting_months) != 1:
        durations = sorted(lasting_months)
        raise ReportError(f"the scenarios count cooperations as lasting after different durations {durations}")
    out.lasting_after_months = lasting_months.pop()
    return out


def _territories(t: _Tables, s: _Scenarios, baseline: str) -> tuple[Territories, pd.DataFrame, pd.DataFrame | None]:
    """Where cooperations last by type of territory and which territories are left without a project, with the
    tables the territories' figures draw (projects by territory, and by type if the types are known)."""
    names = s.territory_names
    n_territories = int(t.summary["territories"].max())
    seen = set(t.registry["territory"].astype(str))
    if names is None or len(names) != n_territories or not seen <= set(names):
        # The preset could not be recomposed: name the territories the sweep's files show.
        names = sorted(seen)
    types = s.territory_types
    counts = analysis.territory_projects(t.registry, t.summary, names)
    without = analysis.territories_without_project(counts)
    # "In which territories": lasting cooperations per type of territory, if the preset's types are known.
    by_type = analysis.by_territory_type(counts, types, s.populations, baseline) if types else None
    type_rows = by_type.to_dict("records") if by_type is not None else []
    type_names = list(dict.fromkeys(r["type"] for r in type_rows))
    base_types = [r for r in type_rows if r["scenario"] == baseline]
    shares_add_up = all(
        places.rounded_shares_add_up([r[column] for r in base_types]) for column in ("population_share", "share")
    )
    # Per type, the funded lever(s) adding the most lasting cooperations beyond the noise (interval above zero):
    # all of them if tied; none if no interval clears zero. (A shock or a counterfactual is not a lever.)
    funded_levers = {x.name for x in s.runs if x.name != baseline and x.lever_budget_eur_per_year > 0}
    added = [r for r in type_rows if r["scenario"] in funded_levers and r["difference_ci_low"] > 0]
    type_leaders = {}
    for kind in type_names:
        here = [r for r in added if r["type"] == kind]
        if here:
            best = max(r["difference"] for r in here)
            type_leaders[kind] = [r for r in here if r["difference"] == best]
    territories = Territories(
        names=names,
        types=types,
        without=places.without_by_type(without, types),
        never_without=places.never_without(names, without, types),
        any_without=bool(len(without)),
        by_type={(r["scenario"], r["type"]): r for r in type_rows},
        type_names=type_names,
        type_leaders=type_leaders,
        shares_add_up=shares_add_up,
    )
    return territories, counts, places.type_frame(counts, types, s.populations)


def _sweep_info(sweep_dir: Path, t: _Tables) -> SweepInfo:
    return SweepInfo(
        name=sweep_dir.resolve().name,
        date_utc=t.manifest.get("date_utc", "?"),
        command=sweep_command(t.manifest),
        commands=sweep_commands(t.manifest),
        package_versions=sorted(t.summary["package_version"].astype(str).unique()),
        git_revisions=sorted(t.summary["git_revision"].astype(str).unique()),
        git_dirty=bool(t.manifest.get("git_dirty")),
        libraries=", ".join(f"{k} {v}" for k, v in t.manifest.get("libraries", {}).items()),
    )


def _compared(t: _Tables, s: _Scenarios, baseline: str, horizon_months: int) -> Compared:
    seeds = [x.n_seeds for x in s.runs]
    summary = t.summary
    return Compared(
        baseline=baseline,
        scenarios=s.runs,
        n_runs=len(summary),
        horizon_months=horizon_months,
        horizon_years=horizon_months / 12,
        lasting_after_months=s.lasting_after_months,
        nothing_can_last=horizon_months <= s.lasting_after_months,
        regions=sorted(summary["region"].astype(str).unique()),
        seed_list=_seed_list(summary["seed"].unique()),
        min_seeds=min(seeds, default=0),
        max_seeds=max(seeds, default=0),
        # Plausible worlds (draws of the uncertain parameters), when the sweep has them; None: the calibrated
        # parameters only.
        n_worlds=int(summary["world"].nunique()) if "world" in summary.columns else None,
        region=s.region,
    )


def _equal_budget(levers: list[ScenarioRuns]) -> float | None:
    """The levers' common configured yearly budget, said of two funded scenarios or more whose configurations are
    the runs' own (stored, or composed again with the same digest); not of a shock-only sweep, whose budgets
    are all 0, nor of one lever; a scenario without levers, such as a shock, is left out."""
    funded = [x.lever_budget_eur_per_year for x in levers if x.lever_budget_eur_per_year > 0]
    known = all(x.config_check in EXACT for x in levers)
    known = known and not any(math.isnan(x.lever_budget_eur_per_year) for x in levers)
    return funded[0] if known and len(funded) >= 2 and len(set(funded)) == 1 else None


def collect(sweep_dir: Path, baseline: str = "baseline") -> ReportData:
    """Every number of the report, language-free, computed from the sweep's datasets."""
    check_sweep(sweep_dir, baseline)
    t = _read(sweep_dir)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)  # indicators NaN in every run
        comparison = analysis.compare(t.summary, baseline)
    ce = analysis.cost_effectiveness(t.summary, baseline)
    ranked = analysis.ranking(comparison, ce, t.summary, baseline, by=HEADLINE)
    horizon_months = _horizon_months(t.summary)
    scenarios = _scenarios(sweep_dir, t, ce, baseline, horizon_months / 12)
    territories, counts, type_frame = _territories(t, scenarios, baseline)

    verdict = analysis.ranking_verdict(ranked, HEADLINE)
    others = ranked.iloc[1:][ranked[HEADLINE].iloc[1:].notna()] if verdict == "ranked" else ranked.iloc[:0]
    valid = ranked[ranked[f"{HEADLINE}_ci_low"].notna()]
    jobs = "jobs_created_cumulative_per_meur"
    creating_jobs = ranked[ranked[f"{jobs}_ci_low"] > 0]
    levers = [x for x in scenarios.runs if x.name != baseline]
    return ReportData(
        sweep=_sweep_info(sweep_dir, t),
        compared=_compared(t, scenarios, baseline, horizon_months),
        ranking=ranked.to_dict("records"),
        verdict=verdict,
        worlds=plausible_worlds(),
        calibration=calibration_record(),
        tied=others[~others["below_leader"]]["scenario"].tolist(),
        below=others[others["below_leader"]]["scenario"].tolist(),
        no_effect=valid[valid["includes_zero"]]["scenario"].tolist(),
        # Levers whose effect on lasting cooperations per M€ is negative beyond the noise.
        harmful=valid[valid[f"{HEADLINE}_ci_high"] < 0]["scenario"].tolist(),
        # The lever creating the most jobs per M€, among those whose interval is above zero.
        jobs_leader=creating_jobs.sort_values(jobs, ascending=False).iloc[0].to_dict() if len(creating_jobs) else None,
        package=next((r for r in ranked.to_dict("records") if r["scenario"] == PACKAGE), None),
        n_ranked=int(ranked[HEADLINE].notna().sum()),
        n_levers=len(ranked),
        # The CESER's preconisations P1–P8 among the ranked levers: the robustness of their ranking is known.
        ceser_levers=[x for x in ranked["scenario"].astype(str) if re.match(r"p[1-8]_", x)],
        equal_budget=_equal_budget(levers),
        # The levers that spent much less than their configured budget.
        underspent=[x.name for x in levers if x.lever_eur_per_year < UNDERSPENT * x.lever_budget_eur_per_year],
        configs_match=all(x.config_check in EXACT for x in scenarios.runs),
        ce=ranked[ce.columns].to_dict("records"),
        territories=territories,
        frames=Frames(t.timeseries, ranked[ce.columns], counts, type_frame),
    )


def sweep_commands(manifest: dict[str, Any]) -> list[dict[str, str]]:
    """Every command run on the sweep's folder, oldest first, each as the multirun command that rebuilds its runs
    (:func:`sweep_command`) with its date: ``sweep.json`` holds the latest, and the earlier ones in its
    ``history``. A later command may have re-run only some scenarios: all of them, in order, rebuild the sweep
    (runs already made are skipped)."""
    if "overrides" not in manifest:
        return []
    earlier = [m for m in manifest.get("history", []) if isinstance(m, dict) and "overrides" in m]
    return [{"date_utc": str(m.get("date_utc", "?")), "command": sweep_command(m)} for m in [*earlier, manifest]]


def sweep_command(manifest: dict[str, Any]) -> str:
    """The multirun command that rebuilds the sweep, from its recorded overrides, with no path of this machine.

    The results folder is left to its default (``results/``), so the sweep lands in
    ``results/sweeps/<name>``, the folder :func:`simulation.report.build.report_command` names.
    """
    if "overrides" not in manifest:
        return "?"
    kept = [
        o
        for o in manifest["overrides"]
        if not o.lstrip("+~").startswith(("output.results_dir=", "hydra.")) and "=/" not in o
    ]
    return shlex.join(["python", "-m", "simulation.run", "-m", *kept])
