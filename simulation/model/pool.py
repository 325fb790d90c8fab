"""The storage of the trust network (:mod:`simulation.model.trust`): a pool of entries, each actor's ties one
contiguous row of it, with room to grow (the compiled kernels that write and read it: :mod:`simulation.kernels`).

* **Records.** An actor's row bounds (start, entries, room, and a bound of its trust) are one 32-byte record,
  an entry's neighbour and the position of the same tie in the neighbour's row one 8-byte record, and trust a
  float32 array beside them: what a kernel reads together sits in one cache line.
* **Room.** A row's room is a power of two. A full row moves with twice the room into a hole of that size left
  by a row that moved before, or to the pool's free end; the holes of each size are a list threaded through the
  holes themselves. When the pool is full the holes are reclaimed in place if they are many
  (:data:`GARBAGE_SHARE`), else the pool grows in place (:data:`GROWTH`).
* **Sketches.** Each actor's row has a sketch of its neighbours (:mod:`simulation.kernels.sketch`), so that
  most look-ups of a pair that has no tie read no row.
* **Decay.** Decay multiplies every tie by the same factor, so the pool stores trust in a unit that decay
  changes (:attr:`TiePool.unit`: the trust of a stored 1): a month's decay is one multiplication, not a pass
  over the pool. Writes divide by the unit and reads multiply by it; when the unit gets small the pool is
  rescaled (:data:`SMALLEST_UNIT`).

Nothing here is observable: rows keep their ties in their order whatever the pool does (rounding aside, the
unit included).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulation.kernels import repack as kr
from simulation.kernels import sketch as ks
from simulation.kernels import trust as k

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
#: The pool's trust values (:data:`simulation.kernels.trust.TRUST`).
StoredArray = NDArray[np.float32]

#: A repacked row keeps this share of its live ties as room to grow (and at least ``MIN_ROOM``).
ROW_ROOM = 0.5
#: A repacked pool keeps this share of its rows' total room free at its end, for rows that move.
POOL_ROOM = 0.5
#: When the pool is full, the space left behind by rows that moved is reclaimed if it is more than this
#: share of the used pool ...
GARBAGE_SHARE = 0.2
#: ... and the pool grows by this factor if that is not enough.
GROWTH = 1.1
#: Below this unit the pool is rescaled to unit 1 (stored values stay within a few orders of magnitude of trust).
SMALLEST_UNIT = 2.0**-20
#: An actor's row: where it starts, its entries, its room and the bound of its trust, one record (the kernels
#: read them together: one cache line instead of four for the partner of an encounter).
ROW = np.dtype([("start", np.int64), ("deg", np.int64), ("cap", np.int64), ("row_max", np.float64)])
#: An entry's neighbour and the position of the same tie in the neighbour's row, one record (read together).
LINK = np.dtype([("nbr", np.int32), ("back", np.int32)])


class TiePool:
    """The rows of ``n`` actors' ties in a pool of entries, trust stored in :attr:`unit`.

    Args:
        n_actors: number of actors (rows), indexed 0..n-1.
        prune_below: ties whose trust is below this are forgotten.
    """

    def __init__(self, n_actors: int, prune_below: float = 0.0) -> None:
        self.n = int(n_actors)
        if self.n >= 2**31:
            raise ValueError(f"at most {2**31 - 1} actors (neighbours are stored as int32), got {self.n}")
        self.prune_below = float(prune_below)
        #: The trust of a stored 1: the pool holds trust / unit (decay lowers the unit, not the pool).
        self.unit = 1.0
        # The rows (ROW records; ``start``, ``deg``, ``cap`` and ``row_max`` are views of their fields; ``row_max``
        # bounds the trust of each actor's ties: what the rejection draws divide by) and the pool (LINK records,
        # viewed as ``nbr`` and ``back``, and ``w``).
        self._use_rows(_aligned_zeros(self.n, ROW))
        self._use_pool(np.empty(0, dtype=LINK), np.empty(0, dtype=k.TRUST))
        #: Each actor's sketch of its neighbours (:mod:`simulation.kernels.sketch`), one cache line each.
        self.sketch = _aligned_zeros(self.n * ks.SKETCH_WORDS, np.uint64)
        #: The start of the pool's free end, then the first hole of each size (:data:`simulation.kernels.trust.HOLES`).
        self.meta = np.full(k.HOLES + k.SIZE_CLASSES, -1, dtype=np.int64)
        self.repack(extra=4 * self.n)

    @property
    def _state(self) -> k.Pool:
        """The pool as the kernels that write it take it."""
        return k.Pool(self.start, self.deg, self.cap, self.nbr, self.w, self.back, self.row_max, self.sketch, self.meta)

    def _use_rows(self, rows: NDArray) -> None:
        self._rows = rows
        self.start: IntArray = rows["start"]
        self.deg: IntArray = rows["deg"]
        self.cap: IntArray = rows["cap"]
        self.row_max: FloatArray = rows["row_max"]

    def _use_pool(self, links: NDArray, w: StoredArray) -> None:
        self._links = links
        self.nbr: NDArray[np.int32] = links["nbr"]
        self.back: NDArray[np.int32] = links["back"]
        self.w = w

    @property
    def _prune(self) -> float:
        """``prune_below`` in the pool's unit."""
        return self.prune_below / self.unit

    def _stored(self, trust: FloatArray) -> FloatArray:
        """Trust values (clipped to [0, 1]) in the pool's unit."""
        result: FloatArray = np.clip(trust, 0.0, 1.0) / self.unit
        return result

    def _trust(self, stored: FloatArray) -> FloatArray:
        """Stored values as trust (a value written at 1 may read a rounding above it: clipped)."""
        result: FloatArray = np.minimum(stored * self.unit, 1.0)
        return result

    def repack(self, extra: int = 0) -> None:
        """Copy every row, live ties only, into a new pool with room to grow (nothing observable changes).

        Args:
            extra: entries about to be added, beyond the usual room.
        """
        live = kr.live_degree(self.start, self.deg, self.w, self._prune)
        rows = _aligned_zeros(self.n, ROW)
        cap = rows["cap"]
        cap[:] = _power_of_two(live + np.maximum(k.MIN_ROOM, (ROW_ROOM * live).astype(np.int64)))
        start = rows["start"]
        np.cumsum(cap[:-1], out=start[1:])
        top = int(cap.sum())
        size = top + int(POOL_ROOM * top) + 2 * extra
        if size >= 2**31:
            raise MemoryError(f"the trust network would need {size:,} entries (at most 2**31 - 1)")
        links = np.zeros(size, dtype=LINK)
        w = np.zeros(size, dtype=k.TRUST)
        rows["deg"] = kr.repack(
            self.start, self.deg, self.nbr, self.w, self.back, self._prune,
            start, links["nbr"], w, links["back"], rows["row_max"],
        )  # fmt: skip
        self._use_rows(rows)
        self._use_pool(links, w)
        self.meta[:] = -1
        self.meta[0] = top
        ks.sketch_rows(self.start, self.deg, self.nbr, self.sketch)

    def compact(self) -> None:
        """Drop forgotten ties and make every row contiguous again (nothing observable changes)."""
        self.repack()

    def _until_done(self, kernel, total: int, *args) -> None:
        """Run a kernel that stops when the pool is full, making room and resuming until it is done."""
        begin, room = 0, 1
        while True:
            done = kernel(self._state, *args, begin)
            if done >= total:
                return
            room = room * 2 if done == begin else 1  # no progress: a big row needs more room
            begin = done
            self._make_room(extra=room * (total - begin))

    def _make_room(self, extra: int) -> None:
        """More free entries at the pool's end: reclaim in place the space moved rows left, if it is much,
        then grow the pool if it is still short.

        Neither changes anything observable: rows keep their entries, order and room.
        """
        top = int(self.meta[0])
        if top - int(self.cap.sum()) > GARBAGE_SHARE * top:
            self.defragment()
            top = int(self.meta[0])
            if len(self.nbr) - top >= 2 * extra:
                return
        size = max(int(GROWTH * len(self.nbr)), top + 2 * extra)
        if size >= 2**31:
            raise MemoryError(f"the trust network would need {size:,} entries (at most 2**31 - 1)")
        # In place (realloc: no second copy of the pool in memory), every entry where it was; the new room
        # is zeroed. numpy resizes only an array nothing else refers to: our views of it are dropped first
        # (and each array held by one name); a copy if some other view holds it.
        links, self._links = self._links, np.empty(0, dtype=LINK)
        w, self.w = self.w, np.empty(0, dtype=k.TRUST)
        self.nbr, self.back = self._links["nbr"], self._links["back"]
        try:
            links.resize(size)
        except ValueError:
            links = np.concatenate([links[:top], np.zeros(size - top, dtype=LINK)])
        try:
            w.resize(size)
        except ValueError:
            w = np.concatenate([w[:top], np.zeros(size - top, dtype=k.TRUST)])
        self._use_pool(links, w)

    def defragment(self) -> None:
        """Reclaim in place the holes rows left when they moved (nothing observable changes).

        The rows' pool order is numpy's sort of their starts (all distinct: every row has room), twice as fast as
        the kernel's own.
        """
        order = np.argsort(self.start, kind="stable")
        kr.defragment(order, self.start, self.deg, self.cap, self._links.view(np.int64), self.w, self.meta)

    def decay(self, rate: float) -> None:
        """Unused ties fade by ``rate`` a month (those falling under ``prune_below`` are forgotten): the unit falls,
        the pool is untouched (row bounds too: every tie fades by the same factor)."""
        self.unit *= 1.0 - float(rate)
        if self.unit < SMALLEST_UNIT:
            self.rescale()

    def rescale(self) -> None:
        """Store trust in unit 1 again: one pass over the pool (nothing observable changes but rounding)."""
        top = int(self.meta[0])
        self.w[:top] *= self.unit
        self.row_max *= self.unit
        self.unit = 1.0


def _power_of_two(x: IntArray) -> IntArray:
    """The least power of two at or above each of ``x`` (all at least 1)."""
    result: IntArray = np.left_shift(1, np.ceil(np.log2(np.maximum(x, 1))).astype(np.int64))
    return result


def _aligned_zeros(size: int, dtype: type | np.dtype) -> NDArray:
    """Zeros whose first element starts a cache line (64 bytes), so that no record (of a size dividing 64)
    straddles two lines."""
    nbytes = size * np.dtype(dtype).itemsize
    buf: NDArray = np.zeros(nbytes + 64, dtype=np.uint8)
    skip = -buf.ctypes.data % 64
    return buf[skip : skip + nbytes].view(dtype)
