"""How many threads vectorised work may use: the CPUs this process may run on.

Examples
--------
>>> usable_cpus() >= 1
True
"""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """The number of CPUs this process may run on (its affinity mask; at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)
