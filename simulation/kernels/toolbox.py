"""The numba toolbox every kernel is compiled with: the decorators, two intrinsics and pairwise summation.

* :data:`jit` compiles a kernel (cached on disk, without the GIL); :data:`inline` compiles the small
  steps the loops are made of, inlined where they are called. No fast-math anywhere: every float
  operation is done in the written order, so a kernel computes what the numpy it stands for computes.
* :func:`prefetch` asks the processor for memory a loop will read :data:`AHEAD` of time (a hint that
  never faults): a 100,000-actor region's trust pool is far larger than the cache, so a month's events
  mostly wait for memory, and asking a few events ahead lets those waits overlap.
* :func:`borrowed` passes a kernel's own array arguments from step to step without their reference
  count: otherwise every array passed to a step costs an atomic increment and decrement (measured with
  ``perf``: half of :func:`simulation.kernels.trust.meet`'s time).
* :func:`block_sum` (a block of up to 128) and :func:`pairwise_sum` (any length) sum as numpy sums (pairwise),
  so a kernel's sums are numpy's bit for bit.
* :func:`kernel_clock` measures the time numba spends compiling the kernels, or loading them from its cache,
  so that a run's time can leave it aside.

Neither intrinsic changes a result: the same operations run in the same order.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numba as nb
from llvmlite import ir
from numba.core import cgutils, event, types
from numba.extending import intrinsic

jit = nb.njit(cache=True, nogil=True)
#: The small steps the loops are made of, inlined where they are called: a call between compiled functions
#: counts references to every array it passes, with atomic instructions (that was 40% of ``meet``).
inline = nb.njit(cache=True, nogil=True, inline="always")

#: How many events ahead the loops over a month's events ask for the memory the event will read.
AHEAD = 16
#: numpy's block size for pairwise summation.
PW_BLOCK = 128


def _prefetch(typingctx, array, index):
    """Ask the processor to bring ``array[index]`` into the cache; nothing else happens (a hint, never a fault).

    The month's events touch rows at random places of a pool much larger than the
    cache, so each waits for memory; asking a few events ahead lets those waits overlap.
    """

    def codegen(context, builder, signature, args):
        aty = signature.args[0]
        ary = context.make_array(aty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aty, ary, [args[1]], wraparound=False, boundscheck=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8"
        )
        # read, highest locality, data cache
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


def _borrowed(typingctx, arrays):
    """The same arrays (a tuple), without the reference count of their memory: passing them from function to
    function inside a kernel then costs nothing, where a counted array costs an atomic increment and decrement
    each time (that was half of
    :func:`simulation.kernels.trust.meet`'s time).

    Only for arrays that the kernel's caller holds for the whole call — the kernel's own arguments —, and never
    returned, nor any view of them.
    """

    def codegen(context, builder, signature, args):
        out = args[0]
        for n, aty in enumerate(signature.args[0]):
            src = context.make_array(aty)(context, builder, builder.extract_value(args[0], n))
            dst = context.make_array(aty)(context, builder)
            for name in ("nitems", "itemsize", "data", "shape", "strides"):
                setattr(dst, name, getattr(src, name))
            dst.meminfo = cgutils.get_null_value(dst.meminfo.type)
            dst.parent = cgutils.get_null_value(dst.parent.type)
            out = builder.insert_value(out, dst._getvalue(), n)
        return out

    return arrays(arrays), codegen


borrowed: Any = intrinsic(_borrowed)

#: ``prefetch(array, index)`` in compiled code (typed ``Any``: the type checker would see the typing hook).
prefetch: Any = intrinsic(_prefetch)


@inline
def _ask_for_row(array, start, deg, i):
    """Prefetch every cache line of ``i``'s row of ``array`` (whatever its item's size or stride)."""
    step = max(1, 64 // array.strides[0])
    for e in range(start[i], start[i] + deg[i], step):
        prefetch(array, e)
    if deg[i] > 0:
        prefetch(array, start[i] + deg[i] - 1)  # the last line, when the row does not start one


@inline
def block_sum(a, n):
    """``a[:n].sum()`` for ``n <=`` :data:`PW_BLOCK`, as numpy computes it: one by one under eight, else in
    eight interleaved partial sums added pairwise (kept in registers: nothing is allocated)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - n % 8:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@jit
def pairwise_sum(a):
    """``a.sum()`` as numpy computes it (pairwise summation: :func:`block_sum` on blocks of up to 128)."""
    n = len(a)
    if n <= PW_BLOCK:
        return block_sum(a, n)
    half = n // 2
    half -= half % 8
    return pairwise_sum(a[:half]) + pairwise_sum(a[half:])


@jit
def _increment(x):
    return x + 1


def warm_up() -> None:
    """Load numba's compiler by calling a trivial kernel: its registries of types and functions (about 0.2 s)
    are loaded on the first call of any kernel, even when every kernel comes from the cache. A single run of the
    command does it while its configuration is composed in another process (:mod:`simulation.runs.config_process`);
    nothing is drawn, nothing of a run changes."""
    _increment(1)


class KernelClock(event.Listener):
    """The wall time numba spends compiling the kernels, or loading them from its cache (:func:`kernel_clock`).

    Every compilation of a kernel, and every load of one from numba's cache, holds numba's compiler lock, and
    numba says when the lock is taken and released (its ``numba:compiler_lock`` event): the clock adds up the
    time the lock is held, a hold inside another counted once. Nothing else of a run takes the lock: a kernel
    already loaded is called without it. Whether a kernel was compiled, not only loaded, is told by numba's
    ``numba:compile`` event, which a load from the cache does not send.
    """

    def __init__(self) -> None:
        #: Seconds spent compiling or loading kernels so far.
        self.seconds = 0.0
        #: Whether a kernel was compiled (not found in numba's cache, or out of date there).
        self.compiled = False
        self._depth = 0
        self._since = 0.0

    def on_start(self, event: event.Event) -> None:
        if event.kind == "numba:compile":
            self.compiled = True
            return
        if self._depth == 0:
            self._since = time.perf_counter()
        self._depth += 1

    def on_end(self, event: event.Event) -> None:
        if event.kind == "numba:compile":
            return
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._since


@contextmanager
def kernel_clock() -> Iterator[KernelClock]:
    """Measure the time numba spends compiling or loading the kernels while the block runs.

    The kernels are compiled when first called (about 20 s on the first run after a fresh clone, when numba's
    cache in ``simulation/kernels/__pycache__`` is empty or out of date) and loaded from that cache in every new
    process after that (about 0.3 s, with numba's compiler itself, :func:`warm_up`, loaded first and counted
    too); a process that has run them once does neither. A run's time (``run_seconds``) is the run's wall time
    less this.
    """
    clock = KernelClock()
    start = time.perf_counter()
    warm_up()
    clock.seconds = time.perf_counter() - start
    with event.install_listener("numba:compiler_lock", clock), event.install_listener("numba:compile", clock):
        yield clock
