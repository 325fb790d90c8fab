"""Each lever's effect both ways, side by side: the projects attributed to it by how their members came together
(their ``channel``) or by the money they took, and its causal effect — the paired difference with the baseline on
the same seeds. The gap between the two is a finding: projects a lever "made" may have happened anyway (they
displace others), and a lever may add projects that never carry its name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.config.levers import LEVERS
from simulation.study.statistics import interval

#: The channel through which a lever brings members together (its projects carry it); levers that only fund
#: projects are attributed the projects that took their money.
CHANNEL_OF_LEVER = {
    "p2_creative_evenings": "event",
    "p4_facilitation": "facilitator",
    "p8_networks": "support_network",
}
#: How members came together, in the registry's ``channel`` column.
CHANNELS = (
    "network",
    "territory",
    "cross_territory",
    "event",
    "facilitator",
    "support_network",
    "follow_up",
    "replication",
)


def by_channel(registry: pd.DataFrame) -> pd.DataFrame:
    """Projects launched per run and channel, in real units (weighted): columns scenario, seed, and one per
    channel."""
    weight = registry["weight"].astype(float) if "weight" in registry else pd.Series(1.0, index=registry.index)
    table = (
        registry.assign(w=weight, scenario=registry["scenario"].astype(str))
        .pivot_table(index=["scenario", "seed"], columns="channel", values="w", aggfunc="sum", fill_value=0.0)
        .reindex(columns=list(CHANNELS), fill_value=0.0)
    )
    return table.reset_index()


def attributed(registry: pd.DataFrame, lever: str) -> pd.Series:
    """Projects attributed to a lever in each of its runs (by seed): those of its channel, or that took its money."""
    runs = registry[registry["scenario"].astype(str) == lever]
    weight = runs["weight"].astype(float) if "weight" in runs else pd.Series(1.0, index=runs.index)
    channel = CHANNEL_OF_LEVER.get(lever)
    if channel is not None:
        mask = runs["channel"] == channel
    else:
        mask = runs["policy_levers"].map(lambda levers: lever in list(levers) if levers is not None else False)
    return (weight * mask).groupby(runs["seed"]).sum()


def both_ways(registry: pd.DataFrame, summary: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """One row per lever scenario: projects attributed to it (mean over seeds, 95% interval) and its causal effect
    on projects launched (paired difference with the baseline, 95% t-interval), and their gap."""
    rows = []
    base = summary[summary["scenario"].astype(str) == baseline].set_index("seed")["projects_launched_cumulative"]
    for lever in sorted(set(summary["scenario"].astype(str)) - {baseline}):
        if lever not in LEVERS:
            continue
        runs = summary[summary["scenario"].astype(str) == lever].set_index("seed")["projects_launched_cumulative"]
        seeds = runs.index.intersection(base.index)
        if len(seeds) == 0:
            continue
        causal = (runs.loc[seeds] - base.loc[seeds]).to_numpy(dtype=float)
        credited = attributed(registry, lever).reindex(seeds, fill_value=0.0).to_numpy(dtype=float)
        c_mean, c_lo, c_hi, n = interval(causal)
        a_mean, a_lo, a_hi, _ = interval(credited)
        g_mean, g_lo, g_hi, _ = interval(credited - causal)
        rows.append(
            {
                "scenario": lever,
                "attributed_projects": a_mean,
                "attributed_ci_low": a_lo,
                "attributed_ci_high": a_hi,
                "causal_extra_projects": c_mean,
                "causal_ci_low": c_lo,
                "causal_ci_high": c_hi,
                "gap": g_mean,
                "gap_ci_low": g_lo,
                "gap_ci_high": g_hi,
                "n_seeds": n,
            }
        )
    return pd.DataFrame(rows)


def channel_shares(registry: pd.DataFrame) -> pd.DataFrame:
    """Each scenario's projects by channel, as shares of its projects (mean over its runs)."""
    counts = by_channel(registry)
    shares = counts[list(CHANNELS)].div(counts[list(CHANNELS)].sum(axis=1).replace(0, np.nan), axis=0)
    return shares.assign(scenario=counts["scenario"]).groupby("scenario").mean()
