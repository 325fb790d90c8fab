"""A run's records (docs/ODD.md § Outputs; docs/data.md): one row per project (the registry), public money by
month, territory and channel (spending), one row per territory; and how they are written as parquet, with the
column types of the registry and of the spending fixed, so that every run's file and every batch of a sweep has
the same schema (a run without projects, or without any policy grant, included).

Counts and euros are real: a simulated project stands for ``weight`` real ones (:func:`simulation.model.outcomes.real`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.enums import ActorKind, FundingSource, Stage
from simulation.model.outcomes import real

if TYPE_CHECKING:
    from simulation.model.model import TerritorialModel


def spending(model: TerritorialModel) -> pd.DataFrame:
    """Public money by month, territory and channel (long format, non-zero rows only).

    Channels: ``local_projects`` (collectivités' money put into projects),
    ``local_engineering`` (facilitators the territories pay), and one per
    policy lever (``lever:<name>``: its grants, facilitators, events, campaigns, training).
    """
    ledger = model.ledger
    channels = {
        "local_projects": ledger.flows[:, :, FundingSource.PUBLIC_LOCAL],
        "local_engineering": ledger.engineering_local,
        **{f"lever:{name}": arr for name, arr in sorted(ledger.by_lever.items())},
    }
    frames = []
    for channel, arr in channels.items():
        month, terr = np.nonzero(arr)
        frames.append(
            pd.DataFrame(
                {
                    "month": month.astype(np.int64),
                    "territory": np.array(model.territories.names, dtype=object)[terr],
                    "channel": channel,
                    "public_eur": arr[month, terr] * real(model),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).astype({"territory": str, "channel": str})


def territories(model: TerritorialModel) -> pd.DataFrame:
    """One row per territory, as the run simulated it: name, type, inhabitants (at the run's scale) and the
    actors of each kind (``actors_<kind>``). Readers (the report) take the region from here, not from the
    configuration files."""
    terr = model.territories
    counts = np.zeros((len(terr), len(ActorKind)), dtype=np.int64)
    np.add.at(counts, (model.actors.territory, model.actors.kind), 1)
    table = model.territory_table
    out = pd.DataFrame({"code": terr.codes, "territory": terr.names, "type": terr.types, "population": terr.population})
    for kind in ActorKind:
        out[f"organisations_{kind.label}"] = table[f"organisations_{kind.label}"].to_numpy(dtype=float)
    for kind in ActorKind:
        out[f"actors_{kind.label}"] = counts[:, kind]
    out["facilitators"] = terr.facilitators * real(model)
    return out.astype({"code": str, "territory": str, "type": str})


#: Column types of the project registry, fixed so that every run's file has the same
#: schema (a run without projects, or without any policy grant, included).
REGISTRY_SCHEMA = pa.schema(
    [
        ("project_id", pa.int64()),
        ("territory", pa.string()),
        ("domain", pa.string()),
        ("initiator", pa.int64()),
        ("initiator_kind", pa.string()),
        ("members", pa.list_(pa.int64())),
        ("member_kinds", pa.list_(pa.string())),
        ("n_members", pa.int64()),
        ("governance", pa.string()),
        ("form", pa.string()),
        ("phare_type", pa.string()),
        ("origin", pa.string()),
        ("channel", pa.string()),
        ("parent_project", pa.int64()),
        ("facilitated", pa.bool_()),
        ("budget_eur", pa.float64()),
        *[(f"funding_{src.name.lower()}_eur", pa.float64()) for src in FundingSource],
        ("policy_levers", pa.list_(pa.string())),
        *[(f"month_{st.label}", pa.int64()) for st in Stage],
        ("stage", pa.string()),
        ("outcome", pa.string()),
        ("failure_cause", pa.string()),
        ("duration_months", pa.int64()),
        ("jobs", pa.float64()),
        ("value_eur", pa.float64()),
        ("weight", pa.float64()),
    ]
)


SPENDING_SCHEMA = pa.schema(
    [("month", pa.int64()), ("territory", pa.string()), ("channel", pa.string()), ("public_eur", pa.float64())]
)


def to_arrow(df: pd.DataFrame, fixed: pa.Schema | None = None) -> pa.Table:
    """``df`` as an Arrow table, the columns named in ``fixed`` cast to their fixed types."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    for field in fixed or []:
        if field.name in table.schema.names:
            i = table.schema.get_field_index(field.name)
            table = table.set_column(i, field, table.column(i).cast(field.type))
    return table


def write_parquet(df: pd.DataFrame | pa.Table, path: str | Path, fixed: pa.Schema | None = None) -> None:
    """Write ``df`` as parquet, casting the columns named in ``fixed`` to their fixed types."""
    pq.write_table(df if isinstance(df, pa.Table) else to_arrow(df, fixed), path)


def registry(model: TerritorialModel) -> pd.DataFrame:
    """One row per project: members, kinds, domain, governance, funding mix, stage months, outcome."""
    rows = []
    horizon = model.month
    lasting_after = model.config.projects.lasting_after_months
    funding_columns = [(f"funding_{src.name.lower()}_eur", src) for src in FundingSource]
    stage_columns = [(f"month_{s.label}", s) for s in Stage]
    for p in model.projects.records:
        row: dict[str, Any] = {
            "project_id": p.id,
            "territory": model.territories.names[p.territory],
            "domain": p.domain.label,
            "initiator": p.initiator,
            "initiator_kind": p.kinds[0].label,
            "members": list(p.members),
            "member_kinds": [k.label for k in p.kinds],
            "n_members": len(p.members),
            "governance": p.governance.name.lower(),
            "form": p.form.name.lower(),
            "phare_type": p.phare_type.name.lower(),
            "origin": p.origin,
            "channel": p.channel,
            "parent_project": p.parent,
            "facilitated": p.facilitated,
            "budget_eur": p.budget_eur,
        }
        funding = p.funding_eur  # (a copy, with the revenue so far: once per project)
        for column, src in funding_columns:
            row[column] = float(funding[src])
        row["policy_levers"] = [name for name, _ in p.policy_eur]
        for column, s in stage_columns:
            row[column] = p.stage_month.get(s, -1)
        ended = p.stage == Stage.FAILED
        end = p.stage_month.get(Stage.FAILED, horizon)
        row["stage"] = p.stage.label
        row["outcome"] = "failed" if ended else ("lasting" if horizon - p.launched_month >= lasting_after else "active")
        row["failure_cause"] = p.failure_cause.name.lower()
        row["duration_months"] = end - p.launched_month
        row["jobs"] = p.jobs
        row["value_eur"] = p.value_eur
        row["weight"] = real(model)  # the real projects this simulated one stands for
        rows.append(row)
    if not rows:
        return REGISTRY_SCHEMA.empty_table().to_pandas()
    return pd.DataFrame(rows, columns=REGISTRY_SCHEMA.names)
