"""Benchmark: the model's speed and memory at several region sizes, against a bare Mesa reference.

Run from the repository root::

    .venv/bin/python experiments/benchmark.py [--sizes default,10k,100k,1M] [--repeats N] [--out FILE]

Each measured run is a fresh subprocess, so that peak memory (``ru_maxrss``) is per run:

* the model's default decade (120 monthly steps) at each size: ``default`` (the default run: Auvergne-Rhône-Alpes
  at its default sample, ~6,900 actors), ``france`` (all France at its default sample, ~58,000 actors), and
  ``10k``, ``100k`` and ``1M`` (all France, ``region=france``, with
  ``region.sample_fraction`` set for ≈10,000 / ≈100,000 / ≈1,000,000 actors from the country's potential
  partners in the data): construction and ``model.run()`` timed apart, actor-months/s, peak RSS, trust ties
  and projects;
* a bare Mesa 3 reference (Boltzmann-wealth-like), as many agents and steps, in turn with each model run: agent-
  steps/s (not at 1M, :data:`NO_REFERENCE`: there the time per actor-month is set against the default run's);
* with ``default``: ``python -m simulation.run`` end to end ("start-up included").

numba's compiler loaded (``numba_warm_up_s``, about 0.15 s) and the compiled kernels loaded from its cache
(``kernels_s``, about 0.1 s), once in each fresh process, are timed apart and left out of every decade, as a run's
``run_seconds`` leaves them out (:func:`simulation.kernels.toolbox.kernel_clock`); the start-up included time keeps
them.

Each size runs ``--repeats`` times (default 3, 1 for 1M), the start-up included decade 5 times; medians are printed
against the performance targets (:func:`targets`), and everything goes as JSON to ``--out`` (default
``results/benchmarks/benchmark-<UTC>.json``). A size's ratio to the reference is the median of its runs' ratios,
each model run over the reference run made just after it (:func:`bench_size`): the machine's speed drifts by a
third from one hour to the next, and by a tenth or more within minutes, so a single run, or medians of model and
reference taken apart, would judge a target on that drift.
The launcher imports only the standard library: on Linux a child's ``ru_maxrss`` starts at its
parent's peak, so a heavy launcher would inflate every child's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from simulation.model.model import PROCESSES as MODEL_PROCESSES
from simulation.runs.provenance import to_json

REPO = Path(__file__).resolve().parent.parent
#: Target actors of each size; ``None``: a region at its own default sample (``default``: the default run;
#: ``france``: all France, ``region=france``, at its default sample).
SIZES: dict[str, int | None] = {"default": None, "10k": 10_000, "france": None, "100k": 100_000, "1M": 1_000_000}
DEFAULT_REPEATS = {"default": 3, "10k": 3, "france": 3, "100k": 3, "1M": 1}
#: Runs of ``python -m simulation.run`` end to end (start-up included), when ``--repeats`` does not say.
STARTUP_REPEATS = 5
DEFAULT_SIZES = "default,10k,france,100k,1M"
#: Sizes whose run is not set against the bare Mesa reference (a million agents for 120 steps take minutes in Mesa;
#: the size is measured for its time and memory, and for the time per actor-month against the default run).
NO_REFERENCE = ("1M",)
#: The region of the sized runs (all but ``default``): all France, sampled at the fraction that gives the size.
SIZED_REGION = "france"
MIB = 1024  # ru_maxrss is in KiB on Linux


# --------------------------------------------------------------------------- children (fresh processes)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB


def _timings(
    work: int, unit: str, t0: float, t1: float, t2: float, kernels: tuple[float, float] = (0.0, 0.0)
) -> dict[str, float]:
    """Build and run times, throughput (``work`` units per second) with and without build, peak RSS.

    ``kernels``: the seconds numba spent loading (or compiling) kernels during the build and during the run,
    left out of both times as a run's ``run_seconds`` leaves them out, and reported apart (``kernels_s``).
    """
    build, run = t1 - t0 - kernels[0], t2 - t1 - kernels[1]
    return {
        "build_s": build,
        "run_s": run,
        "total_s": build + run,
        "kernels_s": kernels[0] + kernels[1],
        f"{unit}_per_s": work / (build + run),
        f"{unit}_per_s_run_only": work / run,
        "peak_rss_mib": _peak_rss_mib(),
    }


def _decade(overrides: tuple[str, ...], timer: Callable[[str, float], None] | None = None) -> dict[str, Any]:
    """Build and run the decade of the region ``overrides``, with the model's process ``timer`` if given, timing
    numba apart (:func:`simulation.kernels.toolbox.kernel_clock`): its compiler loaded before the clock starts
    (``numba_warm_up_s``), and the kernels loaded from its cache in the build and in the run, which the times leave
    out. The ``timer`` is called with each process's time less the kernels loaded meanwhile."""
    from simulation.config import compose
    from simulation.kernels.toolbox import kernel_clock
    from simulation.model.model import TerritorialModel

    cfg = compose(list(overrides))
    with kernel_clock() as kernels:
        warm_up = kernels.seconds
        counted = warm_up  # the kernels' loading up to the end of the last process timed

        def timed(name: str, seconds: float) -> None:
            nonlocal counted
            assert timer is not None
            timer(name, seconds - (kernels.seconds - counted))
            if name != "network_indicators":  # (timed inside collect, whose own timing comes after)
                counted = kernels.seconds

        t0 = time.perf_counter()
        model = TerritorialModel(cfg)
        t1 = time.perf_counter()
        in_build = kernels.seconds - warm_up
        counted = kernels.seconds
        model.process_timer = timed if timer is not None else None
        model.run()
        t2 = time.perf_counter()
    if kernels.compiled:
        raise RuntimeError("a numba kernel was compiled during the measured run: run the model once first")
    return {
        "model": model,
        "times": (t0, t1, t2),
        "kernels": (in_build, kernels.seconds - warm_up - in_build),
        "numba_warm_up_s": warm_up,
    }


