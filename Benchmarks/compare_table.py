#!/usr/bin/env python3
"""Builds the Markdown comparison table from the JSON objects the benchmark runs printed.

    python3 Benchmarks/compare_table.py RESULT.json... [--notes NOTES.txt] [--date YYYY-MM-DD]

Each file holds one object as printed by `perceptron bench --json`, keras_mlp.py or
torch_mlp.py. Several files of one system (several rounds) are combined by taking the median
of each figure. Perceptron is the reference of the ratio columns: a peer's time divided by
Perceptron's, so above 1 means slower than Perceptron. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import re
import statistics
import sys
from pathlib import Path

ORDER = ["perceptron", "keras", "pytorch"]
NAMES = {"perceptron": "Perceptron", "keras": "Keras", "pytorch": "PyTorch"}
BATCHES = ["1000", "128", "32"]
REFERENCE = "perceptron"


def load(paths: list[str]) -> tuple[dict[str, list[dict]], list[str]]:
    runs: dict[str, list[dict]] = {}
    problems: list[str] = []
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        if not text:
            problems.append(f"{Path(path).name}: empty output")
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            # Tolerate stray lines before the object: take the last top-level object.
            start = text.rfind("\n{")
            try:
                obj = json.loads(text[start + 1:] if start >= 0 else text)
            except json.JSONDecodeError as error:
                problems.append(f"{Path(path).name}: not JSON ({error})")
                continue
        if not isinstance(obj, dict) or "system" not in obj:
            problems.append(f"{Path(path).name}: no \"system\" field")
            continue
        # The round, from the file name (SYSTEM-ROUND.json), so rounds pair up whatever the
        # order the shell listed the files in (round 10 sorts before round 2).
        match = re.search(r"-(\d+)\.json$", Path(path).name)
        obj["_round"] = int(match.group(1)) if match else None
        runs.setdefault(str(obj["system"]), []).append(obj)
    for objs in runs.values():
        objs.sort(key=lambda o: (o["_round"] is None, o["_round"] or 0))
    return runs, problems


def median_of(values: list) -> float | None:
    numbers = [float(v) for v in values if isinstance(v, (int, float))]
    return float(statistics.median(numbers)) if numbers else None


def dig(obj: dict, *keys):
    for key in keys:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj


def combine(objs: list[dict]) -> dict:
    """One system's figures, the median over its rounds."""
    out = {
        "epoch_seconds": {b: median_of([dig(o, "epoch_seconds", b) for o in objs])
                          for b in BATCHES},
        "test_accuracy": median_of([o.get("test_accuracy") for o in objs]),
        "test_loss": median_of([o.get("test_loss") for o in objs]),
        "evaluate_seconds": median_of([o.get("evaluate_seconds") for o in objs]),
        "peak_rss_mb": median_of([o.get("peak_rss_mb") for o in objs]),
        "rounds": len(objs),
    }
    for key in ("predict_latency_us", "predict_latency_us_direct"):
        out[key] = {p: median_of([dig(o, key, p) for o in objs]) for p in ("p50", "p99")}
    return out


def seconds(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.2f}" if x < 100 else f"{x:.1f}"


