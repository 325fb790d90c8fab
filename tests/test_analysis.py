"""Scenario comparison: paired differences by seed with 95% t-intervals, cost per euro, ranking."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulation.runs.datasets import read_table
from simulation.study.analysis import (
    INDICATORS,
    compare,
    cost_effectiveness,
    fieller_interval,
    finished_only,
    interval,
    one_configuration_per_scenario,
    one_run_per_seed,
    ranking,
    ranking_verdict,
    ratio_difference_interval,
    ratio_of_means,
)


def _summary() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    seeds = np.arange(10)
    base_lasting = 100 + rng.normal(0, 10, 10)
    rows = []
    for s, b in zip(seeds, base_lasting, strict=True):
        rows.append(
            {
                "scenario": "baseline",
                "seed": s,
                "lasting_cooperations": b,
                "public_eur_cumulative": 5e6,
                "jobs_created_cumulative": 2 * b,
            }
        )
        # +20 lasting cooperations for +1 M€, with small seed-to-seed noise around the paired effect
        rows.append(
            {
                "scenario": "lever",
                "seed": s,
                "lasting_cooperations": b + 20 + rng.normal(0, 1),
                "public_eur_cumulative": 6e6,
                "jobs_created_cumulative": 2 * b + 10,
            }
        )
    return pd.DataFrame(rows)


def test_interval_is_the_t_interval() -> None:
    v = np.array([1.0, 2.0, 4.0, 7.0])
    mean, lo, hi, n = interval(v)
    half = stats.t.ppf(0.975, 3) * v.std(ddof=1) / 2
    assert (mean, n) == (3.5, 4) and lo == pytest.approx(3.5 - half) and hi == pytest.approx(3.5 + half)
    assert interval(np.array([np.nan, 2.0]))[3] == 1


def test_pairing_by_seed_removes_the_shared_noise() -> None:
    table = compare(_summary()).set_index(["scenario", "indicator"])
    row = table.loc[("lever", "lasting_cooperations")]
    assert row["difference"] == pytest.approx(20, abs=1.5)
    assert row["difference_ci_high"] - row["difference_ci_low"] < 3  # paired: narrow
    assert row["ci_high"] - row["ci_low"] > 10  # the scenario's own spread is wide
    assert table.loc[("baseline", "lasting_cooperations"), "difference"] == 0
    assert row["n_seeds"] == 10


def test_intervals_of_bounded_indicators_stay_in_their_bounds() -> None:
    """Shares and the Gini coefficient lie in [0, 1]: their t-intervals are clipped there, not their differences."""
    rows = [
        {"scenario": sc, "seed": s, "territorial_inequality_gini": g + dg, "territories_with_project_share": sh}
        for s, (g, sh) in enumerate([(0.0, 1.0), (0.02, 0.9), (0.0, 1.0), (0.3, 1.0)])
        for sc, dg in (("baseline", 0.1), ("lever", 0.0))  # the lever lowers inequality by 0.1
    ]
    table = compare(pd.DataFrame(rows)).set_index(["scenario", "indicator"])
    gini = table.loc[("lever", "territorial_inequality_gini")]
    share = table.loc[("lever", "territories_with_project_share")]
    assert gini["ci_low"] == 0 and share["ci_high"] == 1
    assert stats.t.ppf(0.975, 3) * np.std([0, 0.02, 0, 0.3], ddof=1) / 2 > 0.08  # the raw interval passes below 0
    assert gini["difference"] == pytest.approx(-0.1) and gini["difference_ci_low"] < 0  # differences: not clipped


def test_cost_effectiveness_per_million() -> None:
    ce = cost_effectiveness(_summary()).set_index("scenario")
    assert ce.loc["lever", "extra_public_meur"] == pytest.approx(1.0)
    assert ce.loc["lever", "lasting_cooperations_per_meur"] == pytest.approx(20, abs=1.5)
    assert ce.loc["lever", "jobs_created_cumulative_per_meur"] == pytest.approx(10)


def test_cost_effectiveness_divides_by_what_the_levers_spent() -> None:
    """With the levers' own spending in the summary, a per-M€ value divides by it, not by every extra public euro:
    here the lever spends 0.5 M€ each seed while the co-funding its projects draw swings by ±3 M€."""
    summary = _summary()
    summary["public_eur_lever_p3_seed_grants"] = np.where(summary["scenario"] == "lever", 5e5, 0.0)
    swing = np.where(summary["scenario"] == "lever", np.resize([3e6, -3e6], len(summary)), 0.0)
    summary["public_eur_cumulative"] = summary["public_eur_cumulative"] + swing
    ce = cost_effectiveness(summary).set_index("scenario")
    delta = (
        summary[summary.scenario == "lever"].set_index("seed")["lasting_cooperations"]
        - summary[summary.scenario == "baseline"].set_index("seed")["lasting_cooperations"]
    ).mean()
    assert ce.loc["lever", "lever_meur"] == pytest.approx(0.5)
    assert ce.loc["lever", "lasting_cooperations_per_meur"] == pytest.approx(delta / 0.5)
    assert np.isfinite(ce.loc["lever", "lasting_cooperations_per_meur_ci_high"])  # the money is not noise


def test_a_sweep_without_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline"):
        compare(_summary()[lambda d: d.scenario == "lever"])


def _lever(name: str, seed: int, lasting: float, public_meur: float) -> dict[str, object]:
    return {
        "scenario": name,
        "seed": seed,
        "lasting_cooperations": lasting,
        "jobs_created_cumulative": 0.0,
        "projects_launched_cumulative": 2 * lasting,
        "public_eur_cumulative": public_meur * 1e6,
    }


def test_per_meur_is_the_ratio_of_mean_paired_differences() -> None:
    # Seed 0: +10 for +2 M€; seed 1: +2 for -1 M€ (less money than the baseline). The mean of per-seed
    # ratios over the seeds with positive extra money would be 5; the ratio of means is 12 / 1 = 6.
    rows = [_lever("baseline", s, 0, 5) for s in (0, 1)] + [_lever("lever", 0, 10, 7), _lever("lever", 1, 2, 4)]
    ce = cost_effectiveness(pd.DataFrame(rows)).set_index("scenario")
    assert ce.loc["lever", "extra_public_meur"] == pytest.approx(0.5)
    assert ce.loc["lever", "lasting_cooperations_per_meur"] == pytest.approx(12 / 2 / 0.5)
    assert ce.loc["lever", "projects_launched_cumulative_per_meur"] == pytest.approx(2 * 12 / 2 / 0.5)
    assert ce.loc["lever", "n_seeds"] == 2
    # Mean extra money not positive (one seed positive, the mean negative): missing, whatever the seeds.
    rows[3] = _lever("lever", 1, 2, 1)
    ce = cost_effectiveness(pd.DataFrame(rows)).set_index("scenario")
    assert ce.loc["lever", "extra_public_meur"] == pytest.approx(-1)
    assert np.isnan(ce.loc["lever", "lasting_cooperations_per_meur"])


def test_per_meur_interval_is_fiellers_and_agrees_with_the_difference_on_zero() -> None:
    a = cost_effectiveness(_summary()).set_index("scenario").loc["lever"]
    assert a["lasting_cooperations_per_meur_ci_low"] < a["lasting_cooperations_per_meur"]
    assert a["lasting_cooperations_per_meur"] < a["lasting_cooperations_per_meur_ci_high"]
    assert a["lasting_cooperations_per_meur_ci_high"] - a["lasting_cooperations_per_meur_ci_low"] < 3  # paired
    rng = np.random.default_rng(7)
    seen = {"bounded": 0, "unbounded": 0}
    for _ in range(300):
        n = int(rng.integers(2, 30))
        extra = 1 + rng.uniform(0.05, 3) * rng.standard_normal(n)  # sometimes not above zero beyond the noise
        delta = rng.normal(rng.uniform(-3, 3), rng.uniform(0.1, 10), n)
        if extra.mean() <= 0:
            continue
        lo, hi = fieller_interval(delta, extra)
        _, tlo, thi, _ = interval(delta)
        _, xlo, _, _ = interval(extra)
        if np.isfinite(lo):
            seen["bounded"] += 1
            assert xlo > 0  # the money is above zero beyond the noise
            assert (lo <= 0 <= hi) == (tlo <= 0 <= thi)
            assert lo <= ratio_of_means(delta, extra) <= hi
        else:
            seen["unbounded"] += 1
            assert (lo, hi) == (-np.inf, np.inf) and xlo <= 0
    assert min(seen.values()) > 20
    # Extra money the same in every seed: the t-interval of the difference, divided by it.
    delta = np.array([3.0, 5.0, 4.0, 8.0])
    _, tlo, thi, _ = interval(delta)
    assert fieller_interval(delta, np.full(4, 2.0)) == pytest.approx((tlo / 2, thi / 2))
    assert np.isnan(fieller_interval(delta[:1], np.ones(1))).all()
    assert np.isnan(fieller_interval(delta, np.array([1.0, -1.0, 0.5, -0.6]))).all()  # mean money not above 0
    # Money above zero on average but not beyond the noise: the set is unbounded, and includes 0.
    noisy = np.array([0.1, 3.0, 0.2, 2.5])
    assert ratio_of_means(delta, noisy) > 0 and fieller_interval(delta, noisy) == (-np.inf, np.inf)
    assert ratio_difference_interval((delta, delta), (np.full(4, 2.0), noisy))[1:] == (-np.inf, np.inf)


@pytest.mark.parametrize("n", [4, 20])
def test_per_meur_intervals_cover_the_ratio_95_percent_of_the_time_even_with_few_seeds(n: int) -> None:
    """Coverage over 2,000 simulated sweeps (extra lasting cooperations = 10 per M€ + noise, extra money that
    varies a little between seeds). The percentile bootstrap this replaced covered 80% at 4 seeds, 92% at 20."""
    rng = np.random.default_rng(n)
    covered, covered_vs = 0, 0
    reps = 2000
    for _ in range(reps):
        extra = 2 + 0.1 * rng.standard_normal((2, n))
        shared = 15 * rng.standard_normal(n)  # the seed's own luck, the same for both levers: pairing cancels it
        delta = 10 * extra + shared + 5 * rng.standard_normal((2, n)) + np.array([[0.0], [5.0]])  # second: 12.5/M€
        lo, hi = fieller_interval(delta[0], extra[0])
        covered += lo <= 10 <= hi
        _, lo, hi = ratio_difference_interval((delta[0], delta[1]), (extra[0], extra[1]))
        covered_vs += lo <= 2.5 <= hi
    # binomial sd at 95% over 2,000: 0.5 pt; the delta method is approximate at 4 seeds
    assert 0.93 <= covered / reps <= 0.97
    assert 0.91 <= covered_vs / reps <= 0.97


def _ranked(effects: dict[str, list[float]]) -> pd.DataFrame:
    """Levers of +1 M€ each with the given extra lasting cooperations per seed, ranked."""
    n = len(next(iter(effects.values())))
    base = 100 + 10 * np.sin(np.arange(n))  # shared noise, cancelled by pairing
    rows = [_lever("baseline", s, base[s], 5) for s in range(n)]
    for name, extra in effects.items():
        rows += [_lever(name, s, base[s] + extra[s], 6) for s in range(n)]
    summary = pd.DataFrame(rows)
    return ranking(compare(summary), cost_effectiveness(summary), summary)


def test_ranking_tells_a_lever_below_the_leader_from_an_indistinguishable_one() -> None:
    r = _ranked(
        {
            "best": [20, 21, 19, 20, 22, 18, 20, 21],
            "close": [19, 22, 18, 21, 20, 19, 21, 19],  # noisy around 19.9: the paired difference includes 0
            "low": [10, 11, 9, 10, 12, 8, 10, 11],  # 10 below, every seed: the paired difference excludes 0
        }
    ).set_index("scenario")
    assert ranking_verdict(r.reset_index()) == "ranked"
    assert r.loc["best", "rank"] == 1 and r.loc["best", "vs_leader"] == 0
    assert r.loc["close", "vs_leader_ci_low"] < 0 < r.loc["close", "vs_leader_ci_high"]
    assert not r.loc["close", "below_leader"]
    assert r.loc["low", "vs_leader"] == pytest.approx(-10)
    assert r.loc["low", "vs_leader_ci_high"] < 0 and r.loc["low", "below_leader"]


def test_ranking_says_when_no_lever_stands_out_or_seeds_are_too_few() -> None:
    assert ranking_verdict(_ranked({"a": [0, 0, 0], "b": [0, 0, 0]})) == "none_stands_out"
    assert ranking_verdict(_ranked({"a": [3.0], "b": [1.0]})) == "few_seeds"
    assert ranking_verdict(_ranked({"a": [3.0, 2.0], "b": [1.0, 1.0]})) == "ranked"


def test_two_runs_of_a_scenario_and_seed_are_refused_naming_what_differs() -> None:
    """Pairing by seed needs one run per scenario and seed: a folder holding runs of two configurations is named."""
    summary = _summary().assign(run_id=lambda d: [f"r{i}" for i in range(len(d))], horizon_months=120)
    one_run_per_seed(summary)
    again = summary.iloc[:1].assign(run_id="other", horizon_months=24)
    with pytest.raises(
        ValueError, match=r"2 runs of scenario 'baseline' with seed 0 \(run ids r0, other;.*horizon_months"
    ):
        one_run_per_seed(pd.concat([summary, again]))


def test_rows_of_runs_without_a_summary_are_left_out() -> None:
    """An interrupted sweep may have written a batch's time series but not its summary yet."""
    summary = pd.DataFrame({"run_id": ["a", "b"]})
    rows = pd.DataFrame({"run_id": ["a", "a", "b", "c", "c"], "month": [0, 1, 0, 0, 1]})
    assert finished_only(rows, summary)["run_id"].tolist() == ["a", "a", "b"]


