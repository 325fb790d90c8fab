"""Writing a sweep's runs: each batch of runs of one scenario as one parquet file per table (the summary last),
and each configuration once; finding the runs a sweep folder holds complete, and clearing what a killed sweep
left (:mod:`simulation.runs.sweep` describes the folder and drives the runs).

Nothing half-written is visible: each file is written under a name starting with
``.`` (which dataset readers ignore) and renamed when complete; the summary is
written last and marks the batch as done.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.config import Config, config_id
from simulation.runs.datasets import CONFIGS, TABLES, config_without_seed, territories_path
from simulation.runs.provenance import git_revision, package_version
from simulation.runs.simulate import RunResult

if TYPE_CHECKING:
    import pandas as pd


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
        territories = territories_path(sweep_dir, config_id(result.config))
        if not territories.exists():  # the region as the runs of this configuration simulated it
            _write_atomic(pa.Table.from_pandas(result.territories, preserve_index=False), territories)


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

    from simulation.model.records import to_arrow

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


def write_batch(runs: list[tuple[str, RunResult]], sweep_dir: Path, overrides: list[str]) -> Path:
    """Write runs of one scenario (``(run id, result)`` pairs) as one file per table, the summary last.

    Returns:
        The summary file.
    """
    from simulation.model.records import REGISTRY_SCHEMA, SPENDING_SCHEMA

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
        {
            **{k: v for k, v in result.summary.items() if k != "scenario"},
            "run_seconds": result.seconds,
            "kernel_compile_seconds": result.kernel_compile_seconds,
        }
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
