"""The project's own records the council report quotes beside a sweep's numbers: the ranking of the CESER's
levers over plausible worlds (``python -m simulation.sensitivity worlds``, kept in the docs) and how the baseline
was calibrated (``configs/calibration/phare2015.yaml``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulation.report.contents import CalibrationRecord, Worlds

#: The ranking of the CESER's levers over plausible worlds that the report quotes (``python -m simulation.sensitivity
#: worlds``, copied to the docs: docs/sensitivity.md).
WORLDS_SUMMARY = Path(__file__).resolve().parents[2] / "docs" / "sensitivity" / "worlds" / "summary.json"
#: Fewer plausible worlds than this make a quick ranking, said as such on page 1.
FEW_WORLDS = 50
#: A PRIM box is quoted for a lever that leads in at least this share of worlds.
QUOTED_SHARE = 0.1


#: A PRIM box is quoted when it keeps at most this share of the range of the parameter it narrows most: a box that
#: keeps most of every range it restricts says little about what a lever's lead depends on.
NARROW_BOX = 0.5


def kept_of_range(restriction: dict[str, Any]) -> float:
    """The share of its parameter's range (over the worlds) that a PRIM box's restriction keeps."""
    low, high = restriction["range"]
    return float((restriction["high"] - restriction["low"]) / max(high - low, 1e-12))


def plausible_worlds(path: Path = WORLDS_SUMMARY) -> Worlds | None:
    """The ranking over plausible worlds the report quotes, language-free: how many worlds and seeds, each lever's
    value with its 90% interval and share of worlds led (most first), and the parameter the leaders' PRIM boxes
    restrict most; None when it has not been made."""
    if not path.is_file():
        return None
    summary = json.loads(path.read_text())
    # (a lever that spent nothing in any world has no value, JSON's null: there is nothing to rank it by)
    valued = {k: v for k, v in summary["levers"].items() if v.get("value") is not None}
    levers = sorted(valued.items(), key=lambda kv: -kv[1]["lead_share"])
    depends = []
    for lever, boxes in summary.get("depends_on", {}).items():
        share = summary["levers"][lever]["lead_share"]
        if share < QUOTED_SHARE or not boxes or not boxes[0]["box"]:
            continue
        # the restriction that keeps the least of its parameter's range: what the lever's lead depends on most
        box = min(boxes[0]["box"], key=kept_of_range)
        if kept_of_range(box) <= NARROW_BOX:
            depends.append({"lever": lever, "share": share, "density": boxes[0]["density"], **box})
    depends.sort(key=lambda d: -d["share"])
    return Worlds(
        n=int(summary["worlds"]),
        seeds=int(summary["seeds"]),
        quick=int(summary["worlds"]) < FEW_WORLDS,
        setting=summary.get("setting", {}),
        levers=[{"lever": k, **v} for k, v in levers],
        leading=[{"lever": k, "share": v["lead_share"]} for k, v in levers if v["lead_share"] > 0],
        depends=depends[:2],
    )


def calibration_record() -> CalibrationRecord:
    """How the baseline was calibrated, as its file records it: how many parameters, to which targets, and
    whether each was reached on the check's fresh seeds."""
    import yaml

    from simulation.config import CONFIG_DIR

    meta = yaml.safe_load((CONFIG_DIR / "calibration" / "phare2015.yaml").read_text())["calibration"]
    checks = {"region": meta["result"], **({"france": meta["france"]} if "france" in meta else {})}
    return CalibrationRecord(
        n_parameters=len(meta["priors_uniform"]),
        reached={
            where: {k: bool(v["within_tolerance"]) for k, v in result.items() if isinstance(v, dict)}
            for where, result in checks.items()
        },
    )
