"""One writer per sweep folder: a sweep command holds ``<sweep>/.lock`` from before it touches the folder until
its jobs have all returned.

Two commands writing one sweep folder at once would make the same runs twice (each skips only the runs
*finished* when its jobs start), and the second's start-up cleaning (:func:`simulation.runs.sweep.clear_unfinished`)
would delete the files of the batches the first is writing. So the batched sweeper
(:mod:`hydra_plugins.territorial_alliances_sweeper.batched_sweeper`) runs the whole sweep — checking and
preparing the folder, then launching every job — inside :func:`sweep_lock`. The jobs themselves (joblib, Ray
or submitit workers, or the command's own process on Hydra's basic launcher) take no lock: they run inside the
command holding it.

* **Who holds it**: beside the lock, ``<sweep>/.lock.json`` names the holder (host, process id, user, start
  time, command line); it is removed when the lock is released.
* **A second command is refused at once**, naming the holder: ``error: the sweep was not started: ... is
  being written by process 4321 on host login1 (user ana) since 2025-05-02T10:14:03+02:00 ...``.
  To wait for it instead, run the command with the environment variable ``TA_WAIT_FOR_LOCK=1``
  (``TA_WAIT_FOR_LOCK=1 python -m simulation.run -m ...``): it starts when the holder ends, and then skips
  the runs the holder made (the usual resume).
* **A holder that died** (killed, out of memory, its node rebooted) does not keep the folder: the lock is
  an OS lock (``flock(2)``, through the ``filelock`` package), which the kernel releases when the last
  process holding it ends, whatever the way. The next command takes the lock, finds the ``.lock.json`` the
  dead holder left, says so on stderr (``note: ... took over the lock left by process 4321 on host login1
  ...``), and then clears what the dead command left unfinished. No timeout, no guess: a lock is never
  taken from a live process. (When the lock is held but ``.lock.json`` names a process of this host that no
  longer exists, something it started and that inherited the lock still runs — or the holder runs in
  another PID namespace, a container: the command is refused, with that said.)
* **Readers** (:func:`simulation.runs.datasets.read_table`) take no lock (trying it, even for an instant,
  could refuse a command starting then); :func:`writing` tells them whether a command may be writing the
  folder, from ``.lock.json``: its batch in progress is then not yet complete, not damaged. A holder on
  another host is taken as writing as long as its ``.lock.json`` is there (a process id means nothing across
  hosts): one that died keeps readers reading the finished runs only, with a warning, until the next command
  on the folder takes the lock over.

Shared filesystems (SLURM clusters: the sweep command runs on a login node, holding the lock while the
array's jobs run on the compute nodes, which take no lock):

* On NFS, Linux emulates ``flock`` with POSIX byte-range (``fcntl``) locks held by the server, so two
  commands on two hosts are kept apart only if the server locks: NFSv4 (locking in the protocol), or
  NFSv3 with the lock daemons (``lockd``/``rpc.statd``) running on server and clients. Mounted with
  ``nolock`` or ``local_lock=flock|all``, a lock is seen by its own host only: run a sweep's commands from
  one host. A host that crashes holding the lock keeps it until the server lets it go (NFSv4: the end of
  the client's lease, about 90 s; NFSv3: when the client reboots and ``statd`` tells the server).
* Lustre locks across nodes only when mounted with ``-o flock`` (``localflock``: this host only); GPFS and
  CephFS lock across nodes. Where ``flock`` is not supported at all, ``filelock`` warns and falls back to
  a lock file naming its holder (``SoftFileLock``), which it breaks when its holder, on the same host, no
  longer exists; a holder on another host that died keeps it: remove ``<sweep>/.lock`` by hand once sure.
* The lock is the command's, not its jobs': on SLURM, killing the command (``scancel`` of the command's
  own job, or Ctrl-C) leaves the array's jobs running and writing, without a lock. Cancel them too
  before another command on the same folder.
"""

from __future__ import annotations

import datetime
import getpass
import json
import os
import shlex
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from filelock import BaseFileLock

#: The environment variable that makes a sweep command wait for the folder's lock instead of being refused.
WAIT_VARIABLE = "TA_WAIT_FOR_LOCK"
LOCK = ".lock"
HOLDER = ".lock.json"
#: How long a refused command waits for a new holder's ``.lock.json`` to name it (it writes it just after
#: taking the lock).
_HOLDER_APPEARS_SECONDS = 2.0
#: How often a waiting command tries the lock.
_POLL_SECONDS = 0.2


