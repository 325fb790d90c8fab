"""Whether a sweep folder is whole: each batch has its file in every table and a summary file, each run with a
summary row has its monthly rows and no table holds rows of runs without one, and the dataset folders hold
nothing but their batches. Every reader checks it first (:func:`simulation.runs.datasets.read_table`)."""

from __future__ import annotations

import dataclasses
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from simulation.runs.tables import TABLES


class IncompleteSweepError(ValueError):
    """A sweep folder whose datasets lack rows of some of its runs, or hold rows of unfinished runs, runs twice,
    or files that are not its batches': reading it would lose runs, or count some that are not (or twice).

    Attributes:
        sweep_dir: the sweep folder.
        problems: what is wrong, one line each (naming runs, tables and files).
        files: what to delete (files, and folders ending with ``/``) so that the same sweep command makes the
            runs again.
    """

    def __init__(self, sweep_dir: Path, problems: list[str], files: list[Path]) -> None:
        self.sweep_dir, self.problems, self.files = sweep_dir, problems, files
        shown = [f"  - {p}" for p in problems[:_SHOWN]] + (
            [f"  ... and {len(problems) - _SHOWN} more"] * (len(problems) > _SHOWN)
        )
        names = [f"  {path}{'/' if path.is_dir() else ''}" for path in files[: 2 * _SHOWN]]
        names += [f"  ... and {len(files) - 2 * _SHOWN} more"] * (len(files) > 2 * _SHOWN)
        super().__init__(
            f"{sweep_dir}: this sweep folder is not whole (reading it would miss runs, or count runs that are not"
            " finished, or twice):\n"
            + "\n".join(shown)
            + "\nTo repair it, delete these files and folders (or move them out of the sweep folder):\n"
            + "\n".join(names)
            + "\nthen run the same sweep command again (same output.sweep_name): it makes the runs that are missing"
            " again, and skips the others."
        )


_SHOWN = 20
_SCENARIO = re.compile(r"scenario=[^/\\]+")


@dataclasses.dataclass(frozen=True)
class _FileRuns:
    """The runs whose rows a batch file holds: ``(run_id, seed)`` of each row for a summary file, of each run for
    another table's; None if the file has no ``run_id`` column (not checked), ``error`` if it cannot be read."""

    runs: tuple[tuple[str, Any], ...] | None
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class _State:
    """A checked sweep folder: the runs in its summary, and the command writing it, if any."""

    done: frozenset[str]
    writer: dict[str, Any] | None


#: Runs of each file read, by path: (size, mtime, inode) when read, and what it holds.
_FILE_RUNS: dict[str, tuple[tuple[int, int, int], _FileRuns]] = {}
#: Each sweep folder checked whole, by path: what it held when checked (files and their stat, the command
#: writing it), and its state.
_CHECKED: dict[str, tuple[Any, _State]] = {}


