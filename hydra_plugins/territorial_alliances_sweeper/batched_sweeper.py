"""A Hydra sweeper that runs several seeds of the same configuration in one job.

Hydra's basic sweeper makes one job per point of the grid, and composes each
job's configuration twice (once to validate it, once to run it): about 0.15 s
apiece here, against a run of under a second — the bulk of a sweep's overhead.
Seeds differ in nothing but the seed, so this sweeper groups the jobs that
differ only by ``seed`` into jobs of several seeds: the job is composed once
with its first seed and carries the others in ``output.job_seeds``;
:func:`simulation.runs.simulate._hydra_main` then runs each seed in turn (and
:func:`simulation.runs.sweep.run_job` writes them together). Every run is still the
same (config, seed) pair, with the same run id and the same results bit for
bit, and a resumed sweep still skips each finished run. Everything else — the
grid, ``max_batch_size``, the launchers (joblib, Ray, submitit) — is the basic
sweeper's.

How many seeds a job runs: ``hydra.sweeper.seeds_per_job=N`` if given (1 =
Hydra's behaviour); by default as many as keep every worker of the launcher
busy, at most :data:`MAX_SEEDS_PER_JOB` (:func:`auto_seeds_per_job`). The
workers are read from the launcher's config (:func:`launcher_workers`), or,
for a Ray cluster reached by its address, from the cluster itself (this
machine's cores, with a warning, if the cluster cannot say).

Before anything is written or run, the configuration of every job is composed
and checked against the schema (:func:`simulation.config.to_config`), so a bad
value in a sweep stops it with a message naming the key; then the sweep folder
is checked (:func:`simulation.runs.sweep.prepare_sweep_dir`): a folder holding runs
of another code revision, or none of this command's configurations of a
scenario, is refused, since its runs could not be told apart from this
command's. Only then are ``sweep.json`` and ``multirun.yaml`` written and the
jobs launched.

One command writes a sweep folder at a time: from before the folder is checked
and cleared of what a killed command left, until every job has returned, the
sweep holds the folder's lock (:func:`simulation.runs.lock.sweep_lock`,
``<sweep>/.lock``); another command on the same folder is refused at once,
naming the holder, or waits for it with ``TA_WAIT_FOR_LOCK=1``. The jobs take
no lock: they run inside the command holding it.

Choose it with ``hydra/sweeper=batched`` (the default in ``configs/config.yaml``); :class:`SweeperCheck`
refuses a multirun under any other sweeper.
"""

import logging
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict

log = logging.getLogger(__name__)

SEED_KEY = "seed"
JOB_SEEDS_KEY = "output.job_seeds"
#: The most seeds a job runs by default: a job's overhead (composing it, about 0.15 s) is then
#: under 1% of its runs' time, and a sweep still reports progress job by job.
MAX_SEEDS_PER_JOB = 50


@dataclass
class BatchedSweeperConf:
    _target_: str = "hydra_plugins.territorial_alliances_sweeper.batched_sweeper.BatchedSweeper"
    #: Seeds run one after the other in one job (jobs that differ only by their seed);
    #: None: chosen from the number of runs and of the launcher's workers (auto_seeds_per_job).
    seeds_per_job: int | None = None
    max_batch_size: int | None = None
    params: dict[str, str] | None = None


ConfigStore.instance().store(
    group="hydra/sweeper", name="batched", node=BatchedSweeperConf, provider="territorial-alliances"
)


