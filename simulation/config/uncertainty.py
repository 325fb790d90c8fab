"""One uncertain parameter: its key, plausible range, unit and why (the table: :mod:`simulation.config.uncertainties`).

Apart from the table so that the table's parts (:mod:`simulation.config.uncertain_levers`) can import it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Where a lever's parameter is set whatever scenario switches the lever on.
LEVER_PREFIX = "policies.params_by_lever."


@dataclass(frozen=True)
class Uncertainty:
    """One uncertain parameter.

    Attributes:
        key: its full configuration key.
        low, high: the plausible range (a uniform prior where it is calibrated).
        unit: the unit of its values.
        why: why this range.
        prior_rank: its column in the calibration's design when it is calibrated (None: not calibrated). The
            order of a design's columns is part of the design: the same order gives the same draws.
    """

    key: str
    low: float
    high: float
    unit: str
    why: str
    prior_rank: int | None = None
    #: The parameter takes whole numbers: a drawn value is rounded.
    integer: bool = False

    @property
    def calibrated(self) -> bool:
        """Fitted to the calibration targets (else only varied in the sensitivity analysis)."""
        return self.prior_rank is not None

    @property
    def bounds(self) -> tuple[float, float]:
        return (self.low, self.high)

    def override(self, value: float) -> str:
        """The command-line override setting this parameter to ``value`` (rounded for a whole number; a lever's
        parameter is appended to ``policies.params_by_lever``)."""
        v: float | int = round(value) if self.integer else float(value)
        return f"{'+' if self.key.startswith(LEVER_PREFIX) else ''}{self.key}={v!r}"
