"""Run every benchmark in bench/ (files named bench_*.py); each prints `BENCH <name> <value> <unit> target ...`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"== {script.name}", flush=True)
    failed |= subprocess.call([sys.executable, str(script)])
sys.exit(failed)
