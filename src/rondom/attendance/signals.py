"""What attendance tells the apps built on it, without importing them (they connect in their AppConfig.ready)."""

from __future__ import annotations

from django.dispatch import Signal

#: New absence signals were raised after an import. Keyword arguments: `signals` (the new ThresholdSignal rows, a
#: list) and `today` (a date, or None for the local date). Receivers run in the sender's call and their errors
#: propagate. thuiszitters registers the thuiszitters the signals point to (rondom.thuiszitters.apps).
threshold_signals_raised = Signal()