def child_warm(*overrides: str) -> dict[str, Any]:
    """The decade with the region ``overrides``, untimed: numba compiles what its cache lacks (a fresh clone, a kernel
    edited), so that the timed decades after it load every kernel from the cache (:func:`_decade` refuses one in
    which a kernel compiles)."""
    from simulation.config import compose
    from simulation.model.model import TerritorialModel

    TerritorialModel(compose(list(overrides))).run()
    return {}


def child_model(*overrides: str) -> dict[str, Any]:
    """Build and run the model's default decade with the region ``overrides`` (none: the default run)."""
    run = _decade(overrides)
    model = run["model"]
    actors, months = model.actors.n, model.config.horizon_months
    counts = {"actors": actors, "months": months, "ties": model.trust.n_ties, "projects": len(model.projects)}
    t0, t1, t2 = run["times"]
    timings = _timings(actors * months, "actor_months", t0, t1, t2, run["kernels"])
    return counts | timings | {"numba_warm_up_s": run["numba_warm_up_s"]}


#: The month's processes, in ``TerritorialModel.step``'s order.
PROCESSES = MODEL_PROCESSES
#: What every actor or every tie costs each month whatever the projects do: the floor of a run's time
#: that no work on the per-project code can lower (the network indicators are part of ``collect``).
PER_ACTOR = ("build", "encounters", "decay_trust", "network_indicators")


def child_profile(*overrides: str) -> dict[str, Any]:
    """The decade with the region ``overrides`` with each process timed (seconds, whole decade), through the
    model's own process timer (the network indicators are timed apart, within ``collect``). numba's loading of
    the kernels from its cache, in the build and at each kernel's first call, is left out of the build and of
    each process, as :func:`child_model` leaves it out, and reported apart (``kernels_s``)."""
    spent: dict[str, float] = dict.fromkeys(("build", *PROCESSES, "network_indicators"), 0.0)

    def timer(name: str, seconds: float) -> None:
        spent[name] += seconds

    run = _decade(overrides, timer)
    t0, t1, t2 = run["times"]
    in_build, in_run = run["kernels"]
    spent["build"] = t1 - t0 - in_build
    return {
        "actors": run["model"].actors.n,
        "months": run["model"].config.horizon_months,
        "total_s": t2 - t0 - in_build - in_run,
        "kernels_s": in_build + in_run,
        "seconds": spent,
    }


