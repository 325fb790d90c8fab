"""A run's records (docs/ODD.md § Outputs; docs/data.md): one row per project (the registry), public money by
month, territory and channel (spending), one row per territory; and how they are written as parquet, with the
column types of the registry and of the spending fixed, so that every run's file and every batch of a sweep has
the same schema (a run without projects, or without any policy grant, included).

Counts and euros are real: a simulated project stands for ``weight`` real ones (:func:`simulation.model.outcomes.real`).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.enums import ActorKind, Domain, FailureCause, Form, FundingSource, Governance, PhareType, Stage
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
    """One row per project: members, kinds, domain, governance, funding mix, stage months, outcome.

    Made column by column (each a pass over the records, or the table's array), as the rows would give it: at
    100,000 actors a row's dictionary per project took most of a second.
    """
    recs = model.projects.records
    if not recs:
        return REGISTRY_SCHEMA.empty_table().to_pandas()
    table = model.projects
    n = len(recs)
    horizon = model.month
    lasting_after = model.config.projects.lasting_after_months
    names = model.territories.names
    # Euros per source: raised at launch, and the revenue earned so far (:attr:`Project.funding_eur` of each).
    funding = np.array([p.launch_funding_eur for p in recs]).reshape(n, len(FundingSource))
    funding[:, FundingSource.REVENUE] += table.revenue_eur[:n]
    launched = [p.launched_month for p in recs]
    # each enum's values by member, in lower case (``label``), looked up rather than made again for every project
    domain, kind, stage = _lower_names(Domain), _lower_names(ActorKind), _lower_names(Stage)
    governance, form, phare_type = _lower_names(Governance), _lower_names(Form), _lower_names(PhareType)
    cause = _lower_names(FailureCause)
    ended = [p.stage == Stage.FAILED for p in recs]
    columns: dict[str, Any] = {
        "project_id": [p.id for p in recs],
        "territory": [names[p.territory] for p in recs],
        "domain": [domain[p.domain] for p in recs],
        "initiator": [p.initiator for p in recs],
        "initiator_kind": [kind[p.kinds[0]] for p in recs],
        "members": [list(p.members) for p in recs],
        "member_kinds": [[kind[k] for k in p.kinds] for p in recs],
        "n_members": [len(p.members) for p in recs],
        "governance": [governance[p.governance] for p in recs],
        "form": [form[p.form] for p in recs],
        "phare_type": [phare_type[p.phare_type] for p in recs],
        "origin": [p.origin for p in recs],
        "channel": [p.channel for p in recs],
        "parent_project": [p.parent for p in recs],
        "facilitated": [p.facilitated for p in recs],
        "budget_eur": [p.budget_eur for p in recs],
        **{f"funding_{src.name.lower()}_eur": funding[:, src].tolist() for src in FundingSource},
        "policy_levers": [[name for name, _ in p.policy_eur] for p in recs],
        **{f"month_{s.label}": [p.stage_month.get(s, -1) for p in recs] for s in Stage},
        "stage": [stage[p.stage] for p in recs],
        "outcome": [
            "failed" if e else ("lasting" if horizon - month >= lasting_after else "active")
            for e, month in zip(ended, launched, strict=True)
        ],
        "failure_cause": [cause[p.failure_cause] for p in recs],
        "duration_months": [
            p.stage_month.get(Stage.FAILED, horizon) - month for p, month in zip(recs, launched, strict=True)
        ],
        "jobs": [p.jobs for p in recs],
        "value_eur": table.value_eur[:n].tolist(),
        "weight": [real(model)] * n,  # the real projects each simulated one stands for
    }
    return pd.DataFrame(columns, columns=REGISTRY_SCHEMA.names)


def _lower_names(values: type[IntEnum]) -> dict[IntEnum, str]:
    """Each member's name in lower case (the ``label`` of those that have one)."""
    return {v: v.name.lower() for v in values}
