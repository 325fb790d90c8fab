"""Reading a sweep's datasets (:mod:`simulation.sweep` writes them): light, for the analysis and the report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


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
