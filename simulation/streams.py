"""Named random streams derived from the run seed.

Each process (encounters, ideas, alliances, projects, ...) and each policy
draws from its own generator, seeded from ``(seed, crc32(name))``. Switching a
policy on therefore does not shift the draws of the baseline's processes: the
comparison between scenarios uses common random numbers (as Starsim does).
``seed`` may be 0.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A generator for ``name``, independent of every other name's, reproducible from ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())])))
