"""Settings for benchmarks: the real settings, plus a bare view to compare against."""

from rondom.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
DEBUG = False
