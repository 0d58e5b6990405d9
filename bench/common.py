"""What the benchmarks share: percentiles, process memory, the machine, charts."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterable
from pathlib import Path

CHARTS = Path(__file__).resolve().parent.parent / "docs" / "bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (gunicorn's workers, for instance)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (
                (task / "children").read_text().split() if (task / "children").exists() else []
            )
            todo.extend(int(c) for c in children)
    return found


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB, 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process has used so far, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command's closing parenthesis: utime and stime are the 12th and 13th.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_name(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return str(pid)
    words = [w.decode(errors="replace") for w in cmd if w]
    interesting = [
        w for w in words if "services." in w or w.endswith("gunicorn") or "deploy.local" in w
    ]
    return " ".join(interesting[-1:] or words[:2])


def chart(path: Path, title: str, draw: object) -> Path:
    """Render a PNG with matplotlib (headless); ``draw(axes)`` fills it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    draw(axes)  # type: ignore[operator]
    axes.set_title(title)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def fmt_ms(values: Iterable[float]) -> str:
    v = [x * 1000 for x in values]
    return f"p50 {percentile(v, 50):.1f} ms, p95 {percentile(v, 95):.1f} ms, p99 {percentile(v, 99):.1f} ms, max {max(v):.1f} ms"
