"""Make again every document derived from runs, in order, and say which changed.

    .venv/bin/python experiments/remake_docs.py [--check] [--only validation,seed_grants,...,worlds_at_point]

Each step runs the command its document names (:data:`STEPS`; the same command is quoted in that document, which
``tests/test_remake_docs.py`` checks), into a folder of its own, then compares what it made with what
``docs/`` holds, byte for byte. Without ``--check`` the files that differ are copied into ``docs/``; with it
nothing is written there, and the command ends with exit code 1 if any file differs. Either way it lists the
files that changed: the prose of their document quotes them and must be read again.

A change meant to keep results should leave every file as it is; a change that alters them (a mechanism, a
default, the calibration) makes all of them again. The calibration is not a step: it takes about an hour, writes
``configs/calibration/phare2015.yaml`` and ``docs/calibration/`` itself, and comes first when the model changes
(``docs/calibration.md`` gives its command). The steps take about 1, 3, 3, 6, 4, 22–45 and 24 minutes on 2 cores.

The sensitivity steps run through the sweep machinery in ``results/sensitivity/<name>/``, a fresh name each
time (``remake-<UTC time>``): a folder made by another code revision is refused, so an older one is never reused.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


@dataclass(frozen=True)
class Step:
    """One document's runs.

    Attributes:
        name: the step's name (``--only``).
        args: the command after the interpreter; ``{out}`` is the step's own folder, ``{name}`` the sensitivity
            analysis's folder name.
        made: where the command writes its files, relative to ``{out}`` or, for the sensitivity analysis, to
            ``results/sensitivity/{name}``.
        files: the files it makes there.
        docs: the folder of ``docs/`` that holds them.
        document: the document that quotes them, and names the command.
    """

    name: str
    args: tuple[str, ...]
    made: str
    files: tuple[str, ...]
    docs: str
    document: str

    def command(self, out: Path, name: str) -> list[str]:
        return [sys.executable, *(a.format(out=out, name=name) for a in self.args)]

    def made_in(self, out: Path, name: str) -> Path:
        return Path(self.made.format(out=out, name=name, repo=REPO))

    @property
    def quoted(self) -> str:
        """The command as its document quotes it: the options that set what is made, not where it is written."""
        words = list(self.args)
        for flag in ("--out", "--name"):
            if flag in words:
                del words[words.index(flag) : words.index(flag) + 2]
        return " ".join(["python", *words])


SENSITIVITY = "{repo}/results/sensitivity/{name}"
#: The ranking over plausible worlds, as docs/sensitivity.md quotes it.
WORLDS = ("-m", "simulation.sensitivity", "worlds", "--worlds", "50", "--seeds", "8")
STEPS = (
    Step(
        "validation",
        ("experiments/validation.py", "--seeds", "10", "--out", "{out}/validation"),
        "{out}/validation",
        ("validation.json", "shock.png"),
        "validation",
        "docs/validation.md",
    ),
    Step(
        "seed_grants",
        ("experiments/seed_grants.py", "--council-seeds", "100", "--seeds", "16", "--out", "{out}/validation"),
        "{out}/validation",
        ("seed_grants.json",),
        "validation",
        "docs/validation.md",
    ),
    Step(
        "invariance",
        (
            "experiments/invariance.py",
            "--seeds",
            "8",
            "--lever",
            "p6_civil_society",
            "--budget",
            "2500000",
            "--out",
            "{out}/territories",
        ),
        "{out}/territories",
        ("invariance.csv", "invariance.json", "invariance.png"),
        "territories",
        "docs/territories.md",
    ),
    Step(
        "morris",
        ("-m", "simulation.sensitivity", "morris", "--trajectories", "10", "--name", "{name}"),
        SENSITIVITY,
        ("morris.csv", "morris.png"),
        "sensitivity",
        "docs/sensitivity.md",
    ),
    Step(
        "sobol",
        ("-m", "simulation.sensitivity", "sobol", "--n", "32", "--top", "4", "--name", "{name}"),
        SENSITIVITY,
        ("sobol.csv", "sobol.png"),
        "sensitivity",
        "docs/sensitivity.md",
    ),
    Step(
        "worlds",
        (*WORLDS, "--name", "{name}"),
        SENSITIVITY,
        ("worlds.csv", "values.csv", "pairs.csv", "summary.json"),
        "sensitivity/worlds",
        "docs/sensitivity.md",
    ),
    Step(
        "worlds_at_point",
        (*WORLDS, "--calibrated", "point", "--name", "{name}"),
        SENSITIVITY + "/at_point",
        ("worlds.csv", "values.csv", "pairs.csv", "summary.json"),
        "sensitivity/worlds_at_point",
        "docs/sensitivity.md",
    ),
)


def compare(step: Step, made: Path, docs: Path) -> list[str]:
    """The step's files that differ from those in ``docs`` (or are not there), as paths under ``docs``."""
    return [
        f"{step.docs}/{f}"
        for f in step.files
        if not (docs / step.docs / f).exists() or not filecmp.cmp(made / f, docs / step.docs / f, shallow=False)
    ]


def remake(steps: list[Step], out: Path, name: str, docs: Path, check: bool) -> list[str]:
    """Run ``steps`` in order; copy the files that changed into ``docs`` (unless ``check``); return them."""
    changed: list[str] = []
    for step in steps:
        t0 = time.perf_counter()
        print(f"[{step.name}] {' '.join(step.command(out, name))}", flush=True)
        proc = subprocess.run(step.command(out, name), cwd=REPO, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"[{step.name}] failed (exit code {proc.returncode}):\n{proc.stderr[-4000:]}")
        made = step.made_in(out, name)
        missing = [f for f in step.files if not (made / f).exists()]
        if missing:
            sys.exit(f"[{step.name}] did not make {', '.join(missing)} in {made}")
        differ = compare(step, made, docs)
        if not check:
            for path in differ:
                (docs / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(made / Path(path).name, docs / path)
        minutes = (time.perf_counter() - t0) / 60
        says = f"{', '.join(differ)} (read again: {step.document})" if differ else "every file identical"
        print(f"[{step.name}] {minutes:.1f} min: {says}", flush=True)
        changed += differ
    return changed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="experiments/remake_docs.py", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only: write nothing into docs/")
    parser.add_argument("--only", default=None, help=f"comma-separated steps, of: {', '.join(s.name for s in STEPS)}")
    parser.add_argument("--out", type=Path, default=None, help="the steps' own folder (default: results/remake-<UTC>)")
    args = parser.parse_args(argv)
    names = [s.name for s in STEPS]
    wanted = names if args.only is None else [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in names]
    if unknown or not wanted:
        parser.error(
            f"--only {args.only!r}: unknown step {', '.join(unknown) or '(none given)'}; allowed are {', '.join(names)}"
        )
    if "sobol" in wanted and "morris" not in wanted:
        parser.error("--only: sobol reads the Morris screening of the same run: add morris")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or REPO / "results" / f"remake-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    changed = remake([s for s in STEPS if s.name in wanted], out, f"remake-{stamp}", DOCS, args.check)
    if not changed:
        print("Every document's files are what their commands make.")
        return
    verb = "differ (nothing written)" if args.check else "were made again"
    print(f"{len(changed)} file(s) of docs/ {verb}: {', '.join(changed)}")
    if args.check:
        sys.exit(1)


if __name__ == "__main__":
    main()
