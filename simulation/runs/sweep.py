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
* **Nothing half-written is visible**: each file is written under a name
  starting with ``.`` (which dataset readers ignore) and renamed when
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
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from simulation.config import Config, config_id, run_id
from simulation.runs.datasets import CONFIGS, config_without_seed
from simulation.runs.provenance import git_revision, package_version, provenance
from simulation.runs.simulate import RunResult, simulate

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("timeseries", "registry", "spending", "summary")  # summary last: it marks the batch as complete
#: A job writes the runs it has made once they have taken this long (and when it ends): what a kill may lose.
FLUSH_SECONDS = 60.0
#: A process frees what its finished runs left when its peak memory has grown this much (_free_finished_runs).
GARBAGE_MIB = 128


def select(config: Config, key: str) -> Any:
    """The value at a dotted key (``trust.success_gain``, ``region.territories.0.population``), or None."""
    node: Any = config
    for part in key.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif dataclasses.is_dataclass(node) and hasattr(node, part):
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _path(sweep_dir: Path, table: str, scenario: str, name: str) -> Path:
    return sweep_dir / table / f"scenario={scenario}" / f"{name}.parquet"


def finished_runs(sweep_dir: Path, scenario: str) -> set[str]:
    """The ids of the scenario's runs that are in the summary dataset (done: their batch was written whole).

    A file named after a run id holds that run alone; a batch's file (``<run_id>-<n>``) is read for its ids.
    """
    done: set[str] = set()
    for path in (sweep_dir / "summary" / f"scenario={scenario}").glob("*.parquet"):
        if "-" in path.stem:
            done.update(pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist())
        else:
            done.add(path.stem)
    return done


def clear_unfinished(sweep_dir: Path) -> None:
    """Remove what a killed sweep left: temporary files, and the files of a batch whose summary is missing."""
    for stale in [*sweep_dir.glob("*/scenario=*/.*.tmp"), *sweep_dir.glob(f"{CONFIGS}/.*.tmp")]:
        stale.unlink(missing_ok=True)
    for table in TABLES[:-1]:
        for path in sweep_dir.glob(f"{table}/scenario=*/*.parquet"):
            if not (sweep_dir / "summary" / path.parent.name / path.name).exists():
                path.unlink()  # its runs are not done: they are made again, with all their rows


def _write_atomic(table: pa.Table | str, path: Path) -> None:
    """Write a table (parquet) or a text under a hidden temporary name, then rename it into place.

    The temporary name is unique (a random UUID), not just the process id's: workers on several hosts of a
    cluster may share a process id and a folder.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        if isinstance(table, str):
            tmp.write_text(table)
        else:
            pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_configs(runs: list[tuple[str, RunResult]], sweep_dir: Path) -> None:
    """Store the configuration of each run not stored yet (one file per ``config_id``: seeds share it)."""
    for _, result in runs:
        path = sweep_dir / CONFIGS / f"{config_id(result.config)}.yaml"
        if not path.exists():  # (two workers writing the same file write the same text)
            _write_atomic(config_without_seed(result.config), path)


#: Tag columns of fixed type: a column of nothing but None would otherwise be typed ``null``, which no
#: file of the same dataset with a value could be read with (``git_dirty`` where git cannot say).
FIXED_TAGS = {"git_dirty": pa.bool_()}


def _rows(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table of ``rows``, typed as pandas would type them (text as ``large_string``).

    Building it directly is about ten times faster than through a DataFrame.
    """
    names = list(dict.fromkeys(name for row in rows for name in row))
    table = pa.Table.from_pydict({name: [row.get(name) for row in rows] for name in names})
    schema = pa.schema(
        [
            pa.field(f.name, FIXED_TAGS.get(f.name, pa.large_string() if f.type == pa.string() else f.type))
            for f in table.schema
        ]
    )
    return table.cast(schema)


def _frames(frames: list[pd.DataFrame], fixed: pa.Schema | None) -> pa.Table:
    """The runs' frames as one Arrow table, in order (the columns named in ``fixed`` of fixed types).

    Concatenated first and converted once: converting a frame costs about as much for one run's
    rows as for fifty's.
    """
    import pandas as pd

    from simulation.model.outcomes import to_arrow

    rows = [df for df in frames if len(df)] or frames[:1]  # an empty frame adds no row, and may lack dtypes
    return to_arrow(rows[0] if len(rows) == 1 else pd.concat(rows, ignore_index=True), fixed)