def child_reference(n_agents: int, n_steps: int) -> dict[str, Any]:
    """A Boltzmann-wealth-like model written plainly with Mesa 3: ``n_agents`` for ``n_steps`` steps."""
    import mesa

    class MoneyAgent(mesa.Agent):
        def __init__(self, model: WealthModel) -> None:
            super().__init__(model)
            self.wealth = 1

        def step(self) -> None:
            if self.wealth > 0:
                pool = self.model.pool
                other = self.random.choice(pool)
                while other is self:
                    other = self.random.choice(pool)
                other.wealth += 1
                self.wealth -= 1

    class WealthModel(mesa.Model):
        def __init__(self, n: int, seed: int = 0) -> None:
            super().__init__(rng=seed)
            MoneyAgent.create_agents(self, n)
            self.pool: list[MoneyAgent] = []

        def step(self) -> None:
            self.pool = list(self.agents)  # built once per step, shared by every pick
            self.agents.shuffle_do("step")

    t0 = time.perf_counter()
    model = WealthModel(n_agents)
    t1 = time.perf_counter()
    for _ in range(n_steps):
        model.step()
    t2 = time.perf_counter()
    assert sum(a.wealth for a in model.agents) == n_agents
    return {"agents": n_agents, "steps": n_steps} | _timings(n_agents * n_steps, "agent_steps", t0, t1, t2)


def run_child(kind: str, *params: str) -> dict[str, Any]:
    """Child mode: ``count``, ``warm [OVERRIDE ...]``, ``model [OVERRIDE ...]``, ``profile [OVERRIDE ...]`` or
    ``reference AGENTS STEPS``.

    Every child, the reference's too, runs under the garbage collector's thresholds of the project's commands
    (``simulation.runs.cli``), as every run of ``simulation.run`` and every sweep's worker does: with Python's
    defaults, a full collection comes due in the 100k decade's build and again at its end (about 0.24 s each),
    which no run of the command makes."""
    sys.path.insert(0, str(REPO))
    from simulation.runs.cli import collect_less

    collect_less()
    if kind == "count":  # actors of the default run, and the potential partners of the sized runs' region
        from simulation.config import compose
        from simulation.model.territory import actor_counts, organisations, region_table

        default = compose([]).region
        sized = compose([f"region={SIZED_REGION}"]).region
        return {
            "actors": int(actor_counts(region_table(default), default).sum()),
            "sized_region_partners": float(organisations(region_table(sized), sized).sum()),
        }
    if kind == "warm":
        return child_warm(*params)
    if kind == "model":
        return child_model(*params)
    if kind == "profile":
        return child_profile(*params)
    if kind == "reference":
        return child_reference(int(params[0]), int(params[1]))
    raise ValueError(f"unknown child mode {kind!r}")


# --------------------------------------------------------------------------- launcher


def in_child(*args: str) -> dict[str, Any]:
    """Run this script in child mode in a fresh interpreter; return its JSON report."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def startup_included(repeats: int) -> list[float]:
    """Wall time of ``python -m simulation.run`` end to end, writing into a temporary folder."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "simulation.run", f"output.results_dir={tmp}", "output.write_plot=true"]
            t0 = time.perf_counter()
            subprocess.run(cmd, cwd=REPO, capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
    return times


def median_of(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def size_overrides(size: str, partners: float) -> list[str]:
    """The region overrides of a size: none for the default run, :data:`SIZED_REGION` at its default sample for
    ``france``, else :data:`SIZED_REGION` sampled at the fraction of its ``partners`` (potential partners,
    ``simulation.model.territory.organisations``) that gives the size's actors."""
    target = SIZES[size]
    if target is None:
        return [] if size == "default" else [f"region={SIZED_REGION}"]
    return [f"region={SIZED_REGION}", f"region.sample_fraction={target / partners!r}"]


def bench_size(overrides: list[str], repeats: int, reference: bool = True) -> dict[str, Any]:
    """The size's model runs and (with ``reference``) as many reference runs, in turn, their medians, and the
    median of the ratios of each model run to the reference run made after it."""
    model_runs, ref_runs = [], []
    for _ in range(repeats):  # model and reference in turn, so that a change of the machine's load touches both
        model_runs.append(in_child("model", *overrides))
        if reference:
            ref_runs.append(in_child("reference", str(model_runs[-1]["actors"]), str(model_runs[-1]["months"])))
    model = median_of(model_runs)
    ref = median_of(ref_runs) if ref_runs else None
    # each model run against the reference run made just after it, then the median of those ratios
    ratio = None
    if ref_runs:
        pairs = zip(model_runs, ref_runs, strict=True)
        ratio = statistics.median(m["actor_months_per_s"] / r["agent_steps_per_s"] for m, r in pairs)
    runs = {"model_runs": model_runs, "reference_runs": ref_runs}
    medians = {"model_median": model, "reference_median": ref, "ratio_model_reference": ratio}
    return {"overrides": overrides, "repeats": repeats, **medians, **runs}


def where_the_time_goes(profile: dict[str, Any], size: dict[str, Any]) -> dict[str, Any]:
    """The profiled run's seconds per process, its per-actor floor, and the decade time that 3× the
    reference measured for the same size (``size``, from :func:`bench_size`) allows."""
    seconds = profile["seconds"]
    work = profile["actors"] * profile["months"]
    return profile | {
        "per_actor_floor_s": sum(seconds[k] for k in PER_ACTOR),
        "budget_for_3x_s": work / (3 * size["reference_median"]["agent_steps_per_s"]),
    }


def _proc_field(path: str, key: str) -> str:
    """The value of ``key`` in a ``key : value`` file of /proc ("?" if absent)."""
    lines = Path(path).read_text().splitlines() if Path(path).exists() else []
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), "?")


