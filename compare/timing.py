"""One timing policy for every framework.

- The first call (trace and compile included) is timed alone and reported apart.
- Warm-up: WARMUP_CALLS untimed calls after it; calibration blocks are discarded too.
- Steady state: `repeats` samples; each sample is a block of n back-to-back calls, n auto-ranged
  (doubling) until one block lasts at least MIN_BLOCK_S, so every sample sits well above the
  timer's resolution. A sample's value is block time / n. Reported: median and interquartile range.
- Every timed call ends with the framework's synchronisation (`block_until_ready`, `.numpy()`,
  `torch.cuda.synchronize`), supplied by the caller inside `call`.
"""
from __future__ import annotations

import statistics
import time

WARMUP_CALLS = 2
MIN_BLOCK_S = 0.02
MAX_BLOCK_N = 1 << 16
CLOCK = "time.perf_counter"

POLICY = {
    "clock": CLOCK,
    "first_call": "timed alone, includes tracing/compilation; split where the framework reports it",
    "warmup_calls": WARMUP_CALLS,
    "min_block_s": MIN_BLOCK_S,
    "statistic": "median and IQR of per-call time over `repeats` auto-ranged blocks",
    "sync": "every timed call ends with the framework's device synchronisation",
}


def time_once(call) -> tuple[float, object]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def _block(call, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        call()
    return time.perf_counter() - start


def autorange(call, min_block_s: float = MIN_BLOCK_S) -> int:
    """Smallest power-of-two n whose block of n calls lasts at least `min_block_s`."""
    n = 1
    while n < MAX_BLOCK_N and _block(call, n) < min_block_s:
        n *= 2
    return n


def quartiles(samples: list[float]) -> tuple[float, float, float]:
    if len(samples) == 1:
        return samples[0], samples[0], samples[0]
    q1, q2, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q1, q2, q3


def steady_state(call, repeats: int, min_block_s: float = MIN_BLOCK_S) -> dict:
    """Median per-call time over `repeats` auto-ranged blocks (call already warmed up once)."""
    for _ in range(WARMUP_CALLS):
        call()
    n = autorange(call, min_block_s)
    samples = [_block(call, n) / n for _ in range(repeats)]
    q1, median, q3 = quartiles(samples)
    return {"steady_median_s": median, "steady_iqr_s": q3 - q1, "steady_q1_s": q1,
            "steady_q3_s": q3, "repeats": repeats, "block_calls": n, "samples_s": samples}
