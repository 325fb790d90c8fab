"""Process 8: dated shocks (docs/ODD.md §7.8; Reengineering: the covid crisis).

A shock lasts a number of months, during which it multiplies encounter rates,
actors' budgets and project hazards. Several shocks that overlap multiply.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulation.config import ShockConfig


@dataclass(frozen=True)
class ShockState:
    """Multipliers in force this month (1.0 each when no shock is on)."""

    encounter_factor: float = 1.0
    resource_factor: float = 1.0
    hazard_multiplier: float = 1.0

    @property
    def active(self) -> bool:
        return (self.encounter_factor, self.resource_factor, self.hazard_multiplier) != (1.0, 1.0, 1.0)


def shock_state(events: list[ShockConfig], month: int) -> ShockState:
    """The combined multipliers of every shock active at ``month``."""
    enc = res = haz = 1.0
    for s in events:
        if s.start_month <= month < s.start_month + s.duration_months:
            enc *= s.encounter_factor
            res *= s.resource_factor
            haz *= s.hazard_multiplier
    return ShockState(enc, res, haz)