def machine() -> dict[str, Any]:
    mem_kib = _proc_field("/proc/meminfo", "MemTotal").split()[0]
    return {
        "platform": platform.platform(),
        "cpu": _proc_field("/proc/cpuinfo", "model name"),
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gib": round(int(mem_kib) / 2**20, 1) if mem_kib.isdigit() else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "mesa": version("mesa"),
    }


def targets(sizes: dict[str, Any], startup_s: float | None, scaling: dict[str, float]) -> list[dict[str, Any]]:
    """The performance targets, each with its measured value (None if not run) and PASS/MISS."""
    big = sizes.get("100k")
    med = big["model_median"] if big else {}
    country = sizes.get("france")
    national = country["model_median"] if country else {}
    rows: list[tuple[str, float | None, str, Callable[[float], bool]]] = [
        ("≥ 3× the bare Mesa reference at 100k", big and big["ratio_model_reference"], "{:.2f}×", lambda v: v >= 3),
        ("100k decade (build + run) < 10 s", med.get("total_s"), "{:.2f} s", lambda v: v < 10),
        ("peak memory < 1 GiB at 100k", med.get("peak_rss_mib"), "{:.0f} MiB", lambda v: v < 1024),
        (
            "region=france at its default sample ≥ 3× the reference per actor-month",
            country and country["ratio_model_reference"],
            "{:.2f}×",
            lambda v: v >= 3,
        ),
        (
            "region=france at its default sample, peak memory < 3 GiB",
            national.get("peak_rss_mib"),
            "{:.0f} MiB",
            lambda v: v < 3 * 1024,
        ),
        ("default decade, start-up included ≤ 2.5 s", startup_s, "{:.2f} s", lambda v: v <= 2.5),
        ("time per actor-month 100k/default ≤ 1.5", scaling.get("100k"), "{:.2f}", lambda v: v <= 1.5),
        ("time per actor-month france/default ≤ 1.5", scaling.get("france"), "{:.2f}", lambda v: v <= 1.5),
        ("time per actor-month 1M/default ≤ 1.5", scaling.get("1M"), "{:.2f}", lambda v: v <= 1.5),
    ]
    return [
        {
            "target": name,
            "measured": value,
            "shown": "not measured" if value is None else fmt.format(value),
            "status": "—" if value is None else ("PASS" if ok(value) else "MISS"),
        }
        for name, value, fmt, ok in rows
    ]


