"""The benchmark's process timer (``experiments/benchmark.py``): it times what ``step()`` runs, all of it."""

from __future__ import annotations

import inspect
import re

import pytest
from conftest import experiment, small_region

from simulation.model.model import PROCESSES, TerritorialModel


@pytest.fixture(scope="module")
def bench():
    return experiment("benchmark")


@pytest.fixture(scope="module")
def warm(bench) -> list[str]:
    """The overrides of a small decade, run once untimed, as the benchmark's parent runs the default decade before
    its children time anything: on a clean checkout numba's cache is empty, and a child refuses a measured run in
    which a kernel compiles."""
    overrides = small_region(0.1)
    bench.child_warm(*overrides)
    return overrides


def test_the_timed_processes_are_the_steps_in_order(bench) -> None:
    """``step()``'s docstring lists the month's processes: the model runs exactly those, in that order, each a
    method of its own name, and the benchmark times the same list."""
    doc = inspect.getdoc(TerritorialModel.step) or ""
    documented = re.findall(r"^\s*\d+\. ``(\w+)``", doc, flags=re.MULTILINE)
    assert documented == list(PROCESSES) == list(bench.PROCESSES)
    assert all(callable(getattr(TerritorialModel, name, None)) for name in PROCESSES)


def test_the_model_times_and_skips_each_process_without_patching() -> None:
    from simulation.config import compose

    # The small region at its preset's size (~500 actors, ~9 ideas in 3 months): the Cantal at the old scale of 0.05
    # (~70 actors) makes no idea in 3 months, and skipping generate_ideas would then show nothing.
    cfg = compose([*small_region(), "horizon_months=3"])
    timed: list[str] = []
    model = TerritorialModel(cfg)
    model.process_timer = lambda name, seconds: timed.append(name)
    model.run()
    assert [n for n in timed if n != "network_indicators"] == list(PROCESSES) * 3
    skipping = TerritorialModel(cfg)
    skipping.skip = frozenset({"generate_ideas"})
    skipping.run()
    assert skipping.counters.total.get("ideas", 0) == 0 < model.counters.total["ideas"]


def test_the_profile_times_every_process_of_a_run(bench, warm) -> None:
    prof = bench.child_profile(*warm)
    seconds = prof["seconds"]
    assert set(seconds) == {"build", *bench.PROCESSES, "network_indicators"}
    assert all(seconds[name] > 0 for name in ("build", "encounters", "collect", "network_indicators"))
    assert seconds["network_indicators"] <= seconds["collect"]
    in_steps = sum(seconds[name] for name in bench.PROCESSES)
    assert in_steps <= prof["total_s"] - seconds["build"]
    assert in_steps >= 0.5 * (prof["total_s"] - seconds["build"])  # the steps are most of the run

    size = {"reference_median": {"agent_steps_per_s": 1e6}}
    summary = bench.where_the_time_goes(prof, size)
    assert summary["per_actor_floor_s"] == pytest.approx(sum(seconds[k] for k in bench.PER_ACTOR))
    assert summary["budget_for_3x_s"] == pytest.approx(prof["actors"] * prof["months"] / 3e6)


def test_each_size_runs_its_region_and_is_judged_by_its_targets(bench) -> None:
    """The default run has no override, ``france`` is the country at its own default sample, a sized run is the
    country sampled for that many actors; the country's targets read its own row, and a miss is a MISS."""
    assert bench.size_overrides("default", 2e6) == []
    assert bench.size_overrides("france", 2e6) == ["region=france"]
    assert bench.size_overrides("100k", 2e6) == ["region=france", "region.sample_fraction=0.05"]

    def size(ratio: float, rss: float) -> dict:
        return {"ratio_model_reference": ratio, "model_median": {"peak_rss_mib": rss, "total_s": 1.0}}

    rows = {
        t["target"]: t["status"]
        for t in bench.targets({"france": size(0.8, 700), "100k": size(3.2, 900)}, 2.4, {"france": 1.6})
    }
    assert rows["region=france at its default sample ≥ 3× the reference per actor-month"] == "MISS"
    assert rows["region=france at its default sample, peak memory < 3 GiB"] == "PASS"
    assert rows["time per actor-month france/default ≤ 1.5"] == "MISS"
    assert rows["≥ 3× the bare Mesa reference at 100k"] == "PASS"
    assert rows["default decade, start-up included ≤ 2.5 s"] == "PASS"
    assert rows["time per actor-month 1M/default ≤ 1.5"] == "—"  # not run


def test_the_decade_leaves_the_kernels_loading_out_and_reports_it(bench, warm) -> None:
    """numba's loading of the kernels is timed apart (``kernels_s``), as a run's ``run_seconds`` leaves it out:
    what remains of the build and of the run are both real times, and the decade is their sum."""
    run = bench.child_model(*warm)
    assert run["kernels_s"] >= 0 and run["build_s"] > 0 and run["run_s"] > 0
    assert run["total_s"] == pytest.approx(run["build_s"] + run["run_s"])
    assert run["actor_months_per_s"] == pytest.approx(run["actors"] * run["months"] / run["total_s"])


def test_a_sizes_ratio_is_the_median_of_each_runs_ratio_to_the_reference_run_after_it(bench, monkeypatch) -> None:
    """The machine's speed drifts between runs: each model run is set against the reference run made just after
    it, and the ratio is the median of those pairs, not a ratio of medians taken apart (here 2.0, not 4/3)."""
    model = iter([1.0, 4.0, 9.0, 5.0])
    reference = iter([0.5, 4.0, 3.0])

    def in_child(kind: str, *params: str) -> dict:
        if kind == "model":
            return {"actors": 10, "months": 12, "actor_months_per_s": next(model)}
        assert params == ("10", "12")  # the reference has the model run's actors and months
        return {"agent_steps_per_s": next(reference)}

    monkeypatch.setattr(bench, "in_child", in_child)
    size = bench.bench_size(["region=cantal"], 3)
    assert size["ratio_model_reference"] == pytest.approx(2.0)  # the pairs: 2, 1 and 3
    assert size["model_median"]["actor_months_per_s"] == 4.0 and size["reference_median"]["agent_steps_per_s"] == 3.0
    alone = bench.bench_size(["region=cantal"], 1, reference=False)  # (1M: no reference run)
    assert alone["ratio_model_reference"] is None and alone["model_median"]["actor_months_per_s"] == 5.0
