"""Summarise a py-spy raw (collapsed stacks) profile: where the server's samples go.

    python bench/collapse.py PROFILE.txt [--top N] [--filter SUBSTRING] [--categories]
Prints the share of samples of each function seen anywhere on the stack (inclusive), and of
the leaf frames (exclusive), so the hot path of an operation reads in a few lines.
"""

from __future__ import annotations

import argparse
from collections import Counter

# Where a sample goes, by the first rule (in this order) that matches a frame of its stack.
CATEGORIES = [
    ("SRP modexp (GMP)", ("modpow (userpool/srp.py",)),
    ("argon2id", ("argon2/",)),
    ("RSA sign/verify", ("RSAAlgorithm.sign", "RSAAlgorithm.verify")),
    ("SQLAlchemy + driver", ("sqlalchemy/", "sqlite3", "psycopg")),
    ("request validation (botocore model)", ("wire.py",)),
    ("JWT/JSON encode-decode", ("jwt/", "json/")),
    ("handler Python (ops, tokens, sealing)", ("execute (app.py", "transaction (db.py")),
    ("HTTP edge + worker-thread hop", ("starlette/", "uvicorn/", "anyio/", "asyncio/", "threading.py", "queue.py", "httptools", "h11")),
]


WAITS = ("Database.transaction (db.py", "Condition.wait (threading.py", "Queue.get (queue.py")


def categories(path: str) -> None:
    counts: Counter[str] = Counter()
    total = waiting = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            if any(frames[-1].startswith(w) for w in WAITS):
                waiting += n  # blocked in a lock (py-spy may still see the GIL held): not CPU work
                continue
            total += n
            for name, needles in CATEGORIES:
                if any(needle in frame for frame in frames for needle in needles):
                    counts[name] += n
                    break
            else:
                counts["other"] += n
    print(f"{total} samples of work (+{waiting} waiting for the SQLite writer queue, left out)")
    for name, n in counts.most_common():
        print(f"  {n / total:6.1%}  {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--filter", default="")
    ap.add_argument("--categories", action="store_true", help="shares by kind of work instead of by function")
    args = ap.parse_args()
    if args.categories:
        categories(args.profile)
        return
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    with open(args.profile) as f:
        lines = f.readlines()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not count.isdigit() or (args.filter and args.filter not in stack):
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for f in set(frames):
            inclusive[f] += n
        leaf[frames[-1]] += n
    print(f"{total} samples")
    print("inclusive:")
    for f, n in inclusive.most_common(args.top):
        print(f"  {n / total:6.1%}  {f}")
    print("leaf:")
    for f, n in leaf.most_common(args.top):
        print(f"  {n / total:6.1%}  {f}")


if __name__ == "__main__":
    main()