def test_a_scenario_of_two_configurations_is_refused() -> None:
    """Seeds of two configurations of a scenario (another parameter value added later) are not averaged."""
    summary = _summary().assign(config_id="c1", success_gain=0.3)
    one_configuration_per_scenario(summary)
    one_configuration_per_scenario(summary.drop(columns="config_id"))  # rows from before the column: not checked
    other = summary[summary["scenario"] == "lever"].assign(
        seed=lambda d: d["seed"] + 100, config_id="c2", success_gain=0.35
    )
    with pytest.raises(ValueError, match=r"scenario 'lever' holds runs of 2 configurations .*success_gain"):
        one_configuration_per_scenario(pd.concat([summary, other]))


def test_an_indicator_undefined_in_one_scenario_only_is_kept() -> None:
    """NaN in every run of a scenario (it never recovers) is a result, not an indicator to drop."""
    summary = _summary().assign(recovery_months=lambda d: np.where(d["scenario"] == "baseline", 12.0, np.nan))
    rows = compare(summary)
    assert set(rows[rows["indicator"] == "recovery_months"]["scenario"]) == {"baseline", "lever"}
    assert "recovery_months" not in set(compare(summary.assign(recovery_months=np.nan))["indicator"])


def test_a_sweeps_tables_keep_the_columns_of_every_file(tmp_path: Path) -> None:
    """A key swept for a scenario added later is a column of that scenario's files only: ``pd.read_parquet`` takes
    the first file's columns and drops it; :func:`simulation.runs.datasets.read_table` keeps it (and reads 1 and 0.5
    of the same key as numbers)."""
    for scenario, extra in (("baseline", {}), ("p3_seed_grants", {"trust.success_gain": [1, 2]})):
        (tmp_path / "summary" / f"scenario={scenario}").mkdir(parents=True)
        rows = pd.DataFrame({"seed": [0, 1], "lasting_cooperations": [3.0, 4.0], **extra})
        rows.to_parquet(tmp_path / "summary" / f"scenario={scenario}" / "a.parquet")
    pd.DataFrame({"seed": [2], "lasting_cooperations": [5.0], "trust.success_gain": [0.5]}).to_parquet(
        tmp_path / "summary" / "scenario=p3_seed_grants" / "b.parquet"
    )
    assert "trust.success_gain" not in pd.read_parquet(tmp_path / "summary")  # what this guards against
    table = read_table(tmp_path, "summary")
    assert table["trust.success_gain"].tolist()[2:] == [1.0, 2.0, 0.5]
    assert table["trust.success_gain"].iloc[:2].isna().all() and len(table) == 5
    assert table["scenario"].dtype == "category"
    assert read_table(tmp_path, "summary", columns=["seed", "scenario"]).shape == (5, 2)