def report(result: dict[str, Any]) -> None:
    m = result["machine"]
    print(f"# Benchmark, {result['date']}\n")
    print(f"Machine: {m['platform']}; {m['cpu']}; nproc {m['nproc']}; {m['memory_gib']} GiB; load {m['load_average']}")
    print(f"Python {m['python']}, Mesa {m['mesa']}; default region: {result['default_actors']:,} actors\n")
    print(
        "| size | actors | model actor-months/s | Mesa reference agent-steps/s | ratio model/reference "
        "| decade run time (s) | peak memory (MiB) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for size, s in result["sizes"].items():
        mod, ref = s["model_median"], s["reference_median"]
        ref_speed = f"{ref['agent_steps_per_s']:,.0f}" if ref else "not run"
        ratio = f"{s['ratio_model_reference']:.2f}" if ref else "—"
        print(
            f"| {size} | {mod['actors']:,.0f} | {mod['actor_months_per_s']:,.0f} | {ref_speed} "
            f"| {ratio} | {mod['total_s']:.2f} | {mod['peak_rss_mib']:.0f} |"
        )
    print(
        f"\nMedians of {', '.join(f'{k}: {v["repeats"]}' for k, v in result['sizes'].items())} run(s); "
        "decade = model construction + 120 monthly steps; throughputs include construction; a ratio is the median "
        "of each model run's ratio to the reference run made after it."
    )
    kernels = ", ".join(
        f"{k}: {v['model_median']['numba_warm_up_s']:.2f} + {v['model_median']['kernels_s']:.2f} s"
        for k, v in result["sizes"].items()
    )
    print(
        "Left out of every decade, as a run's run_seconds leaves it out: numba's compiler loaded, then the compiled "
        f"kernels loaded from its cache, once per fresh process (medians: {kernels})."
    )
    for size, ratio in result["scaling_ratios"].items():
        print(f"Scaling ratio (time per actor-month, {size}/default): {ratio:.2f}")
    if result["startup_included_s"] is not None:
        print(
            f"Default decade, start-up included (python -m simulation.run, median of "
            f"{len(result['startup_included_runs_s'])}): {result['startup_included_s']:.2f} s"
        )
    if (prof := result.get("profile_100k")) is not None:
        print(f"\nWhere the time goes at 100k (one run, with each process timed: {prof['total_s']:.2f} s):\n")
        print("| process | s | share |\n|---|---:|---:|")
        for name, sec in sorted(prof["seconds"].items(), key=lambda kv: -kv[1]):
            if sec >= 0.005:
                inside = " (in collect)" if name == "network_indicators" else ""
                print(f"| {name}{inside} | {sec:.2f} | {sec / prof['total_s']:.0%} |")
        print(
            f"\nPer-actor work, start-up included ({' + '.join(PER_ACTOR)}): {prof['per_actor_floor_s']:.2f} s; "
            f"3× the reference allows {prof['budget_for_3x_s']:.2f} s for the whole decade."
        )
    print("\n| target | measured | status |\n|---|---:|---|")
    for t in result["targets"]:
        print(f"| {t['target']} | {t['shown']} | {t['status']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated, from: " + ", ".join(SIZES))
    parser.add_argument(
        "--repeats", type=int, default=None, help="runs per size and of the start-up (default: 3, 1 at 1M; 5 start-ups)"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON output file")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(*args.child)))
        return
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in sizes if s not in SIZES]:
        parser.error(f"unknown size(s) {unknown}; choose from {list(SIZES)}")
    now = datetime.now(UTC)
    # a timed decade in which a kernel compiles is refused (:func:`_decade`): the default decade runs first, untimed
    print("running the default decade once, untimed (numba's cache brought up to date)...", file=sys.stderr)
    in_child("warm")
    counted = in_child("count")
    default_actors = counted["actors"]
    results: dict[str, Any] = {}
    for size in sizes:
        overrides = size_overrides(size, counted["sized_region_partners"])
        repeats = args.repeats if args.repeats is not None else DEFAULT_REPEATS[size]
        print(f"running {size} ({' '.join(overrides) or 'the default run'}, {repeats} repeat(s))...", file=sys.stderr)
        results[size] = bench_size(overrides, repeats, reference=size not in NO_REFERENCE)
    profile = None
    if "100k" in sizes:
        print("running 100k again with each process timed...", file=sys.stderr)
        profile = where_the_time_goes(in_child("profile", *results["100k"]["overrides"]), results["100k"])
    startup_runs: list[float] = []
    if "default" in sizes:
        print("running python -m simulation.run (start-up included)...", file=sys.stderr)
        startup_runs = startup_included(args.repeats or STARTUP_REPEATS)
    startup_s = statistics.median(startup_runs) if startup_runs else None
    scaling = {
        size: results["default"]["model_median"]["actor_months_per_s"] / s["model_median"]["actor_months_per_s"]
        for size, s in results.items()
        if size != "default" and "default" in results
    }
    result = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "default_actors": default_actors,
        "sized_region": SIZED_REGION,
        "sized_region_partners": counted["sized_region_partners"],
        "sizes": results,
        "scaling_ratios": scaling,
        "startup_included_runs_s": startup_runs,
        "startup_included_s": startup_s,
        "profile_100k": profile,
        "launcher_peak_rss_mib": _peak_rss_mib(),
    }
    result["targets"] = targets(results, startup_s, scaling)
    report(result)
    write_result(result, args.out, "benchmark", now)


def write_result(result: dict[str, Any], out: Path | None, kind: str, now: datetime) -> None:
    """Write a measurement's JSON to ``out``, by default ``results/benchmarks/<kind>-<UTC time>.json``."""
    out = out or REPO / "results" / "benchmarks" / f"{kind}-{now:%Y-%m-%dT%H-%M-%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_json(result))
    print(f"\nWritten to {out}")


if __name__ == "__main__":
    main()
