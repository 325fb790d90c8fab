"""What a seed grant does (lever P3, docs/ODD.md §7.9): its value per euro, and which coalitions it reaches.

    .venv/bin/python experiments/seed_grants.py [--council-seeds 100] [--seeds 16] [--budget 10000000] [--out DIR]

P3 offers each coalition at launch a grant of ``grant_eur`` (20 k€) of public money while its purse holds one
(CESER 2019, preconisation 3: « Mettre en place des bourses dédiées à l'amorçage de projets »). At a council's
250 k€ a year a 1% sample buys one or two grants a run (each sampled grant stands for a hundred), so the lever's
value per euro is the mean of a few whole grants' consequences, which vary widely from seed to seed: it is
measured on many seeds at that budget, and on fewer at a budget that buys dozens of grants a run (``--budget``).

Which coalitions a grant reaches is read in the projects' registry: a grant fills the public tier that the
members and the territory's fund leave short (``simulation.kernels.funding.plan_one``), so under the default
rule (four tiers, each independent of the others) a granted project's coverage without its grant is its coverage
(:func:`simulation.model.funding.coverage`) with the grant taken out of what it raised. A grant is a windfall where
that coverage already reached ``alliances.min_launch_coverage`` (the project would have launched without it), and
tips the project over the threshold otherwise. Each kind's failures by the decade's end are set against the
baseline's projects.

Writes ``seed_grants.json`` into ``--out`` (default ``docs/validation``); ``docs/validation.md`` quotes it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.runs.provenance import to_json

REPO = Path(__file__).resolve().parent.parent
LEVER = "p3_seed_grants"
#: The registry's columns of what a project raised at launch, by source (the grant is ``funding_public_policy_eur``);
#: its credible expected revenue, ``funding_revenue_eur``, counts towards its coverage too.
RAISED = (
    "funding_public_local_eur",
    "funding_local_fund_eur",
    "funding_public_policy_eur",
    "funding_private_eur",
    "funding_volunteering_eur",
)
OUTCOMES = ("lasting_cooperations", "projects_launched_cumulative", "failures_cumulative")


def one(args: tuple[str, int, float | None, tuple[str, ...]]) -> dict[str, Any]:
    """One run (scenario, seed, the lever's yearly budget or None for the scenario's, other overrides): the
    decade's outcomes and the lever's spending, and (with the lever) what its grants reached."""
    from simulation.config import compose
    from simulation.model import outcomes, records
    from simulation.model.funding import coverage
    from simulation.model.model import TerritorialModel

    scenario, seed, budget, extra = args
    overrides = [f"scenario={scenario}", *extra]
    if budget is not None and scenario != "baseline":
        overrides.append(f"policies.equal_budget_eur_per_year={budget!r}")
    model = TerritorialModel(compose(overrides), seed=seed).run()
    summary = outcomes.summarise(model, outcomes.timeseries(model))
    reg = records.registry(model)
    raised = reg[list(RAISED)].sum(axis=1).to_numpy()
    revenue, budget = reg.funding_revenue_eur.to_numpy(), reg.budget_eur.to_numpy()
    covered = pd.Series(coverage(raised, revenue, budget), index=reg.index)
    without = pd.Series(coverage(raised - reg.funding_public_policy_eur.to_numpy(), revenue, budget), index=reg.index)
    granted = reg.policy_levers.map(lambda levers: LEVER in levers)
    threshold = model.config.alliances.min_launch_coverage
    return {
        "scenario": scenario,
        "seed": seed,
        **{k: float(summary[k]) for k in OUTCOMES},
        "lever_eur": float(summary[f"public_eur_lever_{LEVER}"]),
        "budget_eur_per_year": float(summary["lever_budget_eur_per_year"]),
        "rule": model.config.funding.rule,
        "projects": len(reg),
        "failed": int((reg.outcome == "failed").sum()),
        "granted": int(granted.sum()),
        "windfall": int((granted & (without >= threshold)).sum()),
        "windfall_failed": int((granted & (without >= threshold) & (reg.outcome == "failed")).sum()),
        "tipped": int((granted & (without < threshold)).sum()),
        "tipped_failed": int((granted & (without < threshold) & (reg.outcome == "failed")).sum()),
        "coverage_granted_median": float(covered[granted].median()) if granted.any() else float("nan"),
        "coverage_without_grant_median": float(without[granted].median()) if granted.any() else float("nan"),
    }


def compare(runs: pd.DataFrame) -> dict[str, Any]:
    """The lever against the baseline on the same seeds, and what its grants reached."""
    base = runs[runs.scenario == "baseline"].set_index("seed")
    lever = runs[runs.scenario == LEVER].set_index("seed")
    meur = lever.lever_eur / 1e6
    out: dict[str, Any] = {
        "budget_eur_per_year": float(lever.budget_eur_per_year.iloc[0]),
        "seeds": len(lever),
        "lever_meur_mean": float(meur.mean()),
    }
    for k in OUTCOMES:
        delta = lever[k] - base.loc[lever.index, k]
        out[k] = {
            "per_lever_meur": float(delta.mean() / meur.mean()),
            "se_per_lever_meur": float(delta.std(ddof=1) / np.sqrt(len(delta)) / meur.mean()),
        }
    granted = int(lever.granted.sum())
    out["grants_per_run"] = granted / len(lever)
    out["windfall_share"] = float(lever.windfall.sum() / granted) if granted else float("nan")
    out["tipped_share"] = float(lever.tipped.sum() / granted) if granted else float("nan")
    out["failed_share_windfall"] = float(lever.windfall_failed.sum() / max(lever.windfall.sum(), 1))
    out["failed_share_tipped"] = float(lever.tipped_failed.sum() / max(lever.tipped.sum(), 1))
    out["failed_share_baseline_projects"] = float(base.failed.sum() / base.projects.sum())
    out["coverage_granted_median"] = float(lever.coverage_granted_median.median())
    out["coverage_without_grant_median"] = float(lever.coverage_without_grant_median.median())
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--council-seeds", type=int, default=100, help="paired seeds at the scenario's budget")
    parser.add_argument("--seeds", type=int, default=16, help="paired seeds at --budget")
    parser.add_argument("--budget", type=float, default=10_000_000.0, help="a budget that buys many grants, €/year")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "validation")
    args = parser.parse_args(argv)
    for flag, value in (("--council-seeds", args.council_seeds), ("--seeds", args.seeds)):
        if value < 2:
            parser.error(f"{flag} must be at least 2 (a standard error needs two paired seeds), got {value}")
    if not args.budget > 0:
        parser.error(f"--budget must be above 0 €/year, got {args.budget}")
    settings = {"council": (None, args.council_seeds), "resolved": (args.budget, args.seeds)}
    tasks = [(sc, s, b, ()) for b, n in settings.values() for s in range(n) for sc in ("baseline", LEVER)]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        rows = list(pool.map(one, tasks, chunksize=4))
    runs = pd.DataFrame(rows)
    runs["setting"] = [name for name, (_, n) in settings.items() for _ in range(2 * n)]
    if (rule := set(runs.rule)) != {"four_tiers"}:
        raise SystemExit(f"error: the windfall is read for the four-tier rule only, the runs used {sorted(rule)}")
    result: dict[str, Any] = {"lever": LEVER}
    for name in settings:
        result[name] = compare(runs[runs.setting == name])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "seed_grants.json").write_text(to_json(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
