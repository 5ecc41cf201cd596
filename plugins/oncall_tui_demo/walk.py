"""Mean-reverting random walks (discrete Ornstein-Uhlenbeck), one per signal.

White noise looks like nothing real: a real error ratio wanders and comes back. Each walk
is a unitless deviation `z` with stationary mean 0 and variance 1; the catalog turns it
into a value around the signal's normal level. `z` is clamped so the calm platform has
hard bounds (a simulated healthy service must never page anyone by chance).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

LIMIT = 3.5
"""Largest deviation, in standard deviations, a walk may reach."""
_UNIFORM_WIDTH = 2.0 * math.sqrt(3.0)


class Walks:
    """All walks of one simulation, stepped together from one seeded generator."""

    def __init__(self, size: int, rng: random.Random, reversion: float) -> None:
        """`reversion` is the share of the distance to the mean closed per step (0..1]."""
        if not 0.0 < reversion <= 1.0:
            raise ValueError("reversion must be in (0, 1]")
        self._rng = rng
        self._keep = 1.0 - reversion
        # Innovations are uniform with variance 1 (width 2*sqrt(3)), scaled so the
        # stationary variance stays 1 whatever the reversion. Uniform rather than Gaussian
        # because `random()` is C and `gauss()` is Python: thousands of steps per
        # collection cost a third as much, and the sum of many steps is near-normal anyway.
        self._noise = math.sqrt(1.0 - self._keep * self._keep) * _UNIFORM_WIDTH
        self.z: list[float] = [self._clamp(rng.gauss(0.0, 1.0)) for _ in range(size)]

    @staticmethod
    def _clamp(z: float) -> float:
        return LIMIT if z > LIMIT else -LIMIT if z < -LIMIT else z

    def pick(self, share: float) -> Sequence[int]:
        """Indices of the walks that move this step: `share` of them, chosen at random
        so over time every signal moves."""
        size = len(self.z)
        if share >= 1.0:
            return range(size)
        return self._rng.sample(range(size), round(share * size))

    def step(self, indices: Sequence[int]) -> None:
        z, keep, noise, uniform = self.z, self._keep, self._noise, self._rng.random
        for i in indices:
            value = z[i] * keep + noise * (uniform() - 0.5)
            z[i] = LIMIT if value > LIMIT else -LIMIT if value < -LIMIT else value
