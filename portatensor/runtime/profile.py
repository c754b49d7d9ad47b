"""Per-kernel event times (PORTATENSOR_PROFILE=1) and their Chrome trace.

Recording keeps the OpenCL events; times are read only when asked for, so
profiling costs no host synchronisation while the program runs.
"""

from __future__ import annotations

import atexit
import json
from typing import Any

from .._config import settings
from . import opencl

enabled = settings.profile
_records: list[tuple[str, str, Any]] = []


def record(device_label: str, name: str, event: Any) -> None:
    _records.append((device_label, name, event))


def clear() -> None:
    _records.clear()


def events() -> list[dict[str, Any]]:
    """Every recorded launch with its device times in microseconds (waits for them)."""
    out = []
    for device, name, ev in _records:
        opencl.wait(ev)
        queued, submit, start, end = opencl.event_times(ev)
        out.append({"device": device, "name": name, "queued_us": queued / 1e3, "start_us": start / 1e3,
                    "duration_us": (end - start) / 1e3})
    return out


def chrome_trace() -> dict[str, Any]:
    """The recorded launches as a Chrome trace (chrome://tracing, Perfetto)."""
    evs = events()
    t0 = min((e["start_us"] for e in evs), default=0.0)
    lanes: dict[str, int] = {}
    trace = []
    for e in evs:
        tid = lanes.setdefault(e["device"], len(lanes))
        trace.append({"name": e["name"], "cat": "kernel", "ph": "X", "pid": 0, "tid": tid,
                      "ts": e["start_us"] - t0, "dur": e["duration_us"]})
    meta = [{"name": "thread_name", "ph": "M", "pid": 0, "tid": tid, "args": {"name": dev}}
            for dev, tid in lanes.items()]
    return {"traceEvents": meta + trace, "displayTimeUnit": "ns"}


def write_chrome_trace(path: str) -> None:
    """Write the recorded launches to ``path`` as Chrome trace JSON."""
    with open(path, "w") as f:
        json.dump(chrome_trace(), f)


def summary() -> list[tuple[str, int, float]]:
    """(kernel name, launches, total microseconds), slowest first."""
    agg: dict[str, list[float]] = {}
    for e in events():
        a = agg.setdefault(e["name"], [0, 0.0])
        a[0] += 1
        a[1] += e["duration_us"]
    return sorted(((k, int(v[0]), v[1]) for k, v in agg.items()), key=lambda r: -r[2])


if enabled and settings.profile_out:
    atexit.register(write_chrome_trace, settings.profile_out)