def test_what_differs_names_the_settings_before_the_results() -> None:
    """Two configurations of a scenario, with every indicator column and a key swept by the later command only
    (the last column, as :func:`simulation.runs.datasets.read_table` reads it): the key is named, not hidden
    behind twelve results that differ from seed to seed."""
    summary = _summary().assign(config_id="c1")
    summary = summary.assign(
        **{name: np.arange(len(summary), dtype=float) for name in INDICATORS if name not in summary}
    )
    other = summary[summary["scenario"] == "lever"].assign(seed=lambda d: d["seed"] + 100, config_id="c2")
    both = pd.concat([summary, other.assign(**{"trust.success_gain": 0.35})])
    with pytest.raises(ValueError, match=r"They differ in: config_id, trust\.success_gain, "):
        one_configuration_per_scenario(both)


def test_an_out_folder_that_cannot_be_made_is_refused_up_front(tmp_path: Path) -> None:
    """--out on a dangling link, or under a file, is named before anything is computed (the rule of
    output.results_dir, one function for both)."""
    from simulation.study.analysis import check_out

    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(ValueError, match=r"dangling'?: is a link to nothing"):
        check_out(tmp_path / "dangling")
    with pytest.raises(ValueError, match=r"lies under .*a_file, a file"):
        check_out(tmp_path / "a_file" / "analysis")
    check_out(tmp_path / "new" / "analysis")  # a folder can be made there


