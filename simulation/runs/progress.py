"""A sweep's progress in runs, on any engine, and what it made, skipped and failed.

The driver of a sweep follows its runs by what they leave in the sweep folder: a run is done when its
summary row is written, failed when ``failures/<run_id>.json`` holds its error. That works alike whether
the runs are made in this process, by joblib's workers, on a Ray cluster or by SLURM jobs on a shared
filesystem. The bar (``tqdm``, on the error stream) shows runs done, their rate and the time left.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from pathlib import Path
from typing import Any

from simulation.runs.batches import finished_runs

#: A sweep's folder of failed runs: ``<run_id>.json`` each (error, traceback, scenario, seed); a resume makes
#: the run again, and removes the file when it succeeds.
FAILURES = "failures"
#: Seconds between two looks at the sweep folder.
POLL_SECONDS = 2.0


def failure_path(sweep_dir: Path, rid: str) -> Path:
    return sweep_dir / FAILURES / f"{rid}.json"


def failed_runs(sweep_dir: Path) -> dict[str, dict[str, Any]]:
    """The failed runs recorded in ``sweep_dir``, by run id."""
    out = {}
    for path in sorted((sweep_dir / FAILURES).glob("*.json")):
        try:
            out[path.stem] = json.loads(path.read_text())
        except (OSError, ValueError):
            out[path.stem] = {"error": f"unreadable record {path}"}
    return out


def _done(sweep_dir: Path, planned: dict[str, set[str]]) -> int:
    return sum(len(ids & finished_runs(sweep_dir, scenario)) for scenario, ids in planned.items())


class SweepProgress:
    """Follow a sweep's planned runs (``run_id`` by scenario) while its jobs run; say at the end what was made.

    Use as a context manager around the launch of the jobs; :meth:`summary` gives the closing line.
    """

    def __init__(self, sweep_dir: Path, planned: dict[str, set[str]]) -> None:
        self.sweep_dir = sweep_dir
        self.planned = planned
        self.total = sum(len(ids) for ids in planned.values())
        self.done_before = _done(sweep_dir, planned)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SweepProgress:
        from tqdm import tqdm
        from tqdm.contrib.logging import logging_redirect_tqdm

        todo = self.total - self.done_before
        # Log records written to the console while the bar is shown (the launcher's "Launching jobs", a job's
        # warning) go through the bar, each on a line of its own, rather than after the bar on its line.
        self._logging = contextlib.ExitStack()
        self._logging.enter_context(logging_redirect_tqdm())
        self._bar = tqdm(
            total=todo,
            unit="run",
            desc="runs",
            file=sys.stderr,
            dynamic_ncols=True,
            mininterval=POLL_SECONDS if sys.stderr.isatty() else 30.0,
            disable=todo == 0,
        )
        self._thread = threading.Thread(target=self._follow, name="sweep-progress", daemon=True)
        self._thread.start()
        return self

    def _follow(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._update()

    def _update(self) -> None:
        try:
            now = _done(self.sweep_dir, self.planned) - self.done_before
        except OSError:  # a file being renamed into place: next time
            return
        if now > self._bar.n:
            self._bar.update(now - self._bar.n)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._update()
        self._bar.close()
        self._logging.close()

    def failed(self) -> dict[str, dict[str, Any]]:
        """The planned runs that failed (recorded in ``failures/`` and not done since)."""
        planned = set().union(*self.planned.values()) if self.planned else set()
        done = set().union(*(finished_runs(self.sweep_dir, s) for s in self.planned)) if self.planned else set()
        return {rid: r for rid, r in failed_runs(self.sweep_dir).items() if rid in planned and rid not in done}

    def summary(self) -> str:
        """One line: runs made, skipped as already done, failed (and where their errors are)."""
        made = _done(self.sweep_dir, self.planned) - self.done_before
        failed = self.failed()
        line = (
            f"sweep {self.sweep_dir}: {made} run(s) made, {self.done_before} skipped as already done, "
            f"{len(failed)} failed"
        )
        if failed:
            line += f" (their errors: {self.sweep_dir / FAILURES}/<run_id>.json; the same command makes them again)"
        missing = self.total - self.done_before - made - len(failed)
        if missing > 0:
            line += f"; {missing} not made (a job stopped: see the errors above)"
        return line
