"""Reading a sweep's datasets and configurations (:mod:`simulation.runs.sweep` writes them): light, for the analysis
and the report."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from omegaconf.errors import OmegaConfBaseException

from simulation.config import Config, ConfigError, config_id, from_yaml, to_yaml

if TYPE_CHECKING:  # (a sweep's driver writes the configurations without importing pandas)
    import pandas as pd

#: The sweep's folder of configurations, one ``<config_id>.yaml`` each.
CONFIGS = "configs"


def config_without_seed(config: Config) -> str:
    """A configuration as a sweep stores it: the resolved YAML of every parameter but the seed (its runs' seeds
    are in the datasets' ``seed`` column)."""
    header = f"# configuration {config_id(config)}: every parameter of its runs but the seed\n"
    return header + to_yaml(config, seed=False)


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


def read_table(sweep_dir: Path | str, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One of a sweep's datasets (``summary``, ``timeseries``, ``registry``, ``spending``) as a DataFrame, with
    the columns of all its files.

    ``pd.read_parquet`` on the folder takes its columns from the first file it reads, so the column of a key
    swept by only some of the folder's commands (a scenario added later with a parameter of its own) would
    be dropped; here every file's columns are kept, empty where a file has none. ``scenario`` is categorical,
    as ``pd.read_parquet`` gives it.
    """
    path = Path(sweep_dir) / table
    dataset = pq.ParquetDataset(path)
    # the partition column (``scenario``) as plain strings: a schema given to the reader has no dictionary
    decoded = [pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in dataset.schema]
    files = [pq.read_schema(f) for f in dataset.files]
    # ("permissive": a key swept as 1 in one command and 0.5 in another is read as 1.0 and 0.5)
    schema = pa.unify_schemas([*files, pa.schema(decoded)], promote_options="permissive")
    df = pq.ParquetDataset(path, schema=schema).read(columns=columns).to_pandas()
    if "scenario" in df:
        df["scenario"] = df["scenario"].astype("category")
    return df