def group_seeds(jobs: Sequence[Sequence[str]], seeds_per_job: int) -> list[list[str]]:
    """Merge jobs that differ only by ``seed=...`` into jobs of up to ``seeds_per_job`` seeds.

    Args:
        jobs: each job's overrides (``["scenario=p3_seed_grants", "seed=4"]``), in the grid's order.
        seeds_per_job: how many seeds a job runs (>= 1).

    Returns:
        The new jobs, in the order of their first seed in ``jobs``: the other overrides,
        then ``seed=<first>`` and, when more than one seed, ``output.job_seeds=[...]``.
        A seed given twice for the same other overrides runs once.
    """
    if seeds_per_job < 1:
        raise ValueError(f"hydra.sweeper.seeds_per_job = {seeds_per_job}: must be >= 1")
    groups: dict[tuple[str, ...], list[str]] = {}
    for job in jobs:
        seeds = [o.split("=", 1)[1] for o in job if o.split("=", 1)[0] == SEED_KEY]
        others = tuple(o for o in job if o.split("=", 1)[0] != SEED_KEY)
        group = groups.setdefault(others, [])
        if seeds and seeds[-1] not in group:  # a seed given twice is one run (its rows are written once)
            group.append(seeds[-1])
    out: list[list[str]] = []
    for others, seeds in groups.items():
        if not seeds:
            out.append(list(others))
            continue
        for i in range(0, len(seeds), seeds_per_job):
            chunk = seeds[i : i + seeds_per_job]
            job = [*others, f"{SEED_KEY}={chunk[0]}"]
            if len(chunk) > 1:
                job.append(f"{JOB_SEEDS_KEY}=[{','.join(chunk)}]")
            out.append(job)
    return out


def auto_seeds_per_job(runs: int, workers: int, most: int = MAX_SEEDS_PER_JOB) -> int:
    """Seeds per job for a sweep of ``runs`` runs on ``workers`` workers.

    As many as possible, at most ``most``, in a number of jobs that is a multiple of
    ``workers``: every worker gets a job, and as many runs as the others (200 runs on
    2 workers: 4 jobs of 50; 120 runs: 4 jobs of 30, not 3 of 40, which would leave
    one worker idle for the third).
    """
    jobs = workers * math.ceil(runs / (most * workers))
    return max(1, math.ceil(runs / jobs))


def launcher_workers(launcher: DictConfig) -> int:
    """How many jobs the launcher runs at once, as its config (``hydra.launcher``) says.

    Hydra's basic launcher: 1; joblib: ``n_jobs`` (-1 = every core, -2 = all but one...);
    SLURM: ``array_parallelism``; Ray started here: ``ray.init.num_cpus`` over the CPUs
    of a task; a Ray cluster reached by its address (``ray.init.address``): the cluster's
    CPUs over the CPUs of a task (:func:`ray_cluster_workers`). Otherwise (submitit's local
    processes) this machine's cores.
    """
    cores = os.cpu_count() or 1
    if str(launcher.get("_target_", "")).endswith(".BasicLauncher"):
        return 1
    if "n_jobs" in launcher:
        n = int(launcher.n_jobs or 1)
        return n if n > 0 else max(1, cores + 1 + n)
    if "array_parallelism" in launcher:
        return int(launcher.array_parallelism)
    ray_cpus = OmegaConf.select(launcher, "ray.init.num_cpus")
    if ray_cpus:
        return _ray_tasks(ray_cpus, launcher)
    if OmegaConf.select(launcher, "ray.init.address"):
        return ray_cluster_workers(launcher) or cores
    return cores


