"""Calibration (ABC-SMC to PHARE) and sensitivity analysis (SALib), fast versions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation.config import CONFIG_DIR, compose
from simulation.study import abc, calibration, sensitivity
from simulation.study import point as calibration_point


def _stats(**changes: float) -> dict[str, float]:
    base = {
        "participation_firm": 0.37,
        "participation_association": 0.38,
        "cooperations_per_10k": abc.COOPERATIONS_PER_10K,
        "year_one_share": 0.05,
        "sse_ratio": 0.3,
        "inflection_month": 60.0,
        "peak_increment_year_share": 0.6,
        "last_year_share_of_peak_increment": 0.5,
        "horizon_months": 120.0,
    }
    return {**base, **changes}


def test_distance_is_zero_on_target_and_penalises_a_fast_start_or_no_bend() -> None:
    assert abc.distance(_stats()) == pytest.approx(0.0)
    assert abc.distance(_stats(participation_firm=0.40)) == pytest.approx(1.0)  # 3 points off = one unit
    # the count of partnerships in units of its factor (1.5), on a log scale
    assert abc.distance(_stats(cooperations_per_10k=abc.COOPERATIONS_PER_10K * 1.5)) == pytest.approx(1.0)
    # a curve that is not a slow infusion: its miss in units of a typical miss (abc.MISS_UNITS), plus 1
    assert abc.distance(_stats(year_one_share=0.5)) == pytest.approx(0.38 / 0.03 + 1)  # an explosion in year one
    assert abc.distance(_stats(sse_ratio=0.9)) == pytest.approx(4 + 1)  # a straight line
    assert abc.distance(_stats(inflection_month=108.0)) == pytest.approx(1 + 1)  # a year past month 96
    assert abc.distance(_stats(peak_increment_year_share=0.9)) == pytest.approx(1 + 1)  # accelerating in year 9
    assert abc.distance(_stats(last_year_share_of_peak_increment=0.95)) == pytest.approx(1.5 + 1)  # no bend
    # graded: the nearer a slow infusion, the nearer the targets
    misses = [abc.distance(_stats(last_year_share_of_peak_increment=x)) for x in (0.85, 0.9, 1.0, 1.2)]
    assert misses == sorted(misses) and misses[0] > 1
    assert abc.abc_distance({"rejected": 1.0}, {}) == float("inf")  # outside the truncated prior


def test_the_bend_of_a_curve() -> None:
    """Years are the model's: 120 monthly values, year y ending at month 12y - 1. A quadratic curve never
    bends (its increments grow to the last year); a logistic centred in year 4 peaks there."""
    t = np.arange(120, dtype=float)
    np.testing.assert_array_equal(calibration.yearly_increments(t), [11.0] + [12.0] * 9)  # twelve months each
    assert calibration.bend(t**2) == (1.0, 1.0)
    peak_share, last = calibration.bend(100 / (1 + np.exp(-0.1 * (t - 42))))
    assert peak_share == 0.4 and last < 0.1


def node_value(nested: dict, key: str) -> float:
    """The value at a dotted ``key`` of a nested mapping."""
    for part in key.split("."):
        nested = nested[part]
    return float(nested)  # type: ignore[arg-type]


@pytest.mark.slow
def test_fast_calibration_writes_a_config_with_its_provenance_and_resumes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out, db, docs = tmp_path / "calibration" / "fast.yaml", tmp_path / "abc.db", tmp_path / "docs"
    args = ["--fast", "--population", "12", "--simulations", "30", "--generations", "1", "--refine", "2"]
    args += ["--refine-seeds", "1", "--predictive", "2", "--check-seeds", "2", "--polish", "3"]
    calibration.main([*args, "--out", str(out), "--db", str(db), "--docs", str(docs)])
    meta = yaml.safe_load(out.read_text())
    assert out.read_text().startswith("# @package _global_")
    info = meta["calibration"]
    assert info["method"].startswith("ABC-SMC") and info["library"].startswith("pyabc")
    assert info["targets"] == {k: round(v, 4) for k, v in calibration.TARGETS.items()}
    assert info["tolerance_points"] == calibration.TOLERANCE and info["date"] and info["package_version"]
    assert info["populations"] == 1 and info["simulations"] >= 4
    assert set(info["posterior"]) == set(calibration.PRIORS)
    rates = {f"ideas.rate_per_month.{k}": v for k, v in meta["ideas"]["rate_per_month"].items()}
    assert abc.scouts_first(rates), "the calibrated point keeps the scouts first"
    for key, (lo, hi) in calibration.PRIORS.items():
        assert lo <= node_value(meta, key) <= hi, key
    for target in ("participation_firm", "participation_association"):
        assert 0.0 <= info["result"][target]["mean"] <= 1.0
    assert (docs / "posterior.csv").exists() and (docs / "predictive.csv").exists()
    # the refined point is polished: the first evaluation is that point, and the point kept is the closest met
    polished = pd.read_csv(docs / "polished.csv")
    assert len(polished) == info["polish_evaluations"] >= 3 and "polished by Nelder-Mead" in info["method"]
    kept = polished.loc[polished["distance"].idxmin()]
    assert kept["distance"] <= polished["distance"].iloc[0]
    assert all(node_value(meta, key) == pytest.approx(kept[key], abs=1e-6) for key in calibration.PRIORS)
    # pyabc's database resumes: one more population, on top of the first (12 particles: a local covariance in ten
    # dimensions needs more particles than dimensions, or its density vanishes and every weight with it)
    calibration.main([*args, "--generations", "2", "--resume", "--out", str(out), "--db", str(db), "--docs", str(docs)])
    assert yaml.safe_load(out.read_text())["calibration"]["populations"] == 2


def test_the_default_config_uses_the_stored_calibration_when_there_is_one() -> None:
    stored = CONFIG_DIR / "calibration" / "phare2015.yaml"
    if not stored.exists():
        pytest.skip("no calibration stored yet")
    cfg = compose()
    meta = yaml.safe_load(stored.read_text())
    assert cfg.calibration["method"].startswith("ABC")  # (ABC-SMC since the model runs real regions)
    assert cfg.alliances.min_partner_trust == pytest.approx(meta["alliances"]["min_partner_trust"])


def test_the_prior_keeps_associations_and_citizens_the_best_scouts() -> None:
    """CESER 2019, P6: a draw where another kind proposes ideas faster than associations or citizen groups is outside
    the (truncated) prior, and so never accepted; the stored calibration keeps them first."""
    firm, assoc = "ideas.rate_per_month.firm", "ideas.rate_per_month.association"
    # collectivités 0.010 and citizen groups 0.012 by default: a firm above 0.012, an association under 0.010 fail
    draws = [(0.005, 0.011), (0.011, 0.012), (0.013, 0.0125), (0.005, 0.009)]
    assert [abc.scouts_first({firm: f, assoc: a}) for f, a in draws] == [True, True, False, False]
    rates = compose().ideas.rate_per_month
    scouts = min(rates.association, rates.citizen_group)
    assert scouts >= max(rates.collectivite, rates.firm, rates.university, rates.media), rates


def test_morris_screening_runs_through_the_sweep_machinery(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sensitivity, "REPO", tmp_path)
    small = dict(list(sensitivity.UNCERTAIN.items())[:3])
    monkeypatch.setattr(sensitivity, "UNCERTAIN", small)
    sensitivity.main(["morris", "--fast", "--trajectories", "2", "--name", "t"])
    out = tmp_path / "results" / "sensitivity" / "t"
    table = pd.read_csv(out / "morris.csv")
    assert set(table.parameter) == set(small) and set(table.outcome) == set(sensitivity.OUTCOMES)
    assert np.isfinite(table.mu_star).all()
    assert (out / "morris.png").exists()
    runs = pd.read_parquet(out / "morris" / "summary")
    assert len(runs) == 2 * (len(small) + 1)  # r trajectories of k + 1 points
    # Run again by other code (a commit since), the same design is refused: its rows would pass for the new code's.
    from simulation.runs.provenance import git_revision

    if git_revision()["git_revision"] == "unknown":
        pytest.skip("outside a git checkout revisions are not compared")
    rows = pd.read_parquet(out / "morris" / "summary").drop(columns="scenario").assign(git_revision="0123abc")
    for path in (out / "morris" / "summary").rglob("*.parquet"):
        path.unlink()
    rows.to_parquet(out / "morris" / "summary" / "scenario=baseline" / "earlier.parquet")
    before = sorted(p.name for p in (out / "morris").rglob("*"))
    with pytest.raises(SystemExit, match="code revision 0123abc"):
        sensitivity.main(["morris", "--fast", "--trajectories", "2", "--name", "t"])
    assert sorted(p.name for p in (out / "morris").rglob("*")) == before


def test_the_ranking_robustness_ranks_levers_by_the_reports_value() -> None:
    """The sensitivity of the ranking (docs/sensitivity.md) ranks by the value the council report ranks by: the
    ratio of the mean paired differences, not the mean of per-seed ratios (which a seed with little extra money
    dominates)."""
    from simulation.study.analysis import cost_effectiveness

    rows = []
    for seed, (base, money) in enumerate([(100, 1e6), (100, 1e6)]):
        rows.append(
            {"scenario": "baseline", "seed": seed, "lasting_cooperations": base, "public_eur_cumulative": money}
        )
    # p1: +1 for +0.05 M€, then +9 for +1.95 M€ (ratio of means 5; mean of ratios 12.3)
    # p2: +6 for +1 M€ twice (6 either way)
    for seed, (d, m) in enumerate([(1, 0.05e6), (9, 1.95e6)]):
        rows.append(
            {
                "scenario": "p1_communication",
                "seed": seed,
                "lasting_cooperations": 100 + d,
                "public_eur_cumulative": 1e6 + m,
            }
        )
        rows.append(
            {
                "scenario": "p2_creative_evenings",
                "seed": seed,
                "lasting_cooperations": 106,
                "public_eur_cumulative": 2e6,
            }
        )
    summary = pd.DataFrame(rows)
    ranked = sensitivity._lever_ranking(summary)
    assert list(ranked.index) == ["p2_creative_evenings", "p1_communication"]
    expected = cost_effectiveness(summary).set_index("scenario")["lasting_cooperations_per_meur"]
    assert ranked.to_dict() == pytest.approx(expected.to_dict()) and ranked["p1_communication"] == pytest.approx(5.0)


def test_the_prior_is_truncated_to_the_scouts_first() -> None:
    """Draws of the prior keep associations and citizen groups the best scouts; a point outside has no density,
    so pyabc never proposes, weighs or accepts it."""
    import numpy as np

    np.random.seed(3)  # noqa: NPY002  (pyabc draws with numpy's global generator)
    prior = abc.priors()
    draws = [prior.rvs() for _ in range(100)]
    assert all(abc.scouts_first({k: float(v) for k, v in d.items()}) for d in draws)
    assert all(prior.pdf(d) > 0 for d in draws)
    outside = dict(draws[0])
    outside["ideas.rate_per_month.firm"], outside["ideas.rate_per_month.association"] = 0.013, 0.005
    assert not abc.scouts_first(outside) and prior.pdf(outside) == 0.0


def test_the_calibration_in_force_competes_with_the_new_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``in_force`` reads the stored point, a calibrated parameter it lacks at the schema's default; no file, or a
    point outside the truncated prior, gives no candidate."""
    assert calibration_point.in_force(tmp_path / "none.yaml") == []
    path = tmp_path / "old.yaml"
    calibration.write_config({"alliances.min_partner_trust": 0.2, "actors.sociability.firm": 1.1}, {}, path)
    (point,) = calibration_point.in_force(path)
    assert set(point) == set(calibration.PRIORS)
    assert point["alliances.min_partner_trust"] == 0.2 and point["actors.sociability.firm"] == 1.1
    schema = compose(["calibration=none"])
    assert point["alliances.partners_mean"] == schema.alliances.partners_mean
    assert point["ideas.rate_per_month.firm"] == schema.ideas.rate_per_month.firm
    calibration.write_config({"ideas.rate_per_month.firm": 0.013, "ideas.rate_per_month.association": 0.005}, {}, path)
    assert calibration_point.in_force(path) == []  # firms would out-scout associations: outside the truncated prior


