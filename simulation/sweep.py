"""Sweeps: many runs → one parquet dataset per table, partitioned by scenario.

A Hydra multirun (``python -m simulation.run -m scenario=glob(*) seed=range(0,50)``)
runs each job through :func:`run_in_sweep`, on whichever launcher is chosen
(joblib on a laptop, Ray, SLURM through submitit). Every job appends its rows
to three datasets under the sweep folder::

    <sweep>/timeseries/scenario=<name>/<run_id>.parquet   a row per run per month
    <sweep>/summary/scenario=<name>/<run_id>.parquet      a row per run
    <sweep>/registry/scenario=<name>/<run_id>.parquet     a row per project
    <sweep>/spending/scenario=<name>/<run_id>.parquet     public euros by month, territory, channel

each row carrying the seed, the run id, the swept parameters and the
provenance; ``pd.read_parquet(<sweep>/"summary")`` opens a table in one line.

* **Resume**: ``run_id`` is a digest of the run's resolved configuration (the
  ``output`` section aside). A job whose summary file already exists is
  skipped, so a sweep that is killed and started again (same command, same
  ``output.sweep_name``) finishes the missing runs only.
* **Nothing half-written is visible**: each file is written under a name
  starting with ``.`` (which dataset readers ignore) and renamed when
  complete; the summary is written last and marks the run as done.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from simulation.config import Config
from simulation.outcomes import REGISTRY_SCHEMA, SPENDING_SCHEMA, to_arrow, write_parquet
from simulation.provenance import provenance
from simulation.run import simulate

TABLES = ("timeseries", "registry", "spending", "summary")  # summary last: it marks the run as complete


def run_id(config: Config) -> str:
    """A digest of everything that determines a run's results (the output section aside)."""
    fields = dataclasses.asdict(config)
    fields.pop("output")
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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


def _path(sweep_dir: Path, table: str, scenario: str, rid: str) -> Path:
    return sweep_dir / table / f"scenario={scenario}" / f"{rid}.parquet"


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_parquet(table, tmp)
    os.replace(tmp, path)


def _one_row(row: dict[str, Any]) -> pa.Table:
    """A one-row Arrow table, typed as pandas would type it (text as ``large_string``).

    Building it directly is about ten times faster than through a one-row DataFrame.
    """
    table = pa.Table.from_pylist([row])
    schema = pa.schema([pa.field(f.name, pa.large_string()) if f.type == pa.string() else f for f in table.schema])
    return table.cast(schema)


def _tagged(df: pd.DataFrame | pa.Table, tags: pa.Table, fixed: pa.Schema | None) -> pa.Table:
    """``df`` as an Arrow table with the one-row ``tags`` repeated in front (columns ``df`` has are kept).

    Tags are joined as Arrow columns: inserting them into each pandas frame cost more than the
    rest of the writing.
    """
    table = df if isinstance(df, pa.Table) else to_arrow(df, fixed)
    rows = np.zeros(table.num_rows, dtype=np.int64)
    new = [name for name in tags.schema.names if name not in table.schema.names]
    for i, name in enumerate(new):
        table = table.add_column(i, tags.schema.field(name), tags.column(name).take(rows))
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


def run_in_sweep(config: Config, sweep_dir: Path, overrides: list[str]) -> Path | None:
    """Run one job of a sweep and add its rows to the sweep's datasets.

    Returns:
        The summary file written, or None if the run was already complete.
    """
    rid = run_id(config)
    if _path(sweep_dir, "summary", config.scenario.name, rid).exists():
        return None
    result = simulate(config)
    prov = provenance(config.seed)
    tags = _one_row(
        {
            "seed": config.seed,
            "run_id": rid,
            **swept_parameters(overrides, config),
            "package_version": prov["package_version"],
            "git_revision": prov["git_revision"],
        }
    )
    summary = {k: v for k, v in result.summary.items() if k != "scenario"}
    tables = {
        "timeseries": result.timeseries,
        "registry": result.registry,
        "spending": result.spending,
        "summary": _one_row({**summary, "run_seconds": result.seconds}),
    }
    for table in TABLES:
        fixed = {"registry": REGISTRY_SCHEMA, "spending": SPENDING_SCHEMA}.get(table)
        _write_atomic(_tagged(tables[table], tags, fixed), _path(sweep_dir, table, config.scenario.name, rid))
    return _path(sweep_dir, "summary", config.scenario.name, rid)


def current_sweep_dir() -> Path:
    """The sweep folder of the running Hydra multirun job."""
    return Path(HydraConfig.get().sweep.dir).resolve()


class SweepManifest(Callback):
    """When a multirun starts: clear temporary files a killed run left, write ``sweep.json``."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        for stale in sweep_dir.glob("*/scenario=*/.*.tmp"):
            stale.unlink(missing_ok=True)
        manifest = {
            "sweep_dir": str(sweep_dir),
            "overrides": list(config.hydra.overrides.task),
            "launcher": str(config.hydra.runtime.choices.get("hydra/launcher", "")),
            **provenance(int(config.seed)),
        }
        (sweep_dir / "sweep.json").write_text(json.dumps(manifest, indent=2) + "\n")
