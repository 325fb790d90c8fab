"""Reading a sweep's datasets and configurations (:mod:`simulation.runs.sweep` writes them): light, for the analysis
and the report.

Every read of a dataset (:func:`read_table`) first checks that the sweep folder is whole
(:func:`check_complete`): a reader never silently misses runs, nor counts runs that are unfinished, or twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from omegaconf.errors import OmegaConfBaseException

from simulation.config import Config, ConfigError, config_id, from_yaml, to_yaml
from simulation.runs.completeness import IncompleteSweepError, _checked, check_complete
from simulation.runs.tables import CONFIGS, TABLES

if TYPE_CHECKING:  # (a sweep's driver writes the configurations without importing pandas)
    import pandas as pd


def config_without_seed(config: Config) -> str:
    """A configuration as a sweep stores it: the resolved YAML of every parameter but the seed (its runs' seeds
    are in the datasets' ``seed`` column)."""
    header = f"# configuration {config_id(config)}: every parameter of its runs but the seed\n"
    return header + to_yaml(config, seed=False)


def territories_path(sweep_dir: Path | str, config: str) -> Path:
    """Where a sweep stores the territories of a configuration (``config``, a ``config_id``)."""
    return Path(sweep_dir) / CONFIGS / f"{config}.territories.parquet"


def read_territories(sweep_dir: Path | str, config: str) -> pd.DataFrame | None:
    """The territories the runs of configuration ``config`` simulated: one row per territory (name, type,
    inhabitants, actors by kind; ``docs/data.md``). None if the sweep does not hold them (sweeps from before it
    stored them)."""
    import pandas as pd

    path = territories_path(sweep_dir, config)
    return pd.read_parquet(path) if path.is_file() else None


def read_config(sweep_dir: Path | str, config: str, seed: int) -> Config | None:
    """The configuration ``config`` (a ``config_id``) of a sweep, with ``seed``: exactly what that run was made
    with (``run_id`` of it is the run's). None if the sweep does not hold it (sweeps from before it did).

    To make a run of a sweep again: ``simulate(read_config(sweep, row.config_id, row.seed))``
    (:func:`simulation.runs.simulate.simulate`).

    Raises:
        ConfigError: naming the file, if it is not a configuration of this code's schema (written by another
            version of the model, or damaged).
    """
    path = Path(sweep_dir) / CONFIGS / f"{config}.yaml"
    if not path.is_file():
        return None
    try:
        stored = from_yaml(path)
    except (ConfigError, OmegaConfBaseException, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: not a configuration this version of the model can read: {e}") from None
    return dataclasses.replace(stored, seed=int(seed))


def read_table(
    sweep_dir: Path | str, table: str, columns: list[str] | None = None, optional: Sequence[str] = ()
) -> pd.DataFrame:
    """One of a sweep's datasets (``summary``, ``timeseries``, ``registry``, ``spending``) as a DataFrame, with
    the columns of all its files.

    ``pd.read_parquet`` on the folder takes its columns from the first file it reads, so the column of a key
    swept by only some of the folder's commands (a scenario added later with a parameter of its own) would
    be dropped; here every file's columns are kept, empty where a file has none. ``scenario`` is categorical,
    as ``pd.read_parquet`` gives it.

    The sweep folder is checked first (:func:`check_complete`, once per process until its files change).
    While a sweep command writes it, the rows are those of the runs finished when it was checked (with a
    warning): a batch being written is left out.

    Args:
        columns: the columns to read (all if None).
        optional: more columns, read if the sweep's files have them (sweeps made by earlier versions may not).

    Raises:
        IncompleteSweepError: the folder is not whole (what is wrong, and how to repair it).
    """
    state = _checked(Path(sweep_dir))
    path = Path(sweep_dir) / table
    dataset = pq.ParquetDataset(path)
    # the partition column (``scenario``) as plain strings: a schema given to the reader has no dictionary
    decoded = [pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in dataset.schema]
    files = [pq.read_schema(f) for f in dataset.files]
    # ("permissive": a key swept as 1 in one command and 0.5 in another is read as 1.0 and 0.5)
    schema = pa.unify_schemas([*files, pa.schema(decoded)], promote_options="permissive")
    # While a command writes the folder, the runs finished when it was checked, and no batch half-written
    finished = pc.field("run_id").isin(sorted(state.done)) if state.writer and "run_id" in schema.names else None
    if columns is not None:
        columns = [*columns, *(c for c in optional if c in schema.names and c not in columns)]
    df = pq.ParquetDataset(path, schema=schema, filters=finished).read(columns=columns).to_pandas()
    if "scenario" in df:
        df["scenario"] = df["scenario"].astype("category")
    return df


__all__ = [
    "CONFIGS",
    "TABLES",
    "IncompleteSweepError",
    "check_complete",
    "config_without_seed",
    "read_config",
    "read_table",
    "read_territories",
    "territories_path",
]