def _with_actors(summary: pd.DataFrame, **counts: int) -> pd.DataFrame:
    """``summary`` with the participation of every kind and the actors each run simulated of it (``counts`` by
    kind's label; 100 for the kinds not named)."""
    from simulation.enums import ActorKind

    out = summary.copy()
    rng = np.random.default_rng(1)
    for kind in ActorKind:
        n = counts.get(kind.label, 100)
        out[f"actors_{kind.label}"] = n
        out[f"participation_{kind.label}"] = rng.integers(0, n + 1, len(out)) / max(n, 1)
    return out


def test_the_participation_of_a_kind_of_too_few_actors_is_left_out_and_named(tmp_path: Path) -> None:
    """A share of 1 or 2 actors swings between 0% and 100%: the analysis compares no such share, and says which
    kinds it left out, with their number of actors."""
    from simulation.model.indicators import FEW_ACTORS
    from simulation.study.analysis import few_actor_kinds, few_actors_note, without

    summary = _with_actors(_summary(), university=1, media=2, citizen_group=FEW_ACTORS)
    few = few_actor_kinds(summary)
    assert sorted(few["kind"].unique()) == ["media", "university"], "30 citizen groups are enough"
    assert set(few["scenario"]) == {"baseline", "lever"}
    table = without(compare(summary), few)
    compared = set(table["indicator"])
    assert {"participation_university", "participation_media"}.isdisjoint(compared)
    assert {"participation_firm", "participation_citizen_group", "lasting_cooperations"} <= compared
    note = few_actors_note(few, scenarios=2)
    assert note is not None
    assert "universities (1 actor in each run)" in note and "media (2 actors in each run)" in note
    assert f"fewer than {FEW_ACTORS} actors" in note


