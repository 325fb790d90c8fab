"""A ranking over plausible worlds: the CESER's levers compared over draws of every uncertain parameter, paired by
world and seed, and what the answer depends on (PRIM scenario discovery).

    python -m simulation.sensitivity worlds [--worlds 24] [--seeds 3] [--jobs 2] [--name NAME] [--fast]
                                            [--calibrated posterior|point]

A *world* is one draw of every declared uncertain parameter (``config.uncertainties``): the calibrated ones from
the calibration's last population (``docs/calibration/posterior.csv``, particles drawn alike: each fits the targets
within the final tolerance), the others from
their declared ranges (a Latin hypercube). In each world every lever's scenario and the baseline run on the same
seeds, seeds of its own (world ``w`` of ``n`` seeds each: seeds ``w·n`` to ``w·n + n - 1``): a seed fixes draws
that no parameter moves — the months in which a lever's purse can buy a grant or an event, among them — and worlds
sharing seeds would share those draws, which the bootstrap over worlds would take for independent. Per world, a
lever's value is its extra lasting cooperations (paired with the baseline by seed) per M€ of its
own spending, the ratio of the means over the world's seeds: the council's money, every lever at its scenario's
yearly budget. (The report's value for one sweep counts every extra public euro, the co-funding the lever's
projects draw from other public bodies included; over plausible worlds that co-funding varies from seed to seed far
more than a lever's budget, and the ratio would be undefined in half the worlds.) Over worlds:

* each lever's value with a 90% interval that includes parameter uncertainty (a bootstrap over worlds, each world
  with the noise of its seeds);
* the share of worlds in which each lever adds the most per M€ ("P4 adds the most in 62% of worlds");
* for each lever that leads in a fair share of worlds, PRIM (the EMA Workbench's) finds the box of parameters
  where it leads ("P3 leads where grants are large and facilitation weak").

The runs go through the sweep machinery (resume, lock, completeness) into ``results/sensitivity/<name>/worlds``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from simulation.config.levers import LEVERS
from simulation.config.uncertainties import UNCERTAINTIES, calibrated, overrides, screened
from simulation.runs.provenance import REPO, to_json
from simulation.study.designs import run_design

#: The CESER's levers, the scenarios compared (each named after its lever).
LEVER_SCENARIOS = [name for name, lever in LEVERS.items() if lever.ceser]
#: The value compared: extra lasting cooperations per M€ of the lever's own spending.
VALUE = "lasting_cooperations_per_lever_meur"
#: A lever is explained by PRIM when it leads in at least this share of worlds.
PRIM_MIN_SHARE = 0.1
POSTERIOR = REPO / "docs" / "calibration" / "posterior.csv"


#: Where the worlds' calibrated parameters come from: the calibration's last population, or its point.
CALIBRATED = ("posterior", "point")


def draw_worlds(n: int, seed: int = 0, posterior: Path = POSTERIOR, calibrated_from: str = "posterior") -> pd.DataFrame:
    """``n`` worlds: one row each, a value for every screened uncertain parameter (and the calibrated idea rates).

    The calibrated parameters are drawn together, as particles of the posterior (their dependence kept); the
    others, independently, by a Latin hypercube over their declared ranges. With ``calibrated_from="point"`` the
    calibrated parameters are left out, so that every world runs them at the calibration's point
    (``configs/calibration/phare2015.yaml``) and only the others vary: whether the ranking depends on where the
    calibrated parameters sit among the worlds that fit the targets.
    """
    if calibrated_from not in CALIBRATED:
        raise ValueError(f"calibrated_from={calibrated_from!r}: allowed are {', '.join(CALIBRATED)}")
    rng = np.random.default_rng(seed)
    names = [k for k in screened() if k not in calibrated()]
    lhs = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    lows = np.array([UNCERTAINTIES[k].low for k in names])
    highs = np.array([UNCERTAINTIES[k].high for k in names])
    worlds = pd.DataFrame(qmc.scale(lhs, lows, highs), columns=names)
    calibrated_names = list(calibrated())
    if calibrated_from == "point":
        drawn = pd.DataFrame(index=range(n))
    elif posterior.is_file():
        post = pd.read_csv(posterior)
        # every particle of the last population fits the targets within the final tolerance: each is a plausible
        # calibrated world, drawn alike (the importance weights sit on one or two particles when the effective
        # sample size collapses, which would put every world on the same calibrated values)
        picks = rng.choice(len(post), size=n)
        drawn = post.loc[picks, calibrated_names].reset_index(drop=True)
    else:  # no calibration yet: the priors
        drawn = pd.DataFrame({k: rng.uniform(*UNCERTAINTIES[k].bounds, size=n) for k in calibrated_names})
    worlds = pd.concat([drawn, worlds], axis=1)
    for k in worlds.columns:
        if UNCERTAINTIES[k].integer:
            worlds[k] = worlds[k].round()
    worlds.insert(0, "world", np.arange(n))
    return worlds


def design(worlds: pd.DataFrame, seeds: int, extra: list[str]) -> tuple[list[list[str]], list[tuple[int, str, int]]]:
    """Every run of the comparison: (overrides, (world, scenario, seed)), baseline and levers on the same seeds,
    each world on seeds of its own (:func:`world_seeds`)."""
    params = [c for c in worlds.columns if c != "world"]
    points, keys = [], []
    for _, row in worlds.iterrows():
        world = int(row["world"])
        world_overrides = overrides({k: float(row[k]) for k in params})
        for scenario in ["baseline", *LEVER_SCENARIOS]:
            for s in world_seeds(world, seeds):
                points.append([*world_overrides, f"scenario={scenario}", f"seed={s}", *extra])
                keys.append((world, scenario, s))
    return points, keys


def world_seeds(world: int, seeds: int) -> range:
    """The seeds of world ``world`` when each world runs ``seeds``: its own, shared with no other world."""
    return range(world * seeds, (world + 1) * seeds)


def per_world(res: pd.DataFrame) -> pd.DataFrame:
    """Each lever's value in each world: the mean over the world's seeds of its extra lasting cooperations (paired
    with the baseline) per M€ of its mean own spending (:func:`paired`)."""
    pairs = paired(res)
    means = pairs.groupby(["world", "scenario"])[["delta", "money_meur"]].mean()
    values = (means["delta"] / means["money_meur"].where(means["money_meur"] > 0)).rename(VALUE).reset_index()
    table = values.pivot(index="world", columns="scenario", values=VALUE)
    return table[[s for s in LEVER_SCENARIOS if s in table.columns]]


def leaders(values: pd.DataFrame) -> pd.Series:
    """The lever adding the most per M€ in each world (NaN values never lead)."""
    return values.idxmax(axis=1, skipna=True)


def paired(res: pd.DataFrame) -> pd.DataFrame:
    """One row per lever, world and seed: its extra lasting cooperations over the baseline (same world, same seed)
    and the M€ the lever itself spent (``public_eur_lever_<lever>``: the council's money, not the public
    co-funding the projects it adds or removes draw from other public bodies, which varies from seed to seed far
    more than a lever's budget and would make the ratio a ratio of two noises)."""
    base = res[res.scenario == "baseline"][["world", "seed", "lasting_cooperations"]]
    lev = res[res.scenario.isin(LEVER_SCENARIOS)]
    both = lev.merge(base, on=["world", "seed"], suffixes=("", "_base"))
    own = np.array(
        [float(row[f"public_eur_lever_{row['scenario']}"]) for _, row in both.iterrows()], dtype=float
    )
    return pd.DataFrame(
        {
            "scenario": both["scenario"].to_numpy(),
            "world": both["world"].to_numpy(),
            "seed": both["seed"].to_numpy(),
            "delta": (both["lasting_cooperations"] - both["lasting_cooperations_base"]).to_numpy(),
            "money_meur": own / 1e6,
        }
    )


def pooled(pairs: pd.DataFrame, worlds: np.ndarray) -> dict[str, float]:
    """Each lever's value over the given worlds (with repeats: a bootstrap sample), every world × seed pair pooled."""
    counts = pd.Series(worlds).value_counts()
    weight = pairs["world"].map(counts).fillna(0.0).to_numpy()
    out = {}
    for lever in LEVER_SCENARIOS:
        mask = (pairs["scenario"] == lever).to_numpy()
        w = weight[mask]
        money = float((pairs["money_meur"].to_numpy()[mask] * w).sum())
        delta = float((pairs["delta"].to_numpy()[mask] * w).sum())
        out[lever] = delta / money if money > 0 else float("nan")
    return out


def summarise(res: pd.DataFrame, worlds: pd.DataFrame, boot: int = 400, seed: int = 0) -> dict[str, Any]:
    """Values with intervals that include parameter uncertainty, leading shares, and their stability."""
    rng = np.random.default_rng(seed)
    ids = np.array(sorted(worlds["world"].astype(int)))
    values = per_world(res)
    lead = leaders(values)
    pairs = paired(res)
    point = pooled(pairs, ids)
    samples = [rng.choice(ids, size=len(ids)) for _ in range(boot)]
    draws = [pooled(pairs, sample) for sample in samples]
    lead_share = lead.value_counts(normalize=True).reindex(LEVER_SCENARIOS, fill_value=0.0)
    by_world = lead.reindex(ids).to_numpy()
    boot_shares = np.array([[np.mean(by_world[sample] == lever) for lever in LEVER_SCENARIOS] for sample in samples])
    levers = {}
    for j, lever in enumerate(LEVER_SCENARIOS):
        vals = np.array([d[lever] for d in draws], dtype=float)
        levers[lever] = {
            "value": point[lever],
            "interval90": [float(np.nanquantile(vals, 0.05)), float(np.nanquantile(vals, 0.95))],
            "lead_share": float(lead_share[lever]),
            "lead_share_se": float(boot_shares[:, j].std(ddof=1)),
        }
    # how many worlds give stable shares: the running share of the most frequent leader, world by world
    top = lead_share.idxmax()
    running = (lead == top).expanding().mean()
    return {
        "worlds": len(ids),
        "seeds": int(res.groupby("world")["seed"].nunique().max()),  # per world (each world has its own)
        "levers": levers,
        "leader": top,
        "running_share_of_leader": [round(float(x), 3) for x in running.to_numpy()],
        "depends_on": discover(worlds, lead),
    }


def discover(worlds: pd.DataFrame, lead: pd.Series) -> dict[str, list[dict[str, Any]]]:
    """PRIM (EMA Workbench) boxes: for each lever leading in at least :data:`PRIM_MIN_SHARE` of worlds, the ranges
    of the uncertain parameters where it leads (the first box of the peeling trajectory with a density of at least
    twice its base share, or the densest)."""
    from ema_workbench.analysis import prim

    x = worlds.set_index("world").loc[lead.index]
    out: dict[str, list[dict[str, Any]]] = {}
    for lever, share in lead.value_counts(normalize=True).items():
        if share < PRIM_MIN_SHARE or share > 0.9:
            continue
        y = (lead == lever).to_numpy()
        try:
            box = prim.Prim(x.reset_index(drop=True), y, peel_alpha=0.1).find_box()
        except (ValueError, AssertionError):  # too few worlds to peel
            continue
        if box is None:
            continue
        stats = box.peeling_trajectory
        best = stats[stats["density"] >= min(0.99, 2 * share)]
        i = int(best.index[0]) if len(best) else int(stats["density"].idxmax())
        box.select(i)
        limits = box.box_lims[i]
        restricted = []
        for name in x.columns:
            lo, hi = float(limits[name].iloc[0]), float(limits[name].iloc[1])
            full_lo, full_hi = float(x[name].min()), float(x[name].max())
            if lo > full_lo + 1e-12 or hi < full_hi - 1e-12:
                restricted.append({"parameter": name, "low": lo, "high": hi, "range": [full_lo, full_hi]})
        out[str(lever)] = [
            {
                "coverage": float(stats.loc[i, "coverage"]),
                "density": float(stats.loc[i, "density"]),
                "base_share": float(share),
                "box": restricted,
            }
        ]
    return out


def run(
    out: Path, n_worlds: int, seeds: int, jobs: int, extra: list[str], calibrated_from: str = "posterior"
) -> dict[str, Any]:
    """Draw the worlds, run them through the sweep machinery, and write ``worlds.csv``, ``values.csv``,
    ``pairs.csv`` and ``summary.json`` under ``out`` (under ``out/at_point`` with the calibrated parameters at
    the calibration's point: :func:`draw_worlds`)."""
    worlds = draw_worlds(n_worlds, calibrated_from=calibrated_from)
    out = out if calibrated_from == "posterior" else out / "at_point"
    points, keys = design(worlds, seeds, extra)
    res = run_design(points, out / "worlds", jobs)
    res["world"] = [k[0] for k in keys]
    res["scenario"] = [k[1] for k in keys]
    res["seed"] = [k[2] for k in keys]
    out.mkdir(parents=True, exist_ok=True)
    worlds.to_csv(out / "worlds.csv", index=False)
    values = per_world(res)
    values.assign(leader=leaders(values)).to_csv(out / "values.csv")
    paired(res).to_csv(out / "pairs.csv", index=False)  # each lever, world and seed: extra lasting, own M€
    summary = summarise(res, worlds)
    from simulation.config import compose

    setting = compose(extra)
    summary["setting"] = {
        "region": setting.region.label,
        "sample_fraction": setting.region.sample_fraction,
        "horizon_months": setting.horizon_months,
        "overrides": extra,
        "budgets": "each lever at its scenario's yearly budget (configs/policies/)",
        "calibrated": (
            "drawn from the calibration's last population (docs/calibration/posterior.csv)"
            if calibrated_from == "posterior"
            else "at the calibration's point (configs/calibration/phare2015.yaml)"
        ),
    }
    (out / "summary.json").write_text(to_json(summary))
    return summary