def wait_requested() -> bool:
    """Whether ``TA_WAIT_FOR_LOCK`` asks to wait for a sweep folder's lock (``1``/``true``/``yes``; unset,
    ``0``/``false``/``no``: refuse at once)."""
    value = os.environ.get(WAIT_VARIABLE, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise SystemExit(
        f"error: {WAIT_VARIABLE}={value!r}: 1 to wait for the command writing the sweep folder to end, 0 (or unset) "
        "to be refused at once"
    )


def this_process() -> dict[str, Any]:
    """What ``.lock.json`` says of this process."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "user": user,
        "started": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": shlex.join(sys.orig_argv),
    }


def read_holder(sweep_dir: Path | str) -> dict[str, Any] | None:
    """What ``<sweep>/.lock.json`` says of the command holding (or that last held without releasing) the folder's
    lock; None if there is none, or it cannot be read."""
    try:
        holder = json.loads((Path(sweep_dir) / HOLDER).read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) and isinstance(holder.get("pid"), int) else None


def is_alive(holder: dict[str, Any]) -> bool | None:
    """Whether a holder's process still exists: True or False on this host; None on another (it cannot be told
    from here)."""
    if holder.get("host") != socket.gethostname():
        return None
    try:
        os.kill(int(holder["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except (OSError, ValueError, OverflowError):
        return False
    return True


def writing(sweep_dir: Path | str) -> dict[str, Any] | None:
    """The command writing the sweep folder, as far as a reader can tell: the holder named by ``.lock.json``
    unless it is a process of this host that no longer exists (a holder on another host is taken as alive), or
    this very process (a sweep command checking the folder it holds). None when no other command writes it."""
    holder = read_holder(sweep_dir)
    if holder is None or is_alive(holder) is False:
        return None
    return None if holder.get("host") == socket.gethostname() and holder["pid"] == os.getpid() else holder


def describe(holder: dict[str, Any] | None) -> str:
    """``process 4321 on host login1 (user ana) since <time>: <command>`` (or an unnamed command)."""
    if holder is None:
        return "another command (it has not named itself in .lock.json)"
    user = f", user {holder['user']}" if holder.get("user") else ""
    text = f"process {holder['pid']} on host {holder.get('host', '?')}{user}, since {holder.get('started', '?')}"
    return text + (f" ({holder['command']})" if holder.get("command") else "")


def _write_holder(sweep_dir: Path, holder: dict[str, Any]) -> None:
    tmp = sweep_dir / f".{HOLDER}.{uuid.uuid4().hex}.tmp"
    try:
        tmp.write_text(json.dumps(holder, indent=2) + "\n")
        os.replace(tmp, sweep_dir / HOLDER)
    finally:
        tmp.unlink(missing_ok=True)


def _holder_of_a_held_lock(sweep_dir: Path) -> dict[str, Any] | None:
    """The holder named by ``.lock.json``, waiting a moment for a holder that has just taken the lock to name
    itself (None if it does not)."""
    deadline = time.monotonic() + _HOLDER_APPEARS_SECONDS
    while (holder := read_holder(sweep_dir)) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return holder


def _refusal(sweep_dir: Path, holder: dict[str, Any] | None) -> str:
    message = f"error: the sweep was not started: {sweep_dir} is being written by {describe(holder)}."
    if holder is not None and is_alive(holder) is False:
        message += (
            f"\nThat process no longer exists, yet the lock ({sweep_dir / LOCK}) is held: a process it started"
            f" still runs (`fuser -v {sweep_dir / LOCK}` names it), or it runs in another PID namespace"
            " (a container)."
        )
    return message + (
        "\nTwo commands on one sweep folder would make the same runs twice, or delete each other's unfinished"
        f" files. Wait for it to end (or stop it), then run this command again; or set {WAIT_VARIABLE}=1 to start"
        " when it ends (the runs it has made are then skipped); or give this sweep another output.sweep_name."
    )


def _try(lock: BaseFileLock, timeout: type[Exception]) -> bool:
    """Take the lock if it is free, at once."""
    try:
        lock.acquire(blocking=False)
    except timeout:
        return False
    return True


@contextmanager
def sweep_lock(sweep_dir: Path | str, wait: bool = False) -> Iterator[dict[str, Any]]:
    """Hold the sweep folder's lock (``<sweep>/.lock``, the folder made if need be) for the ``with`` block, its
    holder named in ``<sweep>/.lock.json`` (yielded).

    Args:
        sweep_dir: the sweep folder.
        wait: wait for a command holding the lock to end, instead of being refused (the sweeper passes
            :func:`wait_requested`, ``TA_WAIT_FOR_LOCK=1``).

    Raises:
        SystemExit: ``error: ...``: the folder is held by another command (naming it; not if ``wait``), or is a
            file, or cannot be made.
    """
    from filelock import FileLock, Timeout

    sweep_dir = Path(sweep_dir).resolve()
    if sweep_dir.exists() and not sweep_dir.is_dir():
        raise SystemExit(f"error: the sweep was not started: {sweep_dir} is a file, not a sweep folder")
    try:
        sweep_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SystemExit(f"error: the sweep was not started: cannot make the sweep folder {sweep_dir}: {e}") from None
    lock = FileLock(sweep_dir / LOCK, thread_local=False)
    if not _try(lock, Timeout):
        holder = _holder_of_a_held_lock(sweep_dir)
        if holder is not None or not _try(lock, Timeout):  # (no holder named: it may have just released it)
            if not wait:
                raise SystemExit(_refusal(sweep_dir, holder))
            print(
                f"{sweep_dir} is being written by {describe(holder)}: waiting for it to end ({WAIT_VARIABLE}=1)...",
                file=sys.stderr,
                flush=True,
            )
            lock.acquire(poll_interval=_POLL_SECONDS)
    try:
        left = read_holder(sweep_dir)
        if left is not None:  # its lock was released by the kernel: it ended without releasing it itself
            gone = " (it no longer exists)" if is_alive(left) is False else ""
            print(
                f"note: {sweep_dir}: took over the lock left by {describe(left)}{gone}, which ended without releasing"
                " it (a sweep clears what it left unfinished before its jobs start)",
                file=sys.stderr,
                flush=True,
            )
        holder = this_process()
        _write_holder(sweep_dir, holder)
        yield holder
    finally:
        try:
            (sweep_dir / HOLDER).unlink(missing_ok=True)  # while still holding: the next holder's is not removed
        finally:
            lock.release()
