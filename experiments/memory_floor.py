"""The machine's floor under the month's encounters: time per encounter of a decade, against the time of one read
at a random place of an array as large as the decade's trust network.

Run from the repository root::

    .venv/bin/python experiments/memory_floor.py [--size 100k] [--out FILE]

At 100,000 actors the trust network's pool is far larger than the processor's caches, and each encounter reads a
few cache lines at random places of it (docs/performance.md, "What limits it"). This script measures, in one run:

* the decade at ``--size`` (the sizes of ``experiments/benchmark.py``), with the month's encounters timed
  (:meth:`simulation.model.trust.TrustNetwork.month_encounters`): nanoseconds per encounter in its first and
  last year (the encounters a month are their Poisson means: the actors' rates summed, over 120,000 a month at
  100k), and the pool's size at the end;
* reads of one 8-byte word at random places of an array of that size, compiled as the model's kernels are:
  *independent* reads (the next place does not depend on the last read: the processor overlaps them, as the
  encounters' pass does with its prefetches) and *dependent* ones (each read gives the next place: the latency).

The ratio — encounters' time over the independent read's — is the number of random reads an encounter costs:
what a faster pass could save is what exceeds the reads an encounter cannot avoid. Results go as JSON to
``--out`` (default ``results/benchmarks/memory-floor-<UTC>.json``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from benchmark import SIZES, in_child, machine, size_overrides, write_result  # (experiments/, the script's folder)
from numba import njit

READS = 4_000_000
REPEATS = 5


@njit
def _independent(data: np.ndarray, places: np.ndarray) -> int:
    total = 0
    for k in range(len(places)):
        total += data[places[k]]
    return total


@njit
def _dependent(following: np.ndarray, reads: int) -> int:
    i = 0
    for _ in range(reads):
        i = following[i]
    return i


def random_reads(n_bytes: int, seed: int = 0) -> dict[str, float]:
    """Nanoseconds per read of an 8-byte word at a random place of an array of ``n_bytes``: independent reads and
    dependent ones (a random cycle through the whole array), medians of :data:`REPEATS`."""
    rng = np.random.default_rng(seed)
    n = max(n_bytes // 8, 2)
    order = rng.permutation(n)
    following = np.empty(n, dtype=np.int64)
    following[order] = np.roll(order, -1)
    places = rng.integers(0, n, READS)
    _independent(following, places[:10])
    _dependent(following, 10)
    independent, dependent = [], []
    for _ in range(REPEATS):
        t = time.perf_counter()
        _independent(following, places)
        independent.append((time.perf_counter() - t) / READS * 1e9)
        t = time.perf_counter()
        _dependent(following, READS // 4)
        dependent.append((time.perf_counter() - t) / (READS // 4) * 1e9)
    return {
        "array_mib": n * 8 / 2**20,
        "independent_ns": statistics.median(independent),
        "dependent_ns": statistics.median(dependent),
    }


def encounter_times(overrides: list[str]) -> dict[str, Any]:
    """The decade with its month's encounters timed: nanoseconds per encounter by year, and the pool's size."""
    from simulation.config import compose
    from simulation.model.model import TerritorialModel
    from simulation.model.trust import TrustNetwork
    from simulation.runs.simulate import load_model

    load_model()
    TerritorialModel(compose([*overrides, "horizon_months=2"])).run()  # each kernel compiled or loaded: not timed
    seconds: list[float] = []
    encounters: list[float] = []
    month_encounters = TrustNetwork.month_encounters

    def timed(self: TrustNetwork, rate: np.ndarray, channels: tuple[float, float, float], *args: Any) -> int:
        t = time.perf_counter()
        new = month_encounters(self, rate, channels, *args)
        seconds.append(time.perf_counter() - t)
        encounters.append(float(np.sum(rate)) * float(sum(channels)))
        return new

    TrustNetwork.month_encounters = timed  # type: ignore[method-assign]
    try:
        model = TerritorialModel(compose(overrides)).run()
    finally:
        TrustNetwork.month_encounters = month_encounters  # type: ignore[method-assign]
    net = model.trust
    by_year = [
        sum(seconds[y : y + 12]) / sum(encounters[y : y + 12]) * 1e9 for y in range(0, len(seconds), 12) if encounters
    ]
    return {
        "actors": int(net.n),
        "encounters": sum(encounters),
        "encounters_s": sum(seconds),
        "ns_per_encounter": sum(seconds) / sum(encounters) * 1e9,
        "ns_per_encounter_by_year": by_year,
        "pool_mib": (net._links.nbytes + net.w.nbytes) / 2**20,
        "ties": net.n_ties,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", default="100k", choices=[s for s, n in SIZES.items() if n], help="the decade's size")
    parser.add_argument("--out", type=Path, default=None, help="JSON output file")
    args = parser.parse_args()
    now = datetime.now(UTC)
    overrides = size_overrides(args.size, in_child("count")["sized_region_partners"])
    print(f"running the {args.size} decade ({' '.join(overrides)}) with its encounters timed...", file=sys.stderr)
    decade = encounter_times(overrides)
    print("reading at random places of an array as large as its pool...", file=sys.stderr)
    reads = random_reads(int(decade["pool_mib"] * 2**20))
    result = {
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "size": args.size,
        "overrides": overrides,
        "decade": decade,
        "random_reads": reads,
        "reads_per_encounter": decade["ns_per_encounter"] / reads["independent_ns"],
    }
    first, last = decade["ns_per_encounter_by_year"][0], decade["ns_per_encounter_by_year"][-1]
    print(
        f"\n{decade['actors']:,} actors, {decade['encounters']:,.0f} encounters in {decade['encounters_s']:.2f} s: "
        f"{decade['ns_per_encounter']:.0f} ns each ({first:.0f} ns in the first year, {last:.0f} ns in the last); "
        f"pool {decade['pool_mib']:.0f} MiB at the end, {decade['ties']:,} ties\n"
        f"a read at a random place of {reads['array_mib']:.0f} MiB: {reads['independent_ns']:.1f} ns independent, "
        f"{reads['dependent_ns']:.0f} ns dependent\n"
        f"an encounter costs the time of {result['reads_per_encounter']:.1f} independent random reads"
    )
    write_result(result, args.out, "memory-floor", now)


if __name__ == "__main__":
    main()
