"""Print every import cycle among the modules of the packages named (default: the server and
the client), and exit 1 if there is one.

    python scripts/import_cycles.py [userpool.server userpool.auth ...]

The graph comes from grimp (every import statement, at module level or inside a function, is an
edge; imports under ``if TYPE_CHECKING:`` are not, since they never run). A cycle is a strongly
connected set of two or more modules of the whole ``userpool`` graph that includes a module of a
named package, so a loop that leaves the package and comes back counts too.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PACKAGES = ("userpool.server", "userpool.auth")


def strongly_connected(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the strongly connected components of ``graph``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def one_loop(graph: Mapping[str, set[str]], component: Iterable[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, for the message."""
    members = set(component)
    start = min(members)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(graph[node] & members):
                if nxt == start:
                    return [*paths[node], start]
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return [start]


def import_graph() -> dict[str, set[str]]:
    sys.path.insert(0, str(ROOT / "src"))
    graph = grimp.build_graph("userpool", exclude_type_checking_imports=True, cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def cycles(packages: Iterable[str]) -> list[tuple[list[str], list[str]]]:
    """(one loop, every module of its strongly connected set) for each cycle found."""
    graph = import_graph()
    prefixes = tuple(packages)

    def inside(module: str) -> bool:
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    return [
        (one_loop(graph, c), c) for c in strongly_connected(graph) if len(c) > 1 and any(inside(m) for m in c)
    ]


def main(argv: list[str]) -> int:
    packages = argv or list(DEFAULT_PACKAGES)
    found = cycles(packages)
    for loop, members in found:
        print("import cycle: " + " -> ".join(loop))
        if len(members) > len(loop) - 1:
            print(f"  (one of the loops among {len(members)} modules: {', '.join(members)})")
    if found:
        return 1
    print(f"no import cycle involving {', '.join(packages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
