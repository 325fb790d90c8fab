"""The ODD documents every model parameter of the schema.

Every field of the configuration dataclasses that configures the model must
appear in the parameter tables of ``docs/ODD.md`` by its full key in
backticks (``region.territories[].population``), in a table row that gives a
source: a source's key (``Territoires Conseils 2018``, see ``docs/references.md``), a
``design`` choice of the model, or ``assumption`` (with its reason). Tables of one
number per kind, domain, stage or resource (``PerKind``…) are one parameter each:
their row gives every value.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from simulation.config import Brings, Config, Interests, PerDomain, PerKind, PerResource, PerStage
from simulation.config.region import PerType

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"

#: Run settings and provenance, not model parameters (the ODD says so in one sentence).
RUN_SETTINGS = {"seed", "output", "scenario", "calibration"}
#: Value tables documented as one row each.
TABLES = (PerKind, PerDomain, PerStage, PerResource, PerType, Brings, Interests)
#: What a row must contain to say where a value comes from.
SOURCE = re.compile(
    r"\b(?:CDG 2021|Reengineering|Territoires Conseils 2018|LeadeR Maroc 2018|CESER 2019|PHARE 2015)\b"
    r"|\bdesign\b|assumption|no effect on the dynamics"
)


def _keys(cls: type, prefix: str = "") -> list[str]:
    """Full keys of the model parameters below dataclass ``cls``."""
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if not prefix and f.name in RUN_SETTINGS:
            continue
        key = f"{prefix}{f.name}"
        tp = hints[f.name]
        item = typing.get_args(tp)[0] if typing.get_origin(tp) is list else None
        if dataclasses.is_dataclass(tp) and tp not in TABLES:
            keys += _keys(tp, f"{key}.")
        elif item is not None and dataclasses.is_dataclass(item):
            keys.append(key)
            keys += _keys(item, f"{key}[].")
        else:
            keys.append(key)
    return keys


def _rows() -> list[str]:
    """The table rows of the ODD (lines starting with ``|``)."""
    return [line for line in ODD.read_text(encoding="utf-8").splitlines() if line.startswith("|")]


def _first_cell(row: str) -> str:
    return row.split("|")[1]


def test_schema_walk_finds_the_parameters() -> None:
    keys = _keys(Config)
    assert "encounters.network_per_month" in keys
    assert "region.territories[].population" in keys
    assert "shocks.events[].resource_factor" in keys
    assert "actors.sociability" in keys  # a per-kind table: one parameter
    assert not any(k.split(".")[0].split("[")[0] in RUN_SETTINGS for k in keys)
    assert len(keys) == len(set(keys))


def test_every_model_parameter_is_in_the_odd() -> None:
    documented = "\n".join(_first_cell(r) for r in _rows())
    missing = [k for k in _keys(Config) if f"`{k}`" not in documented]
    assert not missing, f"{len(missing)} parameter(s) of simulation/config.py missing from docs/ODD.md: " + ", ".join(
        missing
    )


def test_every_documented_parameter_has_a_source() -> None:
    rows = _rows()
    unsourced = [
        k
        for k in _keys(Config)
        if any(f"`{k}`" in _first_cell(r) for r in rows)
        and not any(f"`{k}`" in _first_cell(r) and SOURCE.search(r) for r in rows)
    ]
    assert not unsourced, (
        "parameter row(s) of docs/ODD.md without a source key, 'design' or 'assumption': " + ", ".join(unsourced)
    )


def test_the_odd_gives_the_calibrated_values_and_their_priors() -> None:
    """Each calibrated parameter's row gives the value in force (``configs/calibration/phare2015.yaml``, to three
    significant figures) and, where it names a prior, the range the calibration draws from
    (``simulation.config.uncertainties``)."""
    import yaml

    from simulation.config import CONFIG_DIR
    from simulation.config.uncertainties import calibrated
    from simulation.study.point import flat

    written = yaml.safe_load((CONFIG_DIR / "calibration" / "phare2015.yaml").read_text())
    written.pop("calibration")  # the record of how, not a value
    values = {k: float(v) for k, v in flat(written).items()}
    assert len(values) == len(calibrated())
    rows = _rows()
    for key, value in values.items():
        parameter = key if any(f"`{key}`" in _first_cell(r) for r in rows) else key.rsplit(".", 1)[0]
        row = next(r for r in rows if f"`{parameter}`" in _first_cell(r))
        assert f"calibrated {value:.3g}" in row, f"docs/ODD.md's row of {parameter} does not give {key} = {value:.3g}"
        prior = re.search(r"prior ([\d.]+)–([\d.]+)", row)
        if prior:
            assert (float(prior[1]), float(prior[2])) == pytest.approx(calibrated()[key]), f"{key}: {prior[0]}"