def _tagged(table: pa.Table, tags: pa.Table, rows_per_run: list[int]) -> pa.Table:
    """``table`` with the columns of ``tags`` (a row per run) in front, each run's over its rows.

    Columns ``table`` has already are kept. Tags are joined as Arrow columns: inserting them into
    each pandas frame cost more than the rest of the writing.
    """
    runs = np.repeat(np.arange(tags.num_rows), rows_per_run)
    new = [name for name in tags.schema.names if name not in table.schema.names]
    for i, name in enumerate(new):
        table = table.add_column(i, tags.schema.field(name), tags.column(name).take(runs))
    return table


def swept_parameters(overrides: list[str], config: Config) -> dict[str, Any]:
    """The value of every key set on the command line (the parameters that vary), by key."""
    out: dict[str, Any] = {}
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key.startswith("hydra") or key in ("scenario", "seed") or key.startswith("output."):
            continue
        value = select(config, key)
        if value is None or dataclasses.is_dataclass(value) or isinstance(value, (list, dict)):
            value = override.split("=", 1)[1] if "=" in override else None  # a group choice: its name
        out[key] = value
    return out


def _write_batch(runs: list[tuple[str, RunResult]], sweep_dir: Path, overrides: list[str]) -> Path:
    """Write runs of one scenario (``(run id, result)`` pairs) as one file per table, the summary last.

    Returns:
        The summary file.
    """
    from simulation.model.outcomes import REGISTRY_SCHEMA, SPENDING_SCHEMA

    first, scenario = runs[0][0], runs[0][1].config.scenario.name
    name = first if len(runs) == 1 else f"{first}-{len(runs)}"
    tags = _rows(
        [
            {
                "seed": result.config.seed,
                "run_id": rid,
                "config_id": config_id(result.config),
                **swept_parameters(overrides, result.config),
                "package_version": package_version(),
                **git_revision(),
            }
            for rid, result in runs
        ]
    )
    summaries = [
        {**{k: v for k, v in result.summary.items() if k != "scenario"}, "run_seconds": result.seconds}
        for _, result in runs
    ]
    fixed = {"registry": REGISTRY_SCHEMA, "spending": SPENDING_SCHEMA}
    _write_configs(runs, sweep_dir)
    for table in TABLES:
        if table == "summary":
            data, rows_per_run = _rows(summaries), [1] * len(runs)
        else:
            frames = [getattr(result, table) for _, result in runs]
            data, rows_per_run = _frames(frames, fixed.get(table)), [len(df) for df in frames]
        _write_atomic(_tagged(data, tags, rows_per_run), _path(sweep_dir, table, scenario, name))
    return _path(sweep_dir, "summary", scenario, name)


def _peak_memory_mib() -> float | None:
    """This process's peak resident memory so far, in MiB (None where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


_collected_at_mib: float | None = None  # peak memory when this process last freed finished runs
_libraries_frozen = False


def _free_finished_runs() -> None:
    """After a run: free what the finished runs left, once they hold :data:`GARBAGE_MIB` more.

    A model holds reference cycles, which only a full collection frees, and full collections are
    rare in a sweep's processes (the command line's larger collector thresholds; a large region's
    run defers them to its end, :mod:`simulation.model.model`): a process that makes run after run would
    otherwise keep finished models long (1 MiB per default decade, 45 MiB per year at 50,000
    actors). Freeing a default decade's model takes about 3 ms, so this waits until there is
    enough to free (a process then holds at most about twice :data:`GARBAGE_MIB` of them): a
    large region's models are freed after each run or two, the default's every hundred runs or
    so. The first collection also freezes what is left (the libraries' objects, which live until
    the process ends): the next ones only look at what the runs made since.
    """
    global _collected_at_mib, _libraries_frozen
    peak = _peak_memory_mib()
    if peak is None:
        return
    if _collected_at_mib is None:
        _collected_at_mib = peak  # after the process's first run: its libraries and caches
    if peak - _collected_at_mib < GARBAGE_MIB:
        return
    gc.collect()
    if not _libraries_frozen:
        gc.freeze()
        _libraries_frozen = True
    _collected_at_mib = peak


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
            batch.append((rid, simulate(config)))
            _free_finished_runs()
            if sum(result.seconds for _, result in batch) >= FLUSH_SECONDS:
                full, batch = batch, []
                written.append(_write_batch(full, sweep_dir, overrides))
    finally:
        if batch:
            written.append(_write_batch(batch, sweep_dir, overrides))
    return written


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
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, manifest_path)


def config_per_seed(config: Config) -> list[Config]:
    """The runs of one sweep job: one config per seed of ``output.job_seeds`` (or just ``seed``).

    Each is the config a job of that seed alone would have had, ``job_seeds``
    emptied: same run id, same results.
    """
    seeds = config.output.job_seeds or [config.seed]
    output = dataclasses.replace(config.output, job_seeds=[])
    return [dataclasses.replace(config, seed=s, output=output) for s in seeds]
