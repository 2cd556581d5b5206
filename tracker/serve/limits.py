"""Rate limits and bounded memories: token buckets keyed by IP, account or login, and a
least-recently-used mapping. Pure Python, no clock but `time.monotonic`; each structure
holds a bounded number of keys, so a flood of new addresses cannot grow the memory."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A mapping of at most `size` keys; the least recently used goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def pop(self, key: K) -> V | None:
        return self._data.pop(key, None)

    def values(self) -> list[V]:
        return list(self._data.values())

    def __len__(self) -> int:
        return len(self._data)


class Buckets:
    """One token bucket per key: `burst` tokens at most, `rate` more a second. A key not
    seen for a while starts full; at most `size` keys are remembered (the oldest seen
    forgotten first, which only ever gives a forgotten key a full bucket again)."""

    def __init__(self, rate: float, burst: float, size: int = 65536) -> None:
        self.rate, self.burst = rate, burst
        self._state: Bounded[object, list[float]] = Bounded(size)

    def take(self, key: object, cost: float = 1.0) -> bool:
        """Take `cost` tokens if there are; False (nothing taken) when there are not."""
        now = time.monotonic()
        state = self._state.get(key)
        if state is None:
            state = [self.burst, now]
            self._state.put(key, state)
        tokens = min(self.burst, state[0] + (now - state[1]) * self.rate)
        state[1] = now
        if tokens < cost:
            state[0] = tokens
            return False
        state[0] = tokens - cost
        return True

    def empty(self, key: object) -> bool:
        """True when the next `take` of one token would be refused (nothing taken)."""
        state = self._state.get(key)
        if state is None:
            return False
        return min(self.burst, state[0] + (time.monotonic() - state[1]) * self.rate) < 1

    def wait(self, key: object) -> int:
        """Seconds until one token is back (for Retry-After), at least 1."""
        state = self._state.get(key)
        if state is None or self.rate <= 0:
            return 1
        missing = 1 - state[0]
        return max(1, int(missing / self.rate + 0.999))
