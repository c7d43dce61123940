#!/usr/bin/env python3
"""Builds the Markdown table of `compare.sh --scaling` from its JSON files.

Each file is one round of one system: `perceptron bench --scaling --json` or
`peers/torch_mlp.py --scaling`, both holding {"runs": [{"threads": T, "points": [...]}]} with a
point per hidden width and batch. The table gives, per thread count, width and batch, each
system's seconds per epoch (median over the rounds) and its share of the floor: the point's
FLOPs with the first layer at the images' density, which Perceptron's run reports ("gflop"),
at the best GEMM rate Perceptron measured on that many threads in the same round.

    python3 Benchmarks/scaling_table.py FILE... [--load "before / after"] [--notes FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--load", default="?")
    parser.add_argument("--notes")
    args = parser.parse_args()

    # (system, round) -> {(threads, width, batch): point}, and Perceptron's rates by (round, threads)
    points: dict[tuple[str, str], dict] = {}
    rates: dict[tuple[str, int], float] = {}
    machine, versions = None, {}
    for name in args.files:
        path = Path(name)
        system, _, rest = path.stem.partition("-scaling-")
        result = json.loads(path.read_text())
        machine = machine or result.get("machine")
        versions[system] = result.get("version", "?")
        table = points.setdefault((system, rest), {})
        for run in result.get("runs", []):
            threads = run["threads"]
            if system == "perceptron":
                rates[(rest, threads)] = run["best_gflops"]
            for p in run["points"]:
                table[(threads, p["width"], p["batch"])] = p

    rounds = sorted({r for (_, r) in points})
    keys = sorted({k for table in points.values() for k in table})
    print(f"MLP scaling, 784-H-H-10, {len(rounds)} round(s)")
    print()
    if machine:
        print(f"- Machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores")
    print(f"- Load average before / after: {args.load}")
    print("- Versions: " + ", ".join(f"{s} {v}" for s, v in sorted(versions.items())))
    print("- s/epoch: scaled to 48,000 + 12,000 images from a subset per point (BenchScaling); "
          "median over the rounds. Share: the point's sparse-aware floor (Perceptron's best GEMM "
          "rate on as many threads, same round) over the time taken.")
    print()
    print("| threads | H | batch | Perceptron s/epoch | share of floor | PyTorch s/epoch | share of floor | Perceptron / PyTorch |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for key in keys:
        threads = key[0]
        cells = []
        seconds = {}
        for system in ("perceptron", "pytorch"):
            times, shares = [], []
            for r in rounds:
                p = points.get((system, r), {}).get(key)
                own = points.get(("perceptron", r), {}).get(key)
                rate = rates.get((r, threads))
                if p is None:
                    continue
                times.append(p["epoch_seconds"])
                if own is not None and rate:
                    shares.append(own["gflop"] / rate / p["seconds"])
            if times:
                seconds[system] = statistics.median(times)
                cells += [f"{seconds[system]:.3f}",
                          f"{100 * statistics.median(shares):.0f}%" if shares else "–"]
            else:
                cells += ["–", "–"]
        ratio = (f"{seconds['perceptron'] / seconds['pytorch']:.2f}x"
                 if "perceptron" in seconds and "pytorch" in seconds else "–")
        print(f"| {threads} | {key[1]} | {key[2]} | " + " | ".join(cells) + f" | {ratio} |")
    if args.notes and Path(args.notes).exists():
        notes = Path(args.notes).read_text().strip()
        if notes:
            print()
            print(notes)


if __name__ == "__main__":
    main()
