"""How long `make run` takes to build the Zwolle-scale demo (30,000 youths and their casework) on a fresh
SQLite database. Target: at most 60 seconds."""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from common import emit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ["RONDOM_VAR_DIR"] = tempfile.mkdtemp(prefix="rondom-bench-demo-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rondom.config.settings")
os.environ.setdefault("RONDOM_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from rondom.demo import casework, data, population  # noqa: E402


def main() -> int:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    data.load()
    report = population.generate(progress=False)
    work = casework.generate(random.Random(2026))
    seconds = time.perf_counter() - started
    print(f"population {report.counts}")
    print(f"casework {work.counts}")
    emit("demo_generation_s", seconds, "s", "<=", 60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
