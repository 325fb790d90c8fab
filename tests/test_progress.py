"""A sweep's progress bar (simulation/runs/progress.py) and the log lines written while it is shown."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from simulation.runs.progress import SweepProgress


def test_a_log_line_written_under_the_bar_starts_a_line_of_its_own(tmp_path: Path, capsys) -> None:
    # The launcher logs "Launching jobs" once the bar is shown: the record must clear the bar first, not be
    # written after the bar's text on its line ("… ?run/s]Launching jobs").
    handler = logging.StreamHandler(sys.stderr)  # a console handler, as Hydra's logging sets up
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        with SweepProgress(tmp_path, {"baseline": {"run-a", "run-b"}}):
            logging.getLogger("hydra.launcher").info("Launching jobs")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "0/2" in err  # the bar was shown
    before = err[: err.index("Launching jobs")]
    assert before.endswith(("\r", "\n")), repr(err)
    assert root.handlers.count(handler) == 0 and all(type(h).__name__ != "_TqdmLoggingHandler" for h in root.handlers)
