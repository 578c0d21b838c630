"""Does the default rate limiting cap capacity? Throughput of ordinary reads (GetUser, refresh)
from ONE client address, with ``--rate-limits default`` against ``--rate-limits off``, and
``cognito`` (Cognito's per-pool quotas, 120/s for these) for contrast. Prints the ratio
default/off per operation; the issue's goal is >= 0.90 (docs/SECURITY.md, "Rate limits").

    bench/.venv/bin/python bench/rate_limits.py [--duration 8] [--clients 2] [--rounds 2]

Each mode runs in its own fresh server on SQLite; rounds alternate the modes (off, default,
cognito, then default, cognito, off, ...) so that a slow moment of the machine does not favour one of them.
Every load loop stops by itself (deadline and count); everything is on loopback.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import loadgen  # noqa: E402

import bench  # noqa: E402 - bench/'s own modules, found through the path set just above

MODES = ("off", "default", "cognito")
OPS = ("get_user", "refresh")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    ap.add_argument("--clients", type=int, default=2, help="load-generator processes (all from 127.0.0.1)")
    ap.add_argument("--rounds", type=int, default=3, help="measurements per mode and operation (the median is kept)")
    args = ap.parse_args(argv)
    figures: dict[tuple[str, str], list[float]] = {}
    per_cpu: dict[tuple[str, str], list[float]] = {}  # steadier than throughput on a shared machine
    with tempfile.TemporaryDirectory(prefix="userpool-ratelimit-bench-") as tmp:
        targets = {mode: bench.start_userpool(Path(tmp), f"rl-{mode}", rate_limits=mode) for mode in MODES}
        try:
            workers = {mode: bench.setup_pool(t, args.clients) for mode, t in targets.items()}
            for round_no in range(args.rounds):
                for op in OPS:
                    for mode in MODES[round_no % 3:] + MODES[: round_no % 3]:  # each mode goes first in turn
                        t = targets[mode]
                        marks: dict[str, float] = {}
                        result = loadgen.run(t.url, op, workers[mode], args.duration, 10**7,
                                             on_start=lambda t=t, marks=marks: marks.update(cpu=t.server_cpu()))
                        cpu = t.server_cpu() - marks["cpu"]
                        figures.setdefault((mode, op), []).append(result.throughput)
                        per_cpu.setdefault((mode, op), []).append(result.operations / cpu if cpu > 0 else 0.0)
                        print(f"  {mode:8} {op:9} {result.throughput:8.1f}/s  {per_cpu[(mode, op)][-1]:8.1f} per server cpu-s  "
                              f"errors {result.errors}"
                              + (f" (first: {result.first_error[:80]})" if result.first_error else ""), flush=True)
        finally:
            for t in targets.values():
                t.stop()
    print("\noperation   off/s   default/s   cognito/s   default/off   per server cpu-s: off   default   default/off")
    worst = float("inf")
    for op in OPS:
        off, default, cognito = (statistics.median(figures[(m, op)]) for m in MODES)
        cpu_off, cpu_default = (statistics.median(per_cpu[(m, op)]) for m in ("off", "default"))
        ratio = default / off if off else 0.0
        worst = min(worst, ratio)
        print(f"{op:10} {off:7.1f} {default:11.1f} {cognito:11.1f} {ratio:13.2f}   {cpu_off:21.1f} {cpu_default:9.1f} "
              f"{cpu_default / cpu_off if cpu_off else 0.0:13.2f}")
    print(f"\nthroughput default/off, lowest of the operations: {worst:.2f} (goal: >= 0.90)")
    return 0 if worst >= 0.90 else 1


if __name__ == "__main__":
    raise SystemExit(main())
