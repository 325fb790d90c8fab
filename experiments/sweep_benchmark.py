"""Benchmark of the sweep machinery: runs per minute, parallel efficiency, per-run overhead.

    .venv/bin/python experiments/sweep_benchmark.py [--runs 200] [--engines serial,parallel,ray] [--out FILE]

Runs the same sweep — ``--runs`` seeds of the default scenario — serially
(Hydra's basic launcher), in parallel on this machine (joblib, 2 workers) and
on a real local Ray head (``experiments/ray_on_loopback.sh``; the sweep is timed
against the running head, as a cluster's users see it, and the head's start and
stop are reported apart), each into a fresh sweep folder, and reports for each engine:

* wall time and runs per minute;
* parallel efficiency: serial wall time / (engine wall time × workers);
* overhead of the sweep machinery per run: (wall time × workers − Σ run
  times) / runs, against the mean run time (run times are measured inside
  each job and stored in the summary as ``run_seconds``, with the loading of
  numba's kernels in each process, ``kernel_compile_seconds``, counted in them
  as before the two were told apart);
* the load of other processes while it ran: the CPU time the whole machine
  used (``/proc/stat``) less the sweep's own processes', in cores (not for Ray,
  whose head and workers are not this command's children). The machine's load
  average before and after is printed too: on a shared machine, another job
  slows the parallel engines far more than the serial one.

One default run first brings numba's cache up to date, so that a kernel edited
since the last run is compiled there, not inside the first engine's timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from simulation.runs.provenance import to_json

REPO = Path(__file__).resolve().parent.parent
WORKERS = {"serial": 1, "parallel": 2, "ray": 2}
LAUNCHER = {"serial": "basic", "parallel": "parallel", "ray": "ray_cluster"}


def machine_cpu_seconds() -> float | None:
    """CPU time every process of this machine has used since it started (Linux), in seconds."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def warm_up() -> None:
    """One default run, outside any timing: numba's cache is then up to date."""
    code = "from simulation.config import compose; from simulation.runs.simulate import simulate; simulate(compose([]))"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def run_engine(engine: str, runs: int, folder: Path, seeds_per_job: int | None) -> dict[str, float | None]:
    """Run the sweep on one engine and measure it."""
    cmd = [
        sys.executable,
        "-m",
        "simulation.run",
        "-m",
        f"hydra/launcher={LAUNCHER[engine]}",
        f"seed=range(0,{runs})",
        f"output.results_dir={folder}",
        "output.sweep_name=bench",
    ]
    if engine == "parallel":
        cmd.append("hydra.launcher.n_jobs=2")
    if seeds_per_job is not None:
        cmd.append(f"hydra.sweeper.seeds_per_job={seeds_per_job}")
    inner_wall = folder / "inner_wall_s"
    if engine == "ray":
        # Time the sweep inside the namespace too: the head's start and stop are not the sweep's.
        timer = (
            "import subprocess, sys, time; t = time.perf_counter(); rc = subprocess.call(sys.argv[2:]); "
            "open(sys.argv[1], 'w').write(str(time.perf_counter() - t)); sys.exit(rc)"
        )
        cmd = [str(REPO / "experiments" / "ray_on_loopback.sh"), sys.executable, "-c", timer, str(inner_wall), *cmd]
    machine_before, ours_before = machine_cpu_seconds(), children_cpu_seconds()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env=dict(os.environ))
    wall = time.perf_counter() - start
    machine_after, ours = machine_cpu_seconds(), children_cpu_seconds() - ours_before
    other_load = None
    if machine_before is not None and machine_after is not None and engine != "ray":
        other_load = max(0.0, machine_after - machine_before - ours) / wall
    if inner_wall.exists():  # Ray: measured against a running head, as a cluster's users see it
        head_start_stop = wall - float(inner_wall.read_text())
        wall -= head_start_stop
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} sweep failed:\n{proc.stderr[-3000:]}")
    summary = pd.read_parquet(folder / "sweeps" / "bench" / "summary")
    assert len(summary) == runs, f"{engine}: {len(summary)} of {runs} runs"
    busy = float(summary["run_seconds"].sum() + summary.get("kernel_compile_seconds", pd.Series(dtype=float)).sum())
    workers = WORKERS[engine]
    return {
        "runs": runs,
        "workers": workers,
        "wall_s": wall,
        "runs_per_minute": runs / wall * 60,
        "mean_run_s": busy / runs,
        "overhead_per_run_s": (wall * workers - busy) / runs,
        "other_load_cores": other_load,
        **({"ray_head_start_stop_s": head_start_stop} if inner_wall.exists() else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--engines", default="serial,parallel,ray")
    parser.add_argument(
        "--seeds-per-job",
        type=int,
        default=None,
        help="seeds run in one Hydra job (default: the sweeper's choice, up to 50 from the runs and workers)",
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    engines = args.engines.split(",")
    load_before = os.getloadavg()  # another job on the machine shows here, and in the load after
    warm_up()
    results = {}
    for engine in engines:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"running {args.runs} runs on {engine}...", flush=True)
            results[engine] = run_engine(engine, args.runs, Path(tmp), args.seeds_per_job)
    serial = results.get("serial")
    lines = [
        f"# Sweep benchmark, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores; load average (1, 5, 15 min) before "
        f"{[round(x, 2) for x in load_before]}, after {[round(x, 2) for x in os.getloadavg()]}; "
        f"seeds per job: {args.seeds_per_job or 'chosen by the sweeper'}",
        "",
        "| engine | runs | workers | wall (s) | runs/min | parallel efficiency | mean run (s) "
        "| overhead/run (s) | overhead/run | other load (cores) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, r in results.items():
        eff = serial["wall_s"] / (r["wall_s"] * r["workers"]) if serial else float("nan")
        r["parallel_efficiency"] = eff
        r["overhead_share"] = r["overhead_per_run_s"] / r["mean_run_s"]
        lines.append(
            f"| {engine} | {r['runs']} | {r['workers']} | {r['wall_s']:.1f} | {r['runs_per_minute']:.1f} | {eff:.0%} "
            f"| {r['mean_run_s']:.2f} | {r['overhead_per_run_s']:.3f} | {r['overhead_share']:.1%} "
            f"| {'n/a' if r['other_load_cores'] is None else format(r['other_load_cores'], '.2f')} |"
        )
    if "ray" in results:
        lines += [
            "",
            f"Ray: timed against a running head; starting and stopping it took "
            f"{results['ray']['ray_head_start_stop_s']:.1f} s more.",
        ]
    lines += ["", "Targets: parallel efficiency ≥ 85% on 2 workers; sweep overhead < 5% of a run."]
    print("\n".join(lines))
    out = args.out or REPO / "results" / "benchmarks" / f"sweep-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    loads = {"load_before": load_before, "load_after": os.getloadavg()}
    out.write_text(to_json({**results, **loads}))
    print(f"\nWritten to {out}")


if __name__ == "__main__":
    main()
