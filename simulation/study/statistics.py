"""The statistics of a comparison: paired differences with t-intervals, per-M€ ratios with Fieller's
intervals, and the ranking of levers."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import stats

from simulation.enums import ActorKind
from simulation.model.indicators import COMPARED, FEW_ACTORS, OUTCOMES, PER_MEUR

#: Indicators compared (names of ``summary`` columns), as declared (``model.indicators``).
INDICATORS = COMPARED
#: Indicators that are shares, in [0, 1] (not percentages).
SHARES = {name for name in INDICATORS if OUTCOMES[name].share}
#: Indicators bounded to [0, 1]: the shares and the Gini coefficient. Their intervals are clipped to it.
UNIT_INTERVAL = {name for name in INDICATORS if OUTCOMES[name].unit_interval}


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and t-interval of ``values`` (NaNs dropped): (mean, low, high, n)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    mean = float(v.mean())
    if n == 1:
        return mean, float("nan"), float("nan"), 1
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def monthly_band(
    runs: pd.DataFrame, value: str = "active_cooperations"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Years, and the mean and 95% t-interval of ``value`` month by month across the seeds of ``runs`` (a time
    series with ``month`` and ``seed`` columns: one scenario's)."""
    wide = runs.pivot_table(index="month", columns="seed", values=value)
    stats_ = np.array([interval(row)[:3] for row in wide.to_numpy()], dtype=float).reshape(-1, 3)
    return wide.index.to_numpy() / 12, stats_[:, 0], stats_[:, 1], stats_[:, 2]


def _by_seed(summary: pd.DataFrame, baseline: str) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame, pd.Index]]:
    """Each scenario's runs and the baseline's, both indexed by seed, with the seeds they share: what a paired
    comparison reads (scenarios in name order, the baseline among them)."""
    base = summary[summary["scenario"] == baseline].set_index("seed")
    for scenario, runs in summary.groupby("scenario", sort=True):
        runs = runs.set_index("seed")
        yield str(scenario), runs, base, runs.index.intersection(base.index)


