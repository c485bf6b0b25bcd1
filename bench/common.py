"""The one way a benchmark prints a figure: `BENCH <name> <value> <unit> target <op><target> PASS|MISS cores=<n>`.

The machine's core count ends every line (issue 17), so runs on different machines can be compared; a reader that
splits on spaces finds the first seven fields where they always were.
"""

from __future__ import annotations

import math
import operator
import os

_OPS = {"<=": operator.le, ">=": operator.ge, "=": operator.eq, "<": operator.lt, ">": operator.gt}


def cores() -> int:
    """The CPU cores this process may run on (the affinity mask, else os.cpu_count())."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def emit(name: str, value: float, unit: str, op: str, target: float, ok: bool = True, places: int = 1) -> bool:
    """Print one BENCH line and return whether it passed. `op`: one of <=, >=, =, <, >; `value` NaN is a MISS;
    `ok` False (e.g. errors during the run) makes it a MISS whatever the value. `places`: decimals printed."""
    passed = ok and not math.isnan(value) and _OPS[op](value, target)
    verdict = "PASS" if passed else "MISS"
    print(f"BENCH {name} {value:.{places}f} {unit} target {op}{target:g} {verdict} cores={cores()}", flush=True)
    return passed
