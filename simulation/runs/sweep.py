"""Sweeps: many runs → one parquet dataset per table, partitioned by scenario.

A Hydra multirun (``python -m simulation.run -m scenario=glob(*) seed=range(0,50)``)
runs each job through :func:`run_job`, on whichever launcher is chosen
(joblib on a laptop, Ray, SLURM through submitit). Every job appends its rows
to four datasets under the sweep folder::

    <sweep>/timeseries/scenario=<name>/<batch>.parquet   a row per run per month
    <sweep>/summary/scenario=<name>/<batch>.parquet      a row per run
    <sweep>/registry/scenario=<name>/<batch>.parquet     a row per project
    <sweep>/spending/scenario=<name>/<batch>.parquet     public euros by month, territory, channel

each row carrying the seed, the run id, the swept parameters and the
provenance; :func:`simulation.runs.datasets.read_table` opens a table in one line
(``pd.read_parquet`` alone takes the columns of the first file it reads: a key
swept by a later command only would be left out). Beside them, each
configuration the runs were made with, resolved, once whatever its seeds::

    <sweep>/configs/<config_id>.yaml                     every parameter but the seed

so that a run can be made again, and a report read the budgets and the region
the runs had, whatever the config files say since
(:func:`simulation.runs.datasets.read_config`).

* **Batches**: a job writes the runs it has made together, one file per table,
  when they have taken :data:`FLUSH_SECONDS` and when the job ends (or fails):
  a job of 50 seeds of the default decade writes four files, not 200. Writing
  and converting a table costs about as much for one run's rows as for fifty's,
  and a sweep with fewer files is faster to read. A batch's files are named
  after its first run's id, ``<run_id>-<n>`` when it holds n > 1 runs.
* **Resume**: ``run_id`` is a digest of the run's resolved configuration (the
  ``output`` section aside). A run whose id is in the summary dataset is
  skipped, so a sweep that is killed and started again (same command, same
  ``output.sweep_name``) finishes the missing runs only; a killed job loses
  the runs of the batch it had not written yet (a minute of work at most).
* **Nothing half-written is visible** (:mod:`simulation.runs.batches` writes the batches): each file
  is written under a name starting with ``.`` (which dataset readers ignore) and renamed when
  complete; the summary is written last and marks the batch as done. A
  multirun starts by removing what a killed one left: temporary files, and the
  files of a batch whose summary was not written (its runs are made again).
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from simulation.config import Config, run_id
from simulation.runs.batches import FIXED_TAGS as FIXED_TAGS
from simulation.runs.batches import TABLES as TABLES
from simulation.runs.batches import clear_unfinished, finished_runs, write_batch
from simulation.runs.batches import select as select
from simulation.runs.batches import swept_parameters as swept_parameters
from simulation.runs.datasets import IncompleteSweepError, check_complete
from simulation.runs.progress import failure_path
from simulation.runs.provenance import git_revision, provenance, to_json
from simulation.runs.simulate import RunResult, simulate

#: A job writes the runs it has made once they have taken this long (and when it ends): what a kill may lose.
FLUSH_SECONDS = 60.0
#: A process frees what its finished runs left when it holds this much more memory than after it last did
#: (_free_finished_runs).
GARBAGE_MIB = 128


def _peak_memory_mib() -> float | None:
    """This process's peak resident memory so far, in MiB (None where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def _memory_mib() -> float | None:
    """This process's resident memory now, in MiB: Linux's ``/proc/self/statm``, elsewhere psutil's where it is
    installed (it comes with Ray), else the peak so far (:func:`_peak_memory_mib`); None where nothing says."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
    except ImportError:
        return _peak_memory_mib()
    return float(psutil.Process().memory_info().rss) / 2**20


def _give_back_freed_memory() -> None:
    """Hand the memory a collection freed back to the system, where the C library can (glibc's
    ``malloc_trim``; elsewhere nothing is done).

    glibc keeps the memory freed in the middle of its heap for later allocations: without this, a process's
    resident memory never falls after a collection, and what a process holds could not be told from what its
    finished runs left.
    """
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl)
        return
    trim(0)


_held_mib: float | None = None  # resident memory after this process last freed finished runs (or after its first)
_libraries_frozen = False


def _free_finished_runs() -> None:
    """After a run: free what the finished runs left, once the process holds :data:`GARBAGE_MIB` more than
    after it last did.

    A model holds reference cycles, which only a full collection frees, and full collections are
    rare in a sweep's processes (the command line's larger collector thresholds; a large region's
    run defers them to its end, :mod:`simulation.model.model`): a process that makes run after run would
    otherwise keep finished models long (15 to 30 MiB per default decade, 45 MiB per year at 50,000
    actors). A collection has a cost of its own (about 4 ms, against a run of 0.13 s on a small region),
    so this waits until there is enough to free: a process then holds at most about :data:`GARBAGE_MIB` of
    finished models, whatever the number of its runs (the default's are freed every five to ten runs, for
    about 5 ms a run; a large region's after each run or two). The first collection also freezes what is
    left (the libraries' objects, which live until the process ends): the next ones only look at what the
    runs made since.

    What is measured is the resident memory now, with the memory a collection freed handed back to the
    system (:func:`_give_back_freed_memory`, about 5 ms), so that after each collection it counts what the
    process really holds. (It used to be the peak, which never falls: each collection then waited for a new
    peak :data:`GARBAGE_MIB` above the last, and a worker of a long sweep held ever more finished models,
    24 of them after 120 default runs, 1.4 GiB in all. loky, joblib's process pool, restarts a worker whose
    memory has grown by 300 MB since its first job, taking it for a leak: the README's council sweep, 10 jobs
    of 50 runs on 2 workers, warned "A worker stopped while some jobs were given to the executor. This can be
    caused by a too short worker timeout or by a memory leak." Its workers now stay under 900 MiB.)
    """
    global _held_mib, _libraries_frozen
    held = _memory_mib()
    if held is None:
        return
    if _held_mib is None:
        _held_mib = held  # after the process's first run: its libraries and caches
    if held - _held_mib < GARBAGE_MIB:
        return
    gc.collect()
    if not _libraries_frozen:
        gc.freeze()
        _libraries_frozen = True
    _give_back_freed_memory()
    _held_mib = _memory_mib()


def run_job(configs: Sequence[Config], sweep_dir: Path, overrides: list[str]) -> list[Path]:
    """Make a sweep job's runs (configs of one scenario) in turn and add their rows to the sweep's datasets.

    Runs already in the summary dataset are skipped. The runs made are written in batches (see
    the module's notes): when they have taken :data:`FLUSH_SECONDS`, and when the job ends or
    fails (the runs made before a failing one are kept). What finished runs leave in memory is
    freed as the job goes (:func:`_free_finished_runs`).

    Returns:
        The summary files written.
    """
    scenarios = {config.scenario.name for config in configs}
    if len(scenarios) > 1:
        raise ValueError(f"a sweep job's runs are of one scenario, not {sorted(scenarios)}")
    git_revision()  # read (and kept for the process) before the runs: the code they run, not a later commit's
    done = finished_runs(sweep_dir, *scenarios) if configs else set()
    written: list[Path] = []
    batch: list[tuple[str, RunResult]] = []
    try:
        for config in configs:
            rid = run_id(config)
            if rid in done:
                continue
            done.add(rid)
            try:
                result = simulate(config)
            except Exception as e:  # one failing run does not stop the others, unless asked
                if config.output.stop_on_failure:
                    raise
                _record_failure(sweep_dir, rid, config, e)
                continue
            failure_path(sweep_dir, rid).unlink(missing_ok=True)  # made again after an earlier failure
            batch.append((rid, result))
            _free_finished_runs()
            if sum(result.seconds + result.kernel_compile_seconds for _, result in batch) >= FLUSH_SECONDS:
                full, batch = batch, []
                written.append(write_batch(full, sweep_dir, overrides))
    finally:
        if batch:
            written.append(write_batch(batch, sweep_dir, overrides))
    return written


def _record_failure(sweep_dir: Path, rid: str, config: Config, error: Exception) -> None:
    """Record a failed run in ``failures/<run_id>.json`` (its error and traceback), and say it on stderr."""
    import traceback

    record = {
        "run_id": rid,
        "scenario": config.scenario.name,
        "seed": config.seed,
        "error": f"{type(error).__name__}: {error}",
        "traceback": traceback.format_exc(),
        **provenance(config.seed),
    }
    path = failure_path(sweep_dir, rid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(record))
    print(f"run {rid} (scenario {config.scenario.name}, seed {config.seed}) failed: {record['error']}", file=sys.stderr)


def run_in_sweep(config: Config, sweep_dir: Path, overrides: list[str]) -> Path | None:
    """Make one run of a sweep (unless done) and add its rows to the sweep's datasets.

    Returns:
        The summary file written, or None if the run was already complete.
    """
    written = run_job([config], sweep_dir, overrides)
    return written[0] if written else None


def current_sweep_dir() -> Path:
    """The sweep folder of the running Hydra multirun job."""
    return Path(HydraConfig.get().sweep.dir).resolve()


@dataclasses.dataclass
class FolderRuns:
    """What a sweep folder's summary dataset holds: each scenario's configurations (their ``config_id``; rows
    written before that column existed are not counted), and the code revisions that made them."""

    configs: dict[str, set[str]]
    revisions: set[str]


def folder_runs(sweep_dir: Path) -> FolderRuns:
    """The configurations and code revisions of the runs already in ``sweep_dir``."""
    out = FolderRuns({}, set())
    for path in sweep_dir.glob("summary/scenario=*/*.parquet"):
        scenario = path.parent.name.removeprefix("scenario=")
        names = pq.read_schema(path).names
        table = pq.read_table(path, columns=[c for c in ("config_id", "git_revision") if c in names]).to_pydict()
        out.configs.setdefault(scenario, set()).update(table.get("config_id", []))
        out.revisions.update(table.get("git_revision", []))
    out.revisions.discard("unknown")
    return out


def mixed_runs(folder: FolderRuns, planned: dict[str, set[str]], revision: str) -> list[str]:
    """Why a command's runs would be mixed up with the folder's, if they would: the folder's runs were made
    by another code revision, or a scenario of the command has none of the folder's configurations for it
    (adding seeds, scenarios, or values of a swept parameter keeps at least one).

    Args:
        planned: the command's configurations (``config_id``), by scenario.
        revision: the code's git revision now ("unknown" outside a checkout: not compared).
    """
    problems = []
    if revision != "unknown" and folder.revisions - {revision}:
        problems.append(
            f"its runs were made by code revision {', '.join(sorted(folder.revisions))}; this is {revision}"
        )
    for scenario, ids in sorted(planned.items()):
        there = folder.configs.get(scenario, set())
        if there and not there & ids:
            problems.append(
                f"scenario {scenario}: its runs are of configuration {', '.join(sorted(there))}, "
                f"this command's of {', '.join(sorted(ids))} (another parameter value, or other config files)"
            )
    return problems


def prepare_sweep_dir(sweep_dir: Path, config: DictConfig, planned: dict[str, set[str]]) -> None:
    """Before a sweep's jobs start (its configurations all checked): refuse a folder whose runs it would mix
    with its own (:func:`mixed_runs`), clear what a killed sweep left (:func:`clear_unfinished`), and write
    ``sweep.json``.

    ``planned`` holds the command's configurations (``config_id``) by scenario. A folder of runs made by
    another code revision (a ``git pull`` between a kill and a resume), or of other configurations only, is
    refused with nothing written: its rows could not be told from the new ones in an analysis. (Uncommitted
    changes are not seen: rows say ``git_dirty``.) ``sweep.json`` describes the latest command; the ones
    before it, on the same folder, are kept in its ``history``.
    """
    sweep_dir = sweep_dir.resolve()
    if sweep_dir.exists() and not sweep_dir.is_dir():
        raise SystemExit(f"error: the sweep was not started: {sweep_dir} is a file, not a sweep folder")
    problems = mixed_runs(folder_runs(sweep_dir), planned, git_revision()["git_revision"]) if sweep_dir.is_dir() else []
    if problems:
        raise SystemExit(
            f"error: the sweep was not started: its runs would be mixed with those of {sweep_dir}:\n  "
            + "\n  ".join(problems)
            + "\nGive this sweep a new output.sweep_name (or remove that folder to make its runs again)."
        )
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SystemExit(f"error: the sweep was not started: cannot make the sweep folder {sweep_dir}: {e}") from None
    clear_unfinished(sweep_dir)
    try:  # a damaged batch would pass for done: a resume would never make its runs again
        check_complete(sweep_dir)
    except IncompleteSweepError as e:
        raise SystemExit(f"error: the sweep was not started: {e}") from None
    manifest_path = sweep_dir / "sweep.json"
    history: list[dict[str, Any]] = []
    if manifest_path.exists():
        try:
            earlier = json.loads(manifest_path.read_text())
            history = [*earlier.pop("history", []), earlier]
        except (OSError, ValueError):
            pass
    manifest = {
        "sweep_dir": str(sweep_dir),
        "overrides": list(config.hydra.overrides.task),
        "launcher": str(config.hydra.runtime.choices.get("hydra/launcher", "")),
        **provenance(int(config.seed)),
        "history": history,
    }
    tmp = manifest_path.with_name(f".sweep.json.{os.getpid()}.tmp")
    tmp.write_text(to_json(manifest))
    os.replace(tmp, manifest_path)


def config_per_seed(config: Config) -> list[Config]:
    """The runs of one sweep job: one config per seed of ``output.job_seeds`` (or just ``seed``).

    Each is the config a job of that seed alone would have had, ``job_seeds``
    emptied: same run id, same results.
    """
    seeds = config.output.job_seeds or [config.seed]
    output = dataclasses.replace(config.output, job_seeds=[])
    return [dataclasses.replace(config, seed=s, output=output) for s in seeds]