def _stat_key(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ino


_Listing = tuple[dict[str, dict[tuple[str, str], tuple[Path, Any]]], list[Path]]


def _listing(sweep: Path) -> _Listing:
    """The batch files of each dataset folder that exists, by ``(scenario, batch name)`` (with their
    :func:`_stat_key`), and whatever the folders hold that is not a batch file (stray).

    The summary is listed first: a batch whose summary is seen had its other files written before it, so they
    are seen too (while a command writes the folder). Hidden names (``.*``: a writer's temporary files, NFS's
    ``.nfs*``, Finder's ``.DS_Store``) are never read by the readers, and not listed.
    """
    files: dict[str, dict[tuple[str, str], tuple[Path, Any]]] = {}
    strays: list[Path] = []
    if not sweep.is_dir():
        return files, strays  # nothing to check (reading it says why)
    for table in ("summary", *(t for t in TABLES if t != "summary")):
        folder = sweep / table
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except FileNotFoundError:
            continue  # a dataset the sweep does not have (made before it existed): not checked
        except NotADirectoryError:
            strays.append(folder)
            continue
        batches = files.setdefault(table, {})
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if not (entry.is_dir() and _SCENARIO.fullmatch(entry.name)):
                strays.append(Path(entry.path))
                continue
            scenario = entry.name.removeprefix("scenario=")
            try:
                inside = sorted(os.scandir(entry.path), key=lambda e: e.name)
            except FileNotFoundError:  # removed since listed
                continue
            for file in inside:
                if file.name.startswith("."):
                    continue
                if file.is_file() and file.name.endswith(".parquet"):
                    batches[(scenario, file.name.removesuffix(".parquet"))] = (Path(file.path), _stat_key(file.stat()))
                else:
                    strays.append(Path(file.path))
    return files, strays


def _file_runs(path: Path, key: Any, table: str) -> _FileRuns:
    """What :class:`_FileRuns` says of a batch file (kept while its size, mtime and inode stay the same)."""
    cached = _FILE_RUNS.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        file = pq.ParquetFile(path)
        names = file.schema_arrow.names
        if "run_id" not in names:
            runs = _FileRuns(None)
        else:
            columns = ["run_id", *(["seed"] if "seed" in names else [])]
            rows = file.read(columns=columns)
            if table != "summary":
                rows = rows.group_by(columns, use_threads=False).aggregate([])
            ids = rows.column("run_id").to_pylist()
            seeds = rows.column("seed").to_pylist() if "seed" in columns else [None] * len(ids)
            runs = _FileRuns(tuple(zip(ids, seeds, strict=True)))
    except FileNotFoundError:
        raise
    except (OSError, pa.ArrowException) as e:
        runs = _FileRuns(None, error=str(e) or type(e).__name__)
    _FILE_RUNS[str(path)] = (key, runs)
    return runs


def _runs_text(runs: list[tuple[str, Any]], scenario: str) -> str:
    """``run 1a2b (scenario baseline, seed 0)``, or ``runs 1a2b (seed 0), 3c4d (seed 1) of scenario baseline``."""
    if len(runs) == 1:
        return f"run {runs[0][0]} (scenario {scenario}, seed {runs[0][1]})"
    named = ", ".join(f"{rid} (seed {seed})" for rid, seed in runs[:5])
    more = f" and {len(runs) - 5} more" if len(runs) > 5 else ""
    return f"runs {named}{more} of scenario {scenario}"


def _check(sweep: Path, listing: _Listing, writer: dict[str, Any] | None) -> _State:
    """Check a sweep folder whole (:func:`check_complete`), as listed; its state, or IncompleteSweepError."""
    files, strays = listing
    tables = [t for t in TABLES if t in files]
    summary = files.get("summary", {})
    todo = [(table, batch) for table in tables for batch in files[table].values()]
    workers = min(8, os.cpu_count() or 1) if len(todo) > 16 else 1
    with ThreadPoolExecutor(workers) as pool:
        read = list(pool.map(lambda job: _read_or_gone(job[1][0], job[1][1], job[0]), todo))
    runs = {str(batch[0]): got for (_, batch), got in zip(todo, read, strict=True)}

    def rel(path: Path) -> str:
        return str(path.relative_to(sweep))

    problems: list[str] = []
    delete: dict[Path, None] = {}

    def whole_batch(scenario: str, name: str) -> list[Path]:
        return [files[t][(scenario, name)][0] for t in tables if (scenario, name) in files[t]]

    for path in strays:
        kind = "folder" if path.is_dir() else "file"
        problems.append(
            f"{rel(path)}: a {kind} that is not a batch (a dataset folder holds scenario=<name>/<batch>.parquet)"
        )
        delete[path] = None

    where: dict[str, list[tuple[str, str]]] = {}  # each run of the summary: the batches that hold it
    seeds: dict[str, Any] = {}
    in_progress = 0
    for (scenario, name), (path, _) in summary.items():
        got = runs[str(path)]
        if got is None:  # gone since listed (a command writing the folder cleared it)
            continue
        if got.error is not None:
            problems.append(f"{rel(path)}: cannot be read ({got.error})")
            delete.update(dict.fromkeys(whole_batch(scenario, name)))
            continue
        batch_runs = list(dict.fromkeys(got.runs)) if got.runs is not None else None
        for rid, seed in got.runs or ():
            where.setdefault(rid, []).append((scenario, name))
            seeds[rid] = seed
        missing = [t for t in tables if (scenario, name) not in files[t]]
        if missing:
            whose = _runs_text(batch_runs, scenario) if batch_runs else f"the runs of {rel(path)}"
            lost = ", ".join(f"{t}/scenario={scenario}/{name}.parquet" for t in missing)
            problems.append(f"{whose}: no rows in {', '.join(missing)} (missing: {lost})")
            delete.update(dict.fromkeys(whole_batch(scenario, name)))
        for table in tables:
            sibling = files[table].get((scenario, name))
            if table == "summary" or sibling is None:
                continue
            other = runs[str(sibling[0])]
            if other is None:
                continue
            if other.error is not None:
                problems.append(f"{rel(sibling[0])}: cannot be read ({other.error})")
                delete.update(dict.fromkeys(whole_batch(scenario, name)))
                continue
            if other.runs is None or batch_runs is None:
                continue
            ids = {rid for rid, _ in batch_runs}
            extra = [(rid, seed) for rid, seed in other.runs if rid not in ids]
            if extra:
                problems.append(
                    f"{rel(sibling[0])}: rows of {_runs_text(extra, scenario)} with no summary row (not in {rel(path)})"
                )
                delete.update(dict.fromkeys(whole_batch(scenario, name)))
            if table == "timeseries":  # (a run may have no project, or no public money: no registry or spending row)
                there = {rid for rid, _ in other.runs}
                lacking = [(rid, seed) for rid, seed in batch_runs if rid not in there]
                if lacking:
                    problems.append(f"{_runs_text(lacking, scenario)}: no rows in timeseries ({rel(sibling[0])})")
                    delete.update(dict.fromkeys(whole_batch(scenario, name)))

    for table in tables:
        for (scenario, name), (path, _) in files[table].items():
            if table == "summary" or (scenario, name) in summary:
                continue
            if writer is not None:  # a batch being written: its summary comes last
                in_progress += 1
                continue
            got = runs[str(path)]
            if got is None:
                continue
            whose = _runs_text(list(got.runs), scenario) if got.runs else "runs"
            problems.append(
                f"{rel(path)}: rows of {whose} with no summary row (summary/scenario={scenario}/{name}.parquet is"
                " missing: a sweep stopped while writing that batch)"
            )
            delete[path] = None

    for rid, batches in where.items():
        if len(batches) > 1:
            scenario = batches[0][0]
            names = ", ".join(f"summary/scenario={s}/{n}.parquet" for s, n in batches)
            problems.append(
                f"run {rid} (scenario {scenario}, seed {seeds[rid]}) is in the summary {len(batches)} times ({names})"
            )
            keep = next((b for b in batches if _named_after(b[1], runs[str(summary[b][0])])), batches[0])
            for batch in dict.fromkeys(batches):
                if batch != keep or batches.count(batch) > 1:
                    delete.update(dict.fromkeys(whole_batch(*batch)))

    if problems:
        raise IncompleteSweepError(sweep, problems, list(delete))
    if writer is not None:
        from simulation.runs.lock import describe

        left_out = f"; {in_progress} file(s) of batches being written are left out" if in_progress else ""
        warnings.warn(
            f"{sweep} is being written by {describe(writer)}: reading the {len(where)} runs finished so far{left_out}",
            stacklevel=4,
        )
    return _State(frozenset(where), writer)


def _read_or_gone(path: Path, key: Any, table: str) -> _FileRuns | None:
    try:
        return _file_runs(path, key, table)
    except FileNotFoundError:
        return None


def _named_after(name: str, runs: _FileRuns | None) -> bool:
    """Whether a summary file's name is the one its batch was written with: its first run's id, ``-<n>`` if it
    holds n > 1 runs."""
    if runs is None or not runs.runs:
        return False
    first, n = runs.runs[0][0], len(runs.runs)
    return name == (first if n == 1 else f"{first}-{n}")


def _checked(sweep_dir: Path) -> _State:
    """The state of a sweep folder, checked unless it was, as it is now (its files, and the command writing it)."""
    from simulation.runs.lock import writing

    sweep = Path(os.path.abspath(sweep_dir))
    writer = writing(sweep)
    listing = _listing(sweep)
    files, strays = listing
    signature = (
        tuple((table, tuple((key, stat) for key, (_, stat) in batches.items())) for table, batches in files.items()),
        tuple(strays),
        None if writer is None else (writer.get("host"), writer.get("pid"), writer.get("started")),
    )
    cached = _CHECKED.get(str(sweep))
    if cached is not None and cached[0] == signature:
        return cached[1]
    state = _check(sweep, listing, writer)
    _CHECKED[str(sweep)] = (signature, state)
    return state


def check_complete(sweep_dir: Path | str) -> None:
    """Check that a sweep folder is whole: each run in the summary has its rows in every other dataset, no dataset
    holds rows of a run that is not in the summary, no run is in the summary twice, and the dataset folders hold
    nothing but ``scenario=<name>/<batch>.parquet`` files.

    Each batch of runs was written as one file per dataset, with the same name, the summary last
    (:mod:`simulation.runs.batches`): so a summary file lacking its file in another dataset lost rows; a
    file without its summary file holds rows of runs that are not finished (a sweep killed while writing that
    batch); and every run of a summary file has rows in the time series, while the registry may have none (no
    project) and the spending none (no public money). What is checked:

    * the dataset folders (``summary``, ``timeseries``, ``registry``, ``spending``; one a sweep does not have,
      being from before it, is not) hold only ``scenario=<name>/`` folders of ``<batch>.parquet`` files
      (hidden names aside: a writer's temporary ``.*.tmp`` files, which readers never read; an empty scenario
      folder, which a killed command may leave, holds nothing to read);
    * each summary file has its file, with the same name, in every other dataset, and each file of another
      dataset its summary file (unless a command is writing the folder: the summary of a batch is written
      last, so its other files are a batch in progress, not damage; :func:`read_table` leaves them out);
    * those files hold rows of the summary file's runs only, and the time series of every one of them;
    * each run (``run_id``) is in the summary once.

    A file without a ``run_id`` column (not written by a sweep) is checked for its place only. The check reads
    the ``run_id`` and ``seed`` columns of every file once per process (again if a file changes).

    Raises:
        IncompleteSweepError: naming each run (id, scenario, seed), table and file at fault, and the files to
            delete: the same sweep command then makes those runs again.
    """
    _checked(Path(sweep_dir))