def _ray_tasks(cpus: float, launcher: DictConfig) -> int:
    """Ray tasks that ``cpus`` CPUs run at once: each task takes ``ray.remote.num_cpus`` (default 1)."""
    return max(1, int(cpus // (OmegaConf.select(launcher, "ray.remote.num_cpus") or 1)))


def ray_cluster_workers(launcher: DictConfig) -> int | None:
    """Tasks a Ray cluster reached by its address runs at once: its CPUs over the CPUs of a task.

    Connects as the launcher would, with its ``ray.init`` (the launcher then finds Ray
    connected and uses that connection). None, with a warning, where the cluster cannot
    say: unreachable (the launcher will say why, after the jobs' configs are checked), or
    no CPU yet (an autoscaling cluster, or a head started with ``--num-cpus=0``).
    """
    import ray

    try:
        if not ray.is_initialized():
            ray.init(**OmegaConf.to_container(launcher.ray.init, resolve=True))  # type: ignore[arg-type]
        cpus = ray.cluster_resources().get("CPU", 0)
    except Exception as e:  # any failure to connect: fall back; the launcher reports it
        log.warning("could not count the Ray cluster's CPUs (%s); set hydra.sweeper.seeds_per_job", e)
        ray.shutdown()  # leave no half-made connection behind for the launcher's own ray.init
        return None
    if cpus < 1:
        log.warning("the Ray cluster has no CPU yet (autoscaling?); set hydra.sweeper.seeds_per_job")
        return None
    return _ray_tasks(cpus, launcher)


class BatchedSweeper(BasicSweeper):
    """Hydra's basic sweeper, with the seeds of each configuration run in batches."""

    def __init__(
        self, seeds_per_job: int | None = None, max_batch_size: int | None = None, params: dict[str, str] | None = None
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        if seeds_per_job is not None and seeds_per_job < 1:
            raise ValueError(f"hydra.sweeper.seeds_per_job = {seeds_per_job}: must be >= 1")
        self.seeds_per_job = seeds_per_job
        #: The configurations of the sweep's runs (``config_id``), by scenario, noted as the jobs are checked.
        self.planned: dict[str, set[str]] = {}
        #: The sweep's runs (``run_id``), by scenario: what its progress counts.
        self.planned_runs: dict[str, set[str]] = {}
        self._composed: dict[tuple[str, ...], Any] = {}

    def sweep(self, arguments: list[str]) -> Any:
        """Hydra's basic sweep, with every job checked and the sweep folder prepared before anything is written.

        (The basic sweeper writes ``multirun.yaml`` first and checks each batch as it launches it.) The folder
        is prepared and every job launched under its lock, until the last job returns
        (:func:`simulation.runs.lock.sweep_lock`).
        """
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        from simulation.runs.lock import sweep_lock, wait_requested
        from simulation.runs.progress import SweepProgress
        from simulation.runs.sweep import prepare_sweep_dir

        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        self.overrides = self.split_arguments(
            parser.parse_overrides([*self._parse_config(), *arguments]), self.max_batch_size
        )
        batches = list(self.overrides)
        sweep_dir = Path(self.config.hydra.sweep.dir)
        with sweep_lock(sweep_dir, wait=wait_requested()):  # before the folder is cleared, until every job is back
            prepare_sweep_dir(sweep_dir, self.config, self.planned)
            OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
            returns = []
            initial_job_idx = 0
            with SweepProgress(sweep_dir, self.planned_runs) as progress:
                for batch in batches:
                    self.batch_index += 1
                    results = self.launcher.launch(batch, initial_job_idx=initial_job_idx)
                    for r in results:
                        _ = r.return_value  # raises if the job failed
                    initial_job_idx += len(batch)
                    returns.append(results)
            print(progress.summary(), file=sys.stderr)
            if progress.failed():
                raise SystemExit(1)
        return returns

    def _plan_run(self, overrides: Sequence[str]) -> None:
        """Note the run id of a checked run (its configuration composed, with its seed)."""
        import dataclasses

        from simulation.config import run_id

        others = tuple(o for o in overrides if o.split("=", 1)[0] not in (SEED_KEY, JOB_SEEDS_KEY))
        config = self._composed.get(others)
        if config is None:
            return
        values = {o.split("=", 1)[0]: o.split("=", 1)[1] for o in overrides if "=" in o}
        seed = int(values.get(SEED_KEY, config.seed))
        rid = run_id(dataclasses.replace(config, seed=seed))
        self.planned_runs.setdefault(config.scenario.name, set()).add(rid)

    def split_arguments(  # type: ignore[override]  # an instance method: it needs seeds_per_job
        self, overrides: list[Override], max_batch_size: int | None
    ) -> list[list[list[str]]]:
        (jobs,) = BasicSweeper.split_arguments(overrides, None)
        if not jobs:
            raise SystemExit("error: the sweep was not started: it has no run (an empty range or list of values?)")
        # Every run checked first: counting a Ray cluster's CPUs below connects to it, which may take
        # minutes to fail when the cluster is unreachable, and a bad value must not wait for that.
        self.validate_batch_is_legal(jobs)
        seeds_per_job = self.seeds_per_job
        if seeds_per_job is None:
            assert self.config is not None
            seeds_per_job = auto_seeds_per_job(len(jobs), launcher_workers(self.config.hydra.launcher))
        batched = group_seeds(jobs, seeds_per_job)
        return list(self.split_overrides_to_chunks(batched, max_batch_size))

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Check every run of the sweep against the schema before anything else (the runs, one per job, before
        their seeds are grouped into jobs), and note its configuration (:attr:`planned`).

        Runs that differ only by their seeds are composed and checked once; the
        seeds of the others are checked against the schema's range of ``seed``.
        """
        from simulation.config import ConfigError, config_id, to_config

        assert self.hydra_context is not None and self.config is not None
        loader = self.hydra_context.config_loader
        errors: dict[str, str] = {}
        checked: set[tuple[str, ...]] = set()
        for overrides in batch:
            others = tuple(o for o in overrides if o.split("=", 1)[0] not in (SEED_KEY, JOB_SEEDS_KEY))
            try:
                _check_seeds(overrides)
            except ValueError as e:
                errors.setdefault(f"{SEED_KEY} = {e}: seeds must be integers >= 0 and < 2**63", " ".join(overrides))
                continue
            if others in checked:
                self._plan_run(overrides)
                continue
            checked.add(others)
            cfg = loader.load_sweep_config(master_config=self.config, sweep_overrides=list(overrides))
            with open_dict(cfg):
                del cfg["hydra"]  # what the job sees (run_job removes it too)
            try:
                config = to_config(cfg)
            except ConfigError as e:
                errors.setdefault(str(e), " ".join(overrides))
                continue
            self.planned.setdefault(config.scenario.name, set()).add(config_id(config))
            self._composed[others] = config
            self._plan_run(overrides)
        if errors:
            lines = [f"{msg}\n  (in the sweep job: {job})" for msg, job in errors.items()]
            raise SystemExit("error: the sweep was not started:\n" + "\n".join(lines))


def _check_seeds(overrides: Sequence[str]) -> None:
    """Check the seeds a job runs (``output.job_seeds``, else ``seed``) against the schema's range.

    Raises:
        ValueError: a seed the schema does not allow (the message is that value).
    """
    from simulation.config import SEED_LIMIT

    values = {o.split("=", 1)[0]: o.split("=", 1)[1] for o in overrides if "=" in o}
    value = values.get(JOB_SEEDS_KEY, values.get(SEED_KEY))
    for text in value.strip("[]").split(",") if value is not None else []:
        try:
            seed = int(text)
        except ValueError:
            raise ValueError(text) from None
        if not 0 <= seed < SEED_LIMIT:
            raise ValueError(text)


class SweeperCheck(Callback):
    """A multirun under another sweeper is refused before it starts: only this one checks the sweep folder
    (another code revision, other configurations) and writes ``sweep.json``; Hydra's basic sweeper, or any
    other, would add its runs to a folder unchecked, and the analysis could not tell them apart.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        from simulation.runs import config_process

        if config_process.composing():  # (its mode set in a file): the run's process runs it, from the start
            config_process.hand_over(None)
        choice = config.hydra.runtime.choices.get("hydra/sweeper")
        if choice != "batched":
            raise SystemExit(
                f"error: the sweep was not started: hydra/sweeper={choice} does not check the sweep folder; "
                "allowed: hydra/sweeper=batched (the default; hydra.sweeper.seeds_per_job=1 gives one run per job)"
            )
