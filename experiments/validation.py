"""Validation experiments: the model against what the sources report and were not used to fit.

    .venv/bin/python experiments/validation.py [--seeds 10] [--out docs/validation]

Writes ``validation.json`` and ``shock.png`` into ``--out``; ``docs/validation.md``
reads them. Out-of-sample facts (Territoires Conseils 2018): the pioneer programmes'
time scales — Emergence started 2012, experimented 2014, deployed 2017
(sequence 2), Ecooparc ran 30 months of experimentation (closing examples) —
and the 36-month minimum of governance dialogues (sequence 2, Le RAMEAU). Stylised facts: successes feed trust, trust is
not spontaneous, cross-sector ties are the scarce ones, a shock sets emergence
back and it recovers slowly.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.runs.provenance import to_json

REPO = Path(__file__).resolve().parent.parent


#: Encounter channels switched off one at a time (ODD §"An emergent trade-off"): what each does to the decade's
#: launches, lasting cooperations and jobs, against the baseline on the same seeds.
CHANNELS = {
    "without_strangers_of_the_territory": ("encounters.territory_per_month=0",),
    "without_facilitators_introductions": ("encounters.facilitator_introductions_per_month=0",),
    "without_the_rise_of_generalised_trust": ("trust.generalised_gain_per_success=0",),
}
#: The decade's outcomes the channels are read on (the last month of the time series).
CHANNEL_OUTCOMES = ("projects_launched_cumulative", "lasting_cooperations", "jobs")


def one(args: tuple[str, int]) -> tuple[str, int, pd.DataFrame, pd.DataFrame, dict]:
    from simulation.config import compose
    from simulation.model import records
    from simulation.model.model import TerritorialModel, outcomes
    from simulation.model.trust import all_pairs

    scenario, seed = args
    overrides = [f"scenario={scenario}"] if scenario not in CHANNELS else ["scenario=baseline", *CHANNELS[scenario]]
    model = TerritorialModel(compose(overrides), seed=seed).run()
    ts = outcomes.timeseries(model)
    reg = records.registry(model)
    # Trust among members of projects that succeeded vs of projects that failed, and vs all ties.
    trust = model.trust
    extra = {"all_ties_mean_trust": trust.mean_trust()}
    for label, rows in (("succeeded", reg.month_consolidation >= 0), ("failed", reg.outcome == "failed")):
        vals = [trust.get(*all_pairs(np.array(m))).mean() for m in reg.loc[rows, "members"] if len(m) > 1]
        extra[f"members_trust_{label}"] = float(np.mean(vals)) if vals else float("nan")
    sector = model.actors.sector
    share = np.bincount(sector) / len(sector)
    extra["cross_sector_share_if_random"] = float(1 - (share**2).sum())
    return scenario, seed, ts, reg, extra


def channels(runs: list[tuple[str, int, pd.DataFrame, pd.DataFrame, dict]], seeds: int) -> dict[str, dict]:
    """Each channel switched off against the baseline, same seeds: the change of each outcome's mean over the seeds
    (percent) and in how many seeds the outcome is higher without the channel."""
    last = {(name, seed): ts.iloc[-1] for name, seed, ts, _, _ in runs}
    out: dict[str, dict] = {}
    for name in CHANNELS:
        out[name] = {"overrides": list(CHANNELS[name])}
        for k in CHANNEL_OUTCOMES:
            base = np.array([last["baseline", s][k] for s in range(seeds)], dtype=float)
            off = np.array([last[name, s][k] for s in range(seeds)], dtype=float)
            out[name][k] = {
                "change_percent": round(float(100 * (off.mean() / base.mean() - 1)), 2),
                "seeds_higher": int((off > base).sum()),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "validation")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        runs = list(pool.map(one, [(s, k) for s in ("baseline", "covid_shock", *CHANNELS) for k in range(args.seeds)]))
    base = [r for r in runs if r[0] == "baseline"]
    regs = pd.concat([r[3] for r in base])
    deployed = regs[regs.month_deployment >= 0]
    consolidated = regs[regs.month_consolidation >= 0]
    ts_base = np.array([r[2]["active_cooperations"].to_numpy() for r in base])
    ts_shock = np.array([r[2]["active_cooperations"].to_numpy() for r in runs if r[0] == "covid_shock"])
    gap = ts_shock - ts_base
    mean_gap = gap.mean(axis=0)
    worst = int(np.argmin(mean_gap))
    result = {
        "seeds": args.seeds,
        "months_launch_to_experimentation_median": float(
            (regs.month_experimentation - regs.month_seed)[regs.month_experimentation >= 0].median()
        ),
        "months_launch_to_consolidation_median": float(
            (consolidated.month_consolidation - consolidated.month_seed).median()
        ),
        "months_launch_to_deployment_median": float((deployed.month_deployment - deployed.month_seed).median()),
        "share_of_projects_reaching_deployment": float(len(deployed) / len(regs)),
        "members_per_project_mean": float(regs.n_members.mean()),
        "share_of_failures_before_36_months": float(
            ((regs.outcome == "failed") & (regs.duration_months < 36)).sum() / max((regs.outcome == "failed").sum(), 1)
        ),
        "members_trust_succeeded": float(np.nanmean([r[4]["members_trust_succeeded"] for r in base])),
        "members_trust_failed": float(np.nanmean([r[4]["members_trust_failed"] for r in base])),
        "all_ties_mean_trust": float(np.mean([r[4]["all_ties_mean_trust"] for r in base])),
        "year_one_share_of_peak": float(ts_base.mean(axis=0)[12] / ts_base.mean(axis=0).max()),
        "cross_sector_tie_share": float(np.mean([r[2]["cross_sector_tie_share"].iloc[-1] for r in base])),
        "cross_sector_share_if_random": float(np.mean([r[4]["cross_sector_share_if_random"] for r in base])),
        "shock_largest_gap_month": worst,
        "shock_largest_gap_active": float(mean_gap[worst]),
        "shock_gap_at_horizon": float(mean_gap[-1]),
        "shock_gap_at_horizon_ci95": [float(np.percentile(gap[:, -1], 2.5)), float(np.percentile(gap[:, -1], 97.5))],
        "participation_firm_end": float(np.mean([r[2]["participation_firm"].iloc[-1] for r in base])),
        "participation_collectivite_end": float(np.mean([r[2]["participation_collectivite"].iloc[-1] for r in base])),
        "share_of_projects_with_a_collectivite": float(regs.member_kinds.map(lambda k: "collectivite" in k).mean()),
    }
    result["encounter_channels"] = channels(runs, args.seeds)
    (args.out / "validation.json").write_text(to_json(result))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    months = np.arange(ts_base.shape[1]) / 12
    ax.plot(months, ts_base.mean(axis=0), color="black", label="baseline")
    ax.plot(months, ts_shock.mean(axis=0), color="#d62728", label="covid-like shock in year 4")
    ax.axvspan(3, 4, color="grey", alpha=0.2)
    ax.set_xlabel("year")
    ax.set_ylabel(f"active cooperations (mean of {args.seeds} seeds)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(months, mean_gap, color="#d62728", ls=":", label="gap")
    ax2.set_ylabel("shock − baseline (same seeds)")
    fig.tight_layout()
    fig.savefig(args.out / "shock.png", dpi=110)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
