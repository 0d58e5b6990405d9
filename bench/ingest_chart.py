"""The ingest chart: throughput of the bare endpoint, the textbook service and
``POST /v1/proposals`` on each database, one group of bars per run.

    python -m bench.ingest --out run1.json        # (twice, or more)
    python -m bench.ingest_chart "run 1=run1.json" "run 2=run2.json" [--out docs/bench/ingest.png]

Each run's bars are its own figures, measured back to back: compare the bars of
one run with each other (the ratio is printed above Inagara's bar).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.common import CHARTS, chart

SERIES = (("bare_rps", "bare endpoint"), ("textbook_rps", "textbook"), ("api_rps", "Inagara"))
COLOURS = ("#b0b0b0", "#e0a040", "#3070b0")


def load(specs: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    runs = []
    for spec in specs:
        label, _, path = spec.rpartition("=")
        runs.append((label or Path(path).stem, json.loads(Path(path).read_text())))
    return runs


def draw_runs(runs: list[tuple[str, list[dict[str, Any]]]]) -> Any:
    def draw(axes: Any) -> None:
        groups = [(f"{db['database']}\n{label}", db) for label, result in runs for db in result]
        width = 0.27
        for i, ((key, name), colour) in enumerate(zip(SERIES, COLOURS, strict=True)):
            xs = [g + (i - 1) * width for g in range(len(groups))]
            values = [db[key] for _, db in groups]
            axes.bar(xs, values, width, label=name, color=colour)
            if key == "api_rps":
                for x, (_, db) in zip(xs, groups, strict=True):
                    axes.annotate(
                        f"{db['textbook_ratio']:.2f}x",
                        (x, db["api_rps"]),
                        ha="center",
                        va="bottom",
                        fontsize=8,
                    )
        axes.set_xticks(range(len(groups)), [name for name, _ in groups], fontsize=8)
        axes.set_yscale("log")
        axes.set_ylabel("requests/s (log scale)")
        axes.set_ylim(top=axes.get_ylim()[1] * 3)  # room for the legend above the bars
        axes.legend(fontsize=8, ncol=3, loc="upper center")

    return draw


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="label=results.json (from bench.ingest --out)")
    parser.add_argument("--out", type=Path, default=CHARTS / "ingest.png")
    args = parser.parse_args()
    title = "Ingest: bare / textbook / POST /v1/proposals (Inagara / textbook above)"
    print(chart(args.out, title, draw_runs(load(args.runs))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
