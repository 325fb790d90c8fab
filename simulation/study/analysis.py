"""Compare the scenarios of a sweep against the baseline, with 95% intervals across seeds.

    python -m simulation.analysis results/sweeps/<name> [--baseline baseline] [--out DIR]

For every scenario and indicator, the difference to the baseline is paired by
seed — the same seeds, so common random numbers cancel much of the noise —
and reported as the mean difference with a 95% t-interval over seeds. The
command writes, into ``<sweep>/analysis/`` (or ``--out``):

* ``comparison.csv`` and ``comparison.md`` — one row per scenario × indicator:
  scenario mean, baseline mean, paired difference and its interval, n seeds;
  the participation of a kind of actor of which a run simulated fewer than
  :data:`~simulation.model.indicators.FEW_ACTORS` actors (the 1 university and
  2 media of the default sample; any kind of a small sample) is left out, and
  the command, ``comparison.md`` and ``provenance.json`` say which, with its
  number of actors (:func:`~simulation.study.statistics.few_actor_kinds`);
* ``cost_effectiveness.csv`` — extra lasting cooperations, jobs and launched
  projects per million euros spent on the levers, per scenario: the ratio of the
  mean paired differences, mean(Δ indicator) ÷ mean(levers' M€), NaN when the levers
  spent nothing, with Fieller's 95% interval over seeds (which
  includes 0 exactly when the difference's t-interval does; unbounded when the
  extra money itself is not above zero beyond the noise);
* ``attribution.csv`` and ``channels.csv`` — each lever's effect both ways: the projects credited to it (by how
  their members came together, or by the money they took) beside its causal effect (paired with the baseline),
  and every scenario's projects by channel;
* ``emergence.png`` — active cooperations over the horizon, mean and 95% band
  per scenario;
* ``cost_effectiveness.png`` — the per-euro effect of each lever.

The plotting functions take a :class:`PlotText` so that the council report
(``simulation.report``) draws the same figures with translated words.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pandas as pd

from simulation.enums import ActorKind
from simulation.model.indicators import FEW_ACTORS
from simulation.runs.datasets import read_table
from simulation.runs.provenance import to_json
from simulation.runs.simulate import folder_problem
from simulation.study.attribution import both_ways, channel_shares
from simulation.study.checks import (
    MAKING,
    finished_only,
    load,
    one_configuration_per_scenario,
    one_run_per_seed,
)
from simulation.study.plots import PlotText, cost_effectiveness_plot, emergence_plot, territory_plot
from simulation.study.statistics import (
    INDICATORS,
    SHARES,
    UNIT_INTERVAL,
    compare,
    cost_effectiveness,
    few_actor_kinds,
    fieller_interval,
    interval,
    ranking,
    ranking_verdict,
    ratio_difference_interval,
    ratio_of_means,
    without,
)
from simulation.study.territories import by_territory_type, territories_without_project, territory_projects

#: The analysis's API, wherever each piece lives in the package (the report and notebooks import them from here).
__all__ = [
    "INDICATORS",
    "MAKING",
    "METHOD",
    "SHARES",
    "UNIT_INTERVAL",
    "PlotText",
    "analyse",
    "by_territory_type",
    "check_out",
    "compare",
    "cost_effectiveness",
    "cost_effectiveness_plot",
    "emergence_plot",
    "few_actor_kinds",
    "few_actors_note",
    "fieller_interval",
    "finished_only",
    "interval",
    "load",
    "main",
    "one_configuration_per_scenario",
    "one_run_per_seed",
    "provenance_of",
    "ranking",
    "ranking_verdict",
    "ratio_difference_interval",
    "ratio_of_means",
    "territories_without_project",
    "territory_plot",
    "territory_projects",
    "without",
]


#: How the analysis computes its intervals, written beside its tables.
METHOD = {
    "comparison": "per scenario and indicator: mean over seeds; difference to the baseline paired by seed, "
    "with a 95% t-interval over the seeds both ran",
    "cost_effectiveness": "per M€ spent on the levers (lever_meur; extra_public_meur, all extra public money, is "
    "given beside it): mean paired difference of the indicator / mean lever spending (NaN when the levers spent "
    "nothing), with Fieller's 95% interval over the seeds "
    "(t with n - 1 degrees of freedom; it includes 0 exactly when the difference's t-interval does; -inf to inf "
    "when the extra money is not above zero beyond the noise)",
    "ranking": "difference of a lever's per-M€ value from the leader's on the same seeds, with a 95% t-interval "
    "of the seed-by-seed linearised ratios (delta method)",
    "participation": f"a kind's participation (share of its simulated actors in a partnership) is left out of a "
    f"scenario's comparison when a run of the scenario or of the baseline, on the seeds compared, simulated fewer "
    f"than {FEW_ACTORS} actors of the kind: one actor more or less would move the share by more than "
    f"{100 / FEW_ACTORS:.1f} points (left_out names them, with their number of actors)",
}


def few_actors_note(few: pd.DataFrame, scenarios: int, counted: bool = True) -> str | None:
    """What the comparison left out for too few actors (:func:`few_actor_kinds`), in a sentence naming each kind
    and its number of actors in the runs concerned, and the scenarios when not all of the ``scenarios``; None
    when nothing was. ``counted=False``: the runs do not say how many actors of each kind they simulated."""
    from simulation.runs.plots import KIND_NAMES

    if not counted:
        return (
            "The runs do not say how many actors of each kind they simulated (made by an earlier version): the "
            "participation of every kind is compared, however few its actors."
        )
    if not len(few):
        return None
    parts = []
    for kind in ActorKind:
        rows = few[few["kind"] == kind.label]
        if not len(rows):
            continue
        lo, hi = int(rows["fewest_actors"].min()), int(rows["most_actors"].max())
        count = f"{lo} actor{'s' if lo != 1 else ''} in each run" if lo == hi else f"{lo} to {hi} actors in a run"
        where = "" if rows["scenario"].nunique() == scenarios else f", in {', '.join(rows['scenario'])}"
        parts.append(f"{KIND_NAMES[kind]} ({count}{where})")
    return (
        f"Left out of the comparison: the participation of {'; of '.join(parts)}. A share of fewer than "
        f"{FEW_ACTORS} actors moves by more than {100 / FEW_ACTORS:.1f} points when one actor joins or leaves a "
        "partnership: its difference to the baseline would mean nothing."
    )


def provenance_of(sweep_dir: Path, summary: pd.DataFrame, baseline: str) -> dict[str, object]:
    """What the analysis was computed from: the sweep, its runs and their code, the method, the date."""
    import datetime as dt

    manifest_path = sweep_dir / "sweep.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return {
        "sweep": sweep_dir.resolve().name,
        "sweep_command": manifest.get("overrides"),
        "baseline": baseline,
        "runs": len(summary),
        "seeds_by_scenario": {str(k): sorted(int(x) for x in v) for k, v in summary.groupby("scenario")["seed"]},
        "run_ids": sorted(summary["run_id"].astype(str)),
        "package_versions": sorted(summary["package_version"].astype(str).unique()),
        "git_revisions": sorted(summary["git_revision"].astype(str).unique()),
        "method": METHOD,
        "analysed_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def check_out(out: Path) -> None:
    """An output folder may exist, as a folder; a file or a dangling link in its place or above it, or a folder
    that cannot be written to, is refused up front (:func:`simulation.runs.simulate.folder_problem`).

    Raises:
        ValueError: naming the path and why.
    """

    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} exists and is not a folder: give a folder")
    problem = folder_problem(out)
    if problem:
        raise ValueError(f"--out {str(out)!r}: {problem}")


def analyse(sweep_dir: Path, baseline: str = "baseline", out: Path | None = None) -> Path:
    """Write the comparison tables and plots of a sweep, with ``provenance.json``; return the folder.

    The inputs are checked, and the tables computed, before the folder is made.
    """
    out = out or sweep_dir / "analysis"
    check_out(out)
    summary, ts = load(sweep_dir)
    if set(summary["scenario"]) == {baseline}:
        raise ValueError(f"the sweep holds only the baseline scenario {baseline!r}: nothing to compare it with")
    few = few_actor_kinds(summary, baseline)  # kinds of too few actors for their share to mean anything
    table = without(compare(summary, baseline), few)
    counted = all(f"actors_{kind.label}" in summary for kind in ActorKind)
    note = few_actors_note(few, summary["scenario"].nunique(), counted)
    ce = cost_effectiveness(summary, baseline)
    registry = finished_only(
        read_table(
            sweep_dir, "registry", ["scenario", "seed", "run_id", "policy_levers"], optional=("channel", "weight")
        ),
        summary,
    )
    ways = both_ways(registry, summary, baseline) if "channel" in registry else None
    out.mkdir(parents=True, exist_ok=True)
    (out / "cost_effectiveness.png").unlink(missing_ok=True)  # an earlier analysis's, if this one draws none
    table.to_csv(out / "comparison.csv", index=False)
    (out / "comparison.md").write_text(
        f"# Scenarios against `{baseline}` (paired by seed, 95% t-intervals)\n\n"
        f"Sweep `{sweep_dir.resolve().name}`, {len(summary)} runs; method and run ids in `provenance.json`.\n\n"
        + (f"{note}\n\n" if note else "")
        + _readable(table).to_markdown(
            index=False,
            disable_numparse=True,
            colalign=["right" if k in "iuf" else "left" for k in table.dtypes.map(lambda d: d.kind)],
        )
        + "\n"
    )
    record = provenance_of(sweep_dir, summary, baseline)
    record["left_out"] = few.to_dict("records")  # kinds of too few actors, by scenario (method: "participation")
    record["left_out_note"] = note  # what the command says of them
    (out / "provenance.json").write_text(to_json(record))
    ce.to_csv(out / "cost_effectiveness.csv", index=False)
    if ways is not None:  # each lever's effect both ways: the projects credited to it, and its causal effect
        ways.to_csv(out / "attribution.csv", index=False)
        channel_shares(registry).to_csv(out / "channels.csv")
    emergence_plot(ts, out / "emergence.png")
    if len(ce):
        cost_effectiveness_plot(ce, out / "cost_effectiveness.png")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulation.analysis", description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path, help="a sweep folder (results/sweeps/<name>)")
    parser.add_argument("--baseline", default="baseline", help="the scenario to compare against")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <sweep>/analysis)")
    args = parser.parse_args(argv)
    import pyarrow as pa

    from simulation.runs.datasets import read_table

    if not args.sweep_dir.is_dir():
        what = "is not a folder" if args.sweep_dir.exists() else "does not exist"
        parser.error(f"sweep folder {str(args.sweep_dir)!r} {what} (expected results/sweeps/<name>)")
    missing = [t for t in ("summary", "timeseries") if not (args.sweep_dir / t).is_dir()]
    if missing:
        parser.error(
            f"{args.sweep_dir} is not a sweep folder (no {', '.join(t + '/' for t in missing)} dataset in it; "
            "a sweep holds summary/, timeseries/, registry/, spending/: results/sweeps/<name>)"
        )
    try:  # the baseline named up front, with the scenarios the sweep has, before anything is computed
        runs = read_table(args.sweep_dir, "summary", columns=["scenario", "seed", "run_id"])
    except ValueError as e:
        parser.error(str(e))
    except (OSError, KeyError, pa.ArrowException) as e:  # a damaged or foreign dataset: say which folder
        parser.error(f"{args.sweep_dir}: its summary dataset cannot be read as a sweep's ({type(e).__name__}: {e})")
    scenarios = sorted(runs["scenario"].astype(str).unique())
    if args.baseline not in scenarios:
        held = ", ".join(scenarios) or "no run"
        parser.error(f"--baseline {args.baseline!r}: no run of that scenario in {args.sweep_dir}; it holds {held}")
    try:
        folder = analyse(args.sweep_dir, args.baseline, args.out)
    except ValueError as e:
        parser.error(str(e))
    except OSError as e:  # a write that failed (disk full, permission), or a file that vanished
        parser.error(f"{e.filename or args.sweep_dir}: {e.strerror or e}")
    note = json.loads((folder / "provenance.json").read_text()).get("left_out_note")
    if note:
        print(note)
    print(f"Comparison written to {folder}")


if __name__ == "__main__":
    main()


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """The table's numbers as a reader reads them: whole numbers with thousands separators from 1,000 on (counts,
    euros), four significant digits below (shares, ratios); never in scientific notation."""

    def text(v: object) -> object:
        if not isinstance(v, float):
            return v
        if v != v:  # NaN
            return ""
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"

    return table.apply(lambda column: column.map(text) if column.dtype.kind == "f" else column)
