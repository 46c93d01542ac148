"""What every scenario shares: figures, timing, progress on stderr."""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

OPS = {
    ">=": lambda value, limit: value >= limit,
    "<=": lambda value, limit: value <= limit,
    "==": lambda value, limit: value == limit,
}


def figure(name: str, value: float | int, unit: str, op: str, limit: float | int, **detail: Any) -> dict:
    """One figure: its value beside the target it is compared with, and what it was made of."""
    if isinstance(value, float):
        value = round(value, 4)
    return {"name": name, "value": value, "unit": unit, "target": f"{op} {limit}",
            "met": bool(OPS[op](value, limit)), "detail": detail}


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def clock(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes (garbage collection settled first, so that it is not charged to it)."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_of(fn: Callable[[], Any], *, runs: int, warmup: int = 1) -> tuple[float, list[float]]:
    for _ in range(warmup):
        fn()
    times = [clock(fn)[0] for _ in range(runs)]
    return statistics.median(times), times


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