def test_candidates_compete_with_the_calibration_in_force_filling_what_they_do_not_set(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = {k: (lo + hi) / 2 for k, (lo, hi) in calibration.PRIORS.items()}
    base["ideas.rate_per_month.association"] = 0.015  # the scouts first
    good = tmp_path / "good.csv"
    good.write_text("alliances.partners_mean,actors.sociability.association\n4.2,0.75\n")
    (point,) = calibration_point.candidates(good, base)
    assert point == {**base, "alliances.partners_mean": 4.2, "actors.sociability.association": 0.75}
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("trust.success_gain\n0.3\n")
    with pytest.raises(SystemExit, match=r"trust\.success_gain.*not calibrated"):
        calibration_point.candidates(unknown, base)
    outside = tmp_path / "outside.csv"
    outside.write_text("alliances.partners_mean\n9\n")
    with pytest.raises(SystemExit, match="row 1 lies outside"):
        calibration_point.candidates(outside, base)
    with pytest.raises(SystemExit, match="no value for"):
        calibration_point.candidates(good, None)


def test_the_mean_curve_bends_when_the_seeds_yearly_increments_do_on_average() -> None:
    """The mean of the seeds' yearly increments is the mean curve's: it bends when its best year is by year 8 and
    its last year adds at most 80% of it, whatever single seeds do."""

    def runs(*rows: list[float]) -> pd.DataFrame:
        return pd.DataFrame([{f"increment_year_{k + 1}": v for k, v in enumerate(r)} for r in rows])

    rising = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    bent = [1, 2, 4, 6, 8, 9, 8, 6, 5, 4]
    assert abc.mean_curve_bends(runs(bent, bent))
    assert not abc.mean_curve_bends(runs(rising, rising))
    assert abc.mean_curve_bends(runs(bent, bent, bent, rising))  # (mean last year 5.5 against a best of 8.25)
    assert not abc.mean_curve_bends(runs(bent, rising))  # (mean last year 7 against 7.5)
    assert not abc.mean_curve_bends(runs([0] * 10))


def test_the_mean_curve_is_a_slow_infusion_only_if_it_is_s_shaped_as_well_as_bent() -> None:
    """The refine's rule reads the mean monthly curve whole, as tests/test_emergence.py does: a logistic that starts
    slowly, turns inside months 36–96 and bends over is one; a straight rise that merely slows in its last years (it
    bends, but a line fits it nearly as well as a logistic) is not, and neither is a logistic turning too late."""
    t = np.arange(120, dtype=float)

    def runs(*curves: np.ndarray) -> pd.DataFrame:
        rows = []
        for c in curves:
            yearly = np.diff(np.r_[0.0, c[11::12]])
            rows.append(
                {
                    **{f"increment_year_{k + 1}": v for k, v in enumerate(yearly)},
                    **{f"active_month_{m}": v for m, v in enumerate(c)},
                }
            )
        return pd.DataFrame(rows)

    logistic = 1000 / (1 + np.exp(-0.06 * (t - 66)))
    assert abc.mean_curve_bends(runs(logistic)) and abc.mean_curve_is_slow_infusion(runs(logistic))
    # rows of different seeds are averaged month by month: two shifted logistics make one
    assert abc.mean_curve_is_slow_infusion(
        runs(1000 / (1 + np.exp(-0.06 * (t - 60))), 1000 / (1 + np.exp(-0.06 * (t - 72))))
    )
    line_then_slower = np.where(t < 96, 10 * t, 960 + 3 * (t - 96))  # year one: 120 of 1,029, under 12%
    assert abc.mean_curve_bends(runs(line_then_slower)) and abc.s_shape(line_then_slower)[0] > 0.5
    assert not abc.mean_curve_is_slow_infusion(runs(line_then_slower))
    late = 1000 / (1 + np.exp(-0.06 * (t - 110)))
    assert not abc.mean_curve_is_slow_infusion(runs(late))
