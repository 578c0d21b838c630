"""Print every function in src/ longer than the limit (80 lines, from ``def`` to its last line,
docstring included) and exit 1 if there is one.

    python scripts/function_length.py [--max 80] [paths ...]

Alembic's revision files (``server/migrations/versions/``) are left out: each is the frozen
record of one schema step, generated, checked against both databases by the migration tests
and never edited after release, so splitting its upgrade() would only move lines around.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXCLUDED = ("src/userpool/server/migrations/versions/",)


def long_functions(path: Path, limit: int) -> Iterator[tuple[int, str, int]]:
    """(line, qualified name, length) of each function in ``path`` over ``limit`` lines."""
    tree = ast.parse(path.read_text(), filename=str(path))

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[int, str, int]]:
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}."
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (child.end_lineno or child.lineno) - child.lineno + 1
                if length > limit:
                    yield child.lineno, name[:-1], length
            yield from visit(child, name)

    yield from visit(tree, "")


def sources(paths: list[Path]) -> Iterator[Path]:
    for top in paths:
        for path in sorted(top.rglob("*.py")) if top.is_dir() else [top]:
            relative = path.resolve().relative_to(ROOT).as_posix()
            if not relative.startswith(EXCLUDED):
                yield path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=80)
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "src"])
    args = parser.parse_args(argv)
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name} is {length} lines (limit {args.max})"
        for path in sources([p.resolve() for p in args.paths])
        for line, name, length in long_functions(path, args.max)
    ]
    print("\n".join(found) if found else f"no function over {args.max} lines")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