def test_a_kind_too_few_in_some_runs_only_is_left_out_where_it_is() -> None:
    """The counts are read run by run: a kind of 2 to 40 actors (a swept sample fraction) is left out of the
    scenarios whose runs, or the baseline's on the same seeds, have fewer than 30 of it, and the note says where."""
    from simulation.study.analysis import few_actor_kinds, few_actors_note

    summary = _with_actors(_summary())
    lever = summary["scenario"] == "lever"
    summary.loc[lever, "actors_media"] = np.where(summary.loc[lever, "seed"] < 5, 2, 40)
    summary = pd.concat([summary, summary[~lever].assign(scenario="other")], ignore_index=True)
    few = few_actor_kinds(summary)
    assert few[["scenario", "kind", "fewest_actors", "most_actors"]].values.tolist() == [["lever", "media", 2, 100]]
    assert few_actors_note(few, scenarios=3) == (
        "Left out of the comparison: the participation of media (2 to 100 actors in a run, in lever). A share of "
        "fewer than 30 actors moves by more than 3.3 points when one actor joins or leaves a partnership: its "
        "difference to the baseline would mean nothing."
    )


def test_runs_that_do_not_count_their_actors_leave_nothing_out_and_say_so() -> None:
    """A sweep made before the summary counted each kind's actors: every share is compared, and the note says
    that the counts were not there to judge."""
    from simulation.study.analysis import few_actor_kinds, few_actors_note

    summary = _with_actors(_summary(), university=1)
    summary = summary.drop(columns=[c for c in summary.columns if c.startswith("actors_")])
    assert few_actor_kinds(summary).empty
    assert "participation_university" in set(compare(summary)["indicator"])
    note = few_actors_note(few_actor_kinds(summary), scenarios=2, counted=False)
    assert note is not None and "do not say how many actors" in note