def compare(summary: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Paired differences to the baseline, per scenario and indicator."""
    if baseline not in set(summary["scenario"]):
        raise ValueError(f"no run of the baseline scenario {baseline!r} in this sweep")
    rows = []
    for scenario, runs, base, seeds in _by_seed(summary, baseline):
        for ind in INDICATORS:
            if ind not in runs or summary[ind].isna().all():
                continue  # defined in no run of the sweep (recovery after a shock, without a shock)
            s_mean, s_lo, s_hi, _ = interval(runs.loc[seeds, ind].to_numpy())
            if ind in UNIT_INTERVAL:  # a t-interval knows no bounds: a share's or a Gini's stays in [0, 1]
                s_lo, s_hi = max(s_lo, 0.0), min(s_hi, 1.0)
            b_mean = float(base.loc[seeds, ind].mean())  # NaN if none is defined
            d_mean, d_lo, d_hi, n = interval((runs.loc[seeds, ind] - base.loc[seeds, ind]).to_numpy())
            rows.append(
                {
                    "scenario": scenario,
                    "indicator": ind,
                    "mean": s_mean,
                    "ci_low": s_lo,
                    "ci_high": s_hi,
                    "baseline_mean": b_mean,
                    "difference": d_mean,
                    "difference_ci_low": d_lo,
                    "difference_ci_high": d_hi,
                    "n_seeds": n,
                }
            )
    return pd.DataFrame(rows)


#: The columns of :func:`few_actor_kinds`.
FEW_COLUMNS = ["scenario", "kind", "indicator", "fewest_actors", "most_actors"]


def few_actor_kinds(summary: pd.DataFrame, baseline: str = "baseline", least: int = FEW_ACTORS) -> pd.DataFrame:
    """The kinds of actor too few, in a scenario's comparison, for their participation to mean anything.

    A kind's participation is the share of its simulated actors in a partnership: of 1 or 2 actors, it jumps
    between 0% and 100%, and its mean difference to the baseline is noise. A scenario's participation of a kind
    is compared on the seeds it shares with the baseline; it is too few when one of those runs, of the scenario
    or of the baseline, simulated fewer than ``least`` actors of the kind (the summary's ``actors_<kind>``;
    :data:`simulation.model.indicators.FEW_ACTORS`: one actor more or less then moves the share by more than 3
    points). Runs whose summary does not hold the counts (made by an earlier version) leave nothing out.

    Returns:
        One row per scenario and kind too few (:data:`FEW_COLUMNS`): the kind's label, its participation
        indicator, and the fewest and most actors of the kind in those runs.
    """
    rows = []
    for scenario, runs, base, seeds in _by_seed(summary, baseline):
        for kind in ActorKind:
            column, indicator = f"actors_{kind.label}", f"participation_{kind.label}"
            if column not in summary or indicator not in INDICATORS:
                continue
            counts = pd.concat([runs.loc[seeds, column], base.loc[seeds, column]]).dropna()
            if len(counts) and counts.min() < least:
                rows.append([scenario, kind.label, indicator, int(counts.min()), int(counts.max())])
    return pd.DataFrame(rows, columns=FEW_COLUMNS)


def without(table: pd.DataFrame, few: pd.DataFrame) -> pd.DataFrame:
    """The comparison ``table`` (:func:`compare`) without the rows of ``few`` (:func:`few_actor_kinds`)."""
    if not len(few):
        return table
    left_out = set(zip(few["scenario"], few["indicator"], strict=True))
    keep = [(s, i) not in left_out for s, i in zip(table["scenario"], table["indicator"], strict=True)]
    return table[keep].reset_index(drop=True)


def ratio_of_means(delta: np.ndarray, extra: np.ndarray) -> float:
    """mean(delta) ÷ mean(extra) over seeds; NaN where mean(extra) ≤ 0."""
    den = float(np.mean(extra)) if len(extra) else 0.0
    return float(np.mean(delta)) / den if den > 0 else float("nan")


def fieller_interval(delta: np.ndarray, extra: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Fieller's interval of mean(delta) ÷ mean(extra), the two paired by seed (Fieller 1954).

    The ratios ρ whose numerator mean(delta) − ρ·mean(extra) a t-test over the seeds (n − 1 degrees of
    freedom, the sample covariance of delta and extra) does not reject. When mean(extra) is above zero
    beyond the noise (its own t-test), the set is an interval that contains 0 exactly when the t-interval
    of mean(delta) does: a per-M€ value and the indicator's difference never disagree on whether an effect
    is told from chance. Otherwise the set is unbounded: (−inf, inf), which includes 0 (nothing is claimed).
    NaN with fewer than 2 seeds or when mean(extra) is not positive (no ratio).
    """
    d, x = np.asarray(delta, float), np.asarray(extra, float)
    n = len(d)
    if n < 2:
        return float("nan"), float("nan")
    t2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2
    cov = np.cov(np.vstack([d, x]), ddof=1) / n  # variances and covariance of the two means
    dm, xm = float(d.mean()), float(x.mean())
    a = xm * xm - t2 * cov[1, 1]
    b = dm * xm - t2 * cov[0, 1]
    c = dm * dm - t2 * cov[0, 0]
    if xm <= 0 or not np.isfinite(a):
        return float("nan"), float("nan")
    if a <= 0:
        return -math.inf, math.inf
    half = float(np.sqrt(max(b * b - a * c, 0.0)))
    return (b - half) / a, (b + half) / a


def ratio_difference_interval(
    delta: tuple[np.ndarray, np.ndarray], extra: tuple[np.ndarray, np.ndarray], level: float = 0.95
) -> tuple[float, float, float]:
    """The difference of two ratios of paired means, second − first, on the same seeds, and its t-interval.

    Each ratio R = mean(delta) ÷ mean(extra) is linearised seed by seed (delta-method):
    z = (delta − R·extra) ÷ mean(extra); the difference's interval is the t-interval over the seeds of the
    paired z's (n − 1 degrees of freedom). NaN where a ratio is; (−inf, inf) where a ratio's own interval is
    unbounded (:func:`fieller_interval`: its z would divide by money not above zero beyond the noise).

    Returns:
        (difference, low, high).
    """
    pairs = [(np.asarray(d, float), np.asarray(x, float)) for d, x in zip(delta, extra, strict=True)]
    ratios = [ratio_of_means(d, x) for d, x in pairs]
    point = ratios[1] - ratios[0]
    if not np.isfinite(point):
        return point, float("nan"), float("nan")
    # Fieller's set is unbounded exactly when the money's own t-interval reaches 0 (its leading coefficient ≤ 0)
    if any(interval(x, level)[1] <= 0 for _, x in pairs):
        return point, -math.inf, math.inf
    z = [(d - r * x) / x.mean() for (d, x), r in zip(pairs, ratios, strict=True)]
    _, lo, hi, _ = interval(z[1] - z[0], level)
    return point, point + lo, point + hi


def _paired(summary: pd.DataFrame, scenario: str, baseline: str, seeds: pd.Index | None = None) -> pd.DataFrame:
    """Differences scenario − baseline by seed (sorted), on ``seeds`` or the seeds both ran."""
    base = summary[summary["scenario"] == baseline].set_index("seed")
    runs = summary[summary["scenario"] == scenario].set_index("seed")
    common = runs.index.intersection(base.index) if seeds is None else seeds
    common = common.sort_values()
    levers = [c for c in runs.columns if c.startswith(LEVER_EUR)]
    cols = [c for c in (*PER_MEUR, "public_eur_cumulative", *levers) if c in runs]
    return runs.loc[common, cols] - base.loc[common, cols]


#: The summary's columns of each lever's own spending, euros (``public_eur_lever_<lever>``).
LEVER_EUR = "public_eur_lever_"


def lever_meur(diff: pd.DataFrame) -> np.ndarray:
    """The M€ a scenario spent on its levers more than the baseline, seed by seed: the council's money, the
    denominator of every per-M€ value. Without the levers' columns (a summary of another kind), the extra public
    money as a whole."""
    levers = [c for c in diff.columns if c.startswith(LEVER_EUR)]
    money = diff[levers].sum(axis=1) if levers else diff["public_eur_cumulative"]
    return money.to_numpy(float) / 1e6


def cost_effectiveness(summary: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Extra lasting cooperations, jobs and launched projects per million euros spent on the levers, paired by seed.

    For a scenario and an indicator, the value is the ratio of the mean paired differences
    over seeds: mean(Δ indicator) ÷ mean(M€ spent on the scenario's levers, :func:`lever_meur`), NaN when that
    money is not positive. The denominator is the council's money, not every extra public euro: the public
    co-funding that the projects a lever adds or removes draw from other public bodies varies from seed to seed
    far more than a lever's budget (``extra_public_meur``, also given, is that whole). Its 95% interval is
    Fieller's (:func:`fieller_interval`): it includes 0
    exactly when the t-interval of the indicator's difference does (unbounded, −inf to inf, when the extra
    money is not above zero beyond the noise); NaN with fewer than 2 seeds.
    """
    rows = []
    for scenario in sorted(set(summary["scenario"])):
        if scenario == baseline:
            continue
        diff = _paired(summary, scenario, baseline)
        n = len(diff)
        extra = lever_meur(diff)
        public = diff["public_eur_cumulative"].to_numpy(float) / 1e6
        row: dict[str, object] = {
            "scenario": scenario,
            "lever_meur": float(extra.mean()) if n else np.nan,
            "extra_public_meur": float(public.mean()) if n else np.nan,
        }
        for ind in PER_MEUR:
            if ind not in diff:
                continue
            delta = diff[ind].to_numpy(float)
            lo, hi = fieller_interval(delta, extra)
            row |= {f"{ind}_per_meur": ratio_of_means(delta, extra), f"{ind}_per_meur_ci_low": lo}
            row[f"{ind}_per_meur_ci_high"] = hi
        row["n_seeds"] = n
        rows.append(row)
    return pd.DataFrame(rows)


def ranking(
    comparison: pd.DataFrame,
    ce: pd.DataFrame,
    summary: pd.DataFrame,
    baseline: str = "baseline",
    by: str = "lasting_cooperations_per_meur",
) -> pd.DataFrame:
    """The scenarios ranked by a per-M€ effect, with the paired differences they rest on.

    One row per scenario of ``ce`` (the baseline is not in it), best first (NaN last),
    with ``rank``, the columns of ``ce``, the difference and interval of
    ``lasting_cooperations``, ``successes_cumulative`` and ``jobs_created_cumulative``
    (``<indicator>_difference``, ``_ci_low``, ``_ci_high``), and:

    * ``vs_leader``, ``vs_leader_ci_low``, ``vs_leader_ci_high``: the paired difference
      (scenario − leader) of ``by``, and its 95% t-interval over the seeds run by the scenario,
      the leader and the baseline (:func:`ratio_difference_interval`); 0 and no interval for the leader;
    * ``below_leader``: that interval excludes 0 (the leader is ahead beyond the seeds' noise);
      False when it includes 0 or is missing;
    * ``includes_zero``: the interval of ``by`` includes 0 (no effect detectable).

    Overlapping marginal intervals do not show that two levers are indistinguishable:
    only the paired interval of their difference does. See :func:`ranking_verdict`.
    """
    out = ce.copy()
    for ind in ("lasting_cooperations", "successes_cumulative", "jobs_created_cumulative"):
        rows = comparison[comparison["indicator"] == ind].set_index("scenario")
        out[f"{ind}_difference"] = out["scenario"].map(rows["difference"])
        out[f"{ind}_difference_ci_low"] = out["scenario"].map(rows["difference_ci_low"])
        out[f"{ind}_difference_ci_high"] = out["scenario"].map(rows["difference_ci_high"])
    out = out.sort_values(by, ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    ind = by.removesuffix("_per_meur")
    vs = np.full((len(out), 3), np.nan)
    if len(out) and np.isfinite(out[by].iloc[0]):
        leader = str(out["scenario"].iloc[0])
        lead = _paired(summary, leader, baseline)
        vs[0] = 0.0, np.nan, np.nan
        for i, scenario in enumerate(out["scenario"].iloc[1:], start=1):
            other = _paired(summary, str(scenario), baseline)
            seeds = lead.index.intersection(other.index).sort_values()
            if len(seeds) < 2:
                continue
            a, b = lead.loc[seeds], other.loc[seeds]
            money = (lever_meur(a), lever_meur(b))
            vs[i] = ratio_difference_interval((a[ind].to_numpy(float), b[ind].to_numpy(float)), money)
    out["vs_leader"], out["vs_leader_ci_low"], out["vs_leader_ci_high"] = vs.T
    out["below_leader"] = (out["vs_leader_ci_high"] < 0) | (out["vs_leader_ci_low"] > 0)
    out["includes_zero"] = (out[f"{by}_ci_low"] <= 0) & (out[f"{by}_ci_high"] >= 0)
    return out


def ranking_verdict(ranked: pd.DataFrame, by: str = "lasting_cooperations_per_meur") -> str:
    """What the ranking allows to say: ``"no_levers"``, ``"few_seeds"`` (a lever has fewer than 2
    paired seeds: no interval), ``"no_value"`` (no lever has a value), ``"none_stands_out"``
    (every lever has the same value, e.g. all 0) or ``"ranked"``."""
    if not len(ranked):
        return "no_levers"
    if int(ranked["n_seeds"].min()) < 2:
        return "few_seeds"
    values = ranked[by].to_numpy(float)
    if not np.isfinite(values).any():
        return "no_value"
    if len(values) > 1 and np.isfinite(values).all() and np.ptp(values) == 0:
        return "none_stands_out"
    return "ranked"