def micro(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def ratio(x: float | None, ref: float | None) -> str:
    if x is None or ref is None or ref <= 0:
        return ""
    return f" (×{x / ref:.2f})"


def describe(system: str, objs: list[dict]) -> str:
    first = objs[0]
    parts = [f"{NAMES.get(system, system)} {first.get('version', '?')}"]
    extra = []
    if first.get("backend"):
        extra.append(str(first["backend"]))
    if first.get("threads") is not None and "thread" not in str(first.get("backend", "")):
        extra.append(f"{first['threads']} threads")
    if extra:
        parts.append(f"({'; '.join(extra)})")
    return " ".join(parts)


def epochs_line(runs: dict[str, list[dict]]) -> str:
    def counts(system):
        o = runs[system][0]
        all_ = o.get("epoch_seconds_all", {}) or {}
        n = {b: len(all_.get(b, [])) for b in BATCHES}
        if not n["1000"] and o.get("epochs"):
            n["1000"] = o["epochs"]
        return n
    seen = {s: counts(s) for s in runs}
    distinct = {tuple(v.values()) for v in seen.values()}
    if len(distinct) == 1:
        n = next(iter(seen.values()))
        return (f"batch 1000: {n['1000']} epochs (the accuracy run); batch 128 and 32: "
                f"{n['128']} and {n['32']} epochs, a fresh model each")
    return "; ".join(
        f"{NAMES.get(s, s)}: " + ", ".join(f"{n[b]} epochs at {b}" for b in BATCHES)
        for s, n in seen.items())


def table(runs: dict[str, list[dict]]) -> list[str]:
    systems = [s for s in ORDER if s in runs] + sorted(s for s in runs if s not in ORDER)
    figures = {s: combine(runs[s]) for s in systems}
    ref = figures.get(REFERENCE)
    lines = [
        "| System | s/epoch, batch 1000 | s/epoch, batch 128 | s/epoch, batch 32 "
        "| Test accuracy | Evaluate (s) | Predict p50 / p99 (µs) | Direct call p50 / p99 (µs) "
        "| Peak memory (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in systems:
        f = figures[s]
        cells = [NAMES.get(s, s)]
        for b in BATCHES:
            value = f["epoch_seconds"][b]
            cells.append(seconds(value) + (ratio(value, ref["epoch_seconds"][b]) if ref else ""))
        acc = f["test_accuracy"]
        cells.append("–" if acc is None else f"{acc * 100:.2f} %")
        cells.append(seconds(f["evaluate_seconds"]))
        for key in ("predict_latency_us", "predict_latency_us_direct"):
            p = f[key]
            cells.append("–" if p["p50"] is None else f"{micro(p['p50'])} / {micro(p['p99'])}")
        mem = f["peak_rss_mb"]
        cells.append("–" if mem is None else f"{mem:,.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# Dense multiply-adds of one epoch of the lesson's job, counted as 2 FLOPs each: forward
# (784x512, 512x512, 512x10) for the 48,000 training and 12,000 validation images; the
# kernel gradients and the input gradients of layers 2 and 3 for the training images.
FORWARD_FLOPS = 2 * (784 * 512 + 512 * 512 + 512 * 10)
BACKWARD_FLOPS = FORWARD_FLOPS + 2 * (512 * 512 + 512 * 10)
EPOCH_FLOPS = 48_000 * (FORWARD_FLOPS + BACKWARD_FLOPS) + 12_000 * FORWARD_FLOPS


def floor_lines(objs: list[dict]) -> list[str]:
    """Perceptron's batch-1000 epoch against the sgemm-bound floor, round by round: the
    epoch's dense FLOPs at the best GEMM rate that round measured (any shape, the backend in
    use)."""
    parts = []
    for o in objs:
        rates = [row.get("gflops") for row in o.get("gemm", []) or []
                 if isinstance(row, dict) and row.get("backend") == o.get("backend")
                 and isinstance(row.get("gflops"), (int, float))]
        epoch = dig(o, "epoch_seconds", "1000")
        if not rates or not isinstance(epoch, (int, float)) or epoch <= 0:
            continue
        floor = EPOCH_FLOPS / (max(rates) * 1e9)
        parts.append(f"{max(rates):.0f} GFLOP/s, floor {floor:.3f} s, epoch {epoch:.3f} s: "
                     f"{100 * floor / epoch:.1f}%")
    if not parts:
        return []
    sparse = any(o.get("sparse_products") for o in objs)
    aware = []
    for o in objs:
        floor = o.get("floor") or {}
        shares = floor.get("share") or {}
        cells = [f"batch {b} {100 * shares[b]['sparse_aware']:.1f}%" for b in ("1000", "128", "32")
                 if isinstance(shares.get(b), dict) and "sparse_aware" in shares[b]]
        if cells and "sparse_aware_gflop" in floor:
            aware.append(f"{floor['sparse_aware_gflop']:.1f} GFLOP at {floor['best_gflops']:.0f} GFLOP/s, "
                         f"floor {floor['sparse_aware_seconds']:.3f} s: " + ", ".join(cells))
    lines = []
    if aware:
        lines = ["", "sparse-aware floor (the first layer's products at the images' density of non-zero "
                 "pixels, the rest dense; `perceptron bench`'s floor block), by round: " + "; ".join(aware) + "."]
    return [f"sgemm floor: one epoch is {EPOCH_FLOPS / 1e9:.1f} GFLOP of dense products; at the best "
            f"GEMM rate Perceptron measured in the round, by round: " + "; ".join(parts) + "."
            + (" Perceptron ran its first layer sparse (skipping MNIST's zero pixels), so it did "
               "fewer FLOPs than these and can pass 100%; `PERCEPTRON_SPARSE=off` measures the "
               "dense path." if sparse else "")] + lines


def round_ratio_lines(runs: dict[str, list[dict]]) -> list[str]:
    """Perceptron's seconds per epoch over each peer's, round by round (rounds paired by the
    number in their file names): ratios taken in the same round, which a median of each
    system's times can hide when the machine's speed changes between rounds."""
    lines = []
    for peer in [s for s in ORDER if s in runs and s != REFERENCE] + sorted(s for s in runs if s not in ORDER):
        ours = {o["_round"]: o for o in runs.get(REFERENCE, []) if o.get("_round") is not None}
        theirs = {o["_round"]: o for o in runs[peer] if o.get("_round") is not None}
        paired = sorted(set(ours) & set(theirs))
        cells = []
        for batch in BATCHES:
            ratios = []
            for r in paired:
                a, b = dig(ours[r], "epoch_seconds", batch), dig(theirs[r], "epoch_seconds", batch)
                if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0:
                    ratios.append(f"{a / b:.2f}x")
            if ratios:
                cells.append(f"batch {batch} " + ", ".join(ratios))
        if cells:
            lines.append(f"{NAMES[REFERENCE]} / {NAMES.get(peer, peer)}, s/epoch round by round "
                         f"(rounds {', '.join(map(str, paired))}): " + "; ".join(cells) + ".")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("--notes", help="a text file of notes (skipped systems, failed runs)")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("--load", help="load average while running, to show contention")
    args = ap.parse_args(argv)

    runs, problems = load(args.files)
    notes = []
    if args.notes and Path(args.notes).exists():
        notes = [l.strip() for l in Path(args.notes).read_text(encoding="utf-8").splitlines()
                 if l.strip()]
    notes += problems

    out = [f"## MNIST MLP benchmark, {args.date}", ""]
    if not runs:
        out.append("No system produced a result.")
        out += [""] + [f"- {n}" for n in notes]
        print("\n".join(out))
        return 1

    machines = {json.dumps(o.get("machine", {}), sort_keys=True)
                for objs in runs.values() for o in objs}
    machine_texts = []
    for m in sorted(machines):
        m = json.loads(m)
        machine_texts.append(f"{m.get('cpu', 'unknown CPU')}, {m.get('cores', '?')} cores")
    rounds = max(len(v) for v in runs.values())

    out.append(f"- Machine: {'; '.join(machine_texts)} ({platform.system()} "
               f"{platform.release()}, {platform.machine()})")
    if args.load:
        out.append(f"- Load average before / after the runs: {args.load}")
    out.append("- Job: MNIST, 784 → Dense 512 relu → Dense 512 relu → Dense 10 softmax, "
               "categorical cross-entropy, Adam 0.001, validation on the last 12,000 of "
               "the 60,000 training images, pixels / 255")
    out.append(f"- Epochs: {epochs_line(runs)}; s/epoch is the median of the epochs after "
               "the first, validation included")
    calls = {o.get("latency_calls") for objs in runs.values() for o in objs} - {None}
    calls_text = f"{next(iter(calls)):,}" if len(calls) == 1 else "1,000"
    out.append("- Evaluate: the 10,000 test images at batch 1000, best of 3; predict: one "
               f"image, {calls_text} calls after warm-up; peak memory: the process's peak "
               "resident set (MiB)")
    if rounds > 1:
        out.append(f"- {rounds} rounds, the systems in alternation; each figure is the "
                   "median over the rounds")
    out.append("- Versions: " + "; ".join(describe(s, runs[s]) for s in
                                          [s for s in ORDER if s in runs] +
                                          sorted(s for s in runs if s not in ORDER)))
    py = next((o.get("python") for objs in runs.values() for o in objs if o.get("python")),
              None)
    if py:
        out.append(f"- Python {py} for the peers")
    out.append("")
    out += table(runs)
    out.append("")
    if REFERENCE in runs:
        out.append("(×r): the system's time divided by Perceptron's; above 1 is slower than "
                   "Perceptron.")
        by_round = round_ratio_lines(runs)
        if by_round:
            out += [""] + by_round
        floor = floor_lines(runs[REFERENCE])
        if floor:
            out += [""] + floor
    else:
        out.append("Perceptron produced no result, so there are no ratios.")
    if notes:
        out.append("")
        out += [f"- {n}" for n in notes]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
