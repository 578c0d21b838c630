"""The client's shape: one definition of each operation, drivers in step, no import cycles."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from userpool import auth
from userpool.auth import AsyncAuthClient, AuthClient, default_client

ROOT = Path(__file__).resolve().parents[2]
AUTH = ROOT / "src" / "userpool" / "auth"
LIFECYCLE = {"close", "aclose"}


def _operations(cls: type) -> dict[str, object]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member) and name not in LIFECYCLE
    }


def test_generated_sync_driver_is_fresh():
    done = subprocess.run([sys.executable, "scripts/unasync.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _unasync_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("userpool_scripts_unasync", ROOT / "scripts" / "unasync.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_unasync_check_fails_on_a_stale_file(tmp_path, monkeypatch):
    unasync = _unasync_script()
    target = tmp_path / "_sync"
    target.mkdir()
    monkeypatch.setattr(unasync, "TARGET", target)
    monkeypatch.setattr(unasync, "ROOT", tmp_path)
    assert unasync.main([]) == 0 and unasync.main(["--check"]) == 0
    client = target / "client.py"
    client.write_text(client.read_text().replace("def sign_in(", "def sign_in_by_hand("))
    assert unasync.main(["--check"]) == 1
    (target / "client.py").unlink()
    assert unasync.main(["--check"]) == 1
    assert unasync.main([]) == 0 and unasync.main(["--check"]) == 0
    (target / "leftover.py").write_text("")
    assert unasync.main(["--check"]) == 1


def test_unasync_substitutions():
    unasync = _unasync_script()
    line = "    async def aclose(self) -> None:  # AsyncAuthClient, httpx.AsyncClient, MyAsyncThing\n"
    assert unasync.unasync_line(line) == "    def close(self) -> None:  # AuthClient, httpx.Client, MyAsyncThing\n"
    assert unasync.unasync_line("return await self._tokens.load()") == "return self._tokens.load()"
    assert unasync.unasync_line("x: Awaitable[CognitoTokens | None]") == "x: CognitoTokens | None"


def test_both_drivers_have_the_same_documented_operations():
    sync_ops, async_ops = _operations(AuthClient), _operations(AsyncAuthClient)
    assert sync_ops.keys() == async_ops.keys() and len(sync_ops) == 22 + 3 + 3 + 1  # + devices, passkeys, sign_in_with_redirect
    for name, method in async_ops.items():
        assert inspect.iscoroutinefunction(method), name
        assert not inspect.iscoroutinefunction(sync_ops[name]), name
        assert method.__doc__ and method.__doc__ == sync_ops[name].__doc__, name
        assert "Amplify's" in method.__doc__, name
        assert list(inspect.signature(method).parameters) == list(inspect.signature(sync_ops[name]).parameters)


def test_module_functions_are_the_default_clients_operations():
    bound = {name for name, value in vars(default_client).items() if getattr(value, "__wrapped__", None)}
    assert bound == set(_operations(AuthClient))
    for name in bound:
        function, method = getattr(auth, name), getattr(AuthClient, name)
        assert function.__doc__ == method.__doc__ and function.__name__ == name
        assert list(inspect.signature(function).parameters) == list(inspect.signature(method).parameters)[1:]
        assert name in auth.__all__


def test_no_back_links_between_drivers():
    assert not hasattr(AuthClient, "aio") and not hasattr(AsyncAuthClient, "sync")


def _imports(path: Path, module: str) -> set[str]:
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            found |= {target, *(f"{target}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return found


def _auth_modules() -> dict[str, Path]:
    modules = {}
    for path in AUTH.rglob("*.py"):
        parts = path.relative_to(AUTH.parents[1]).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def test_no_import_cycle_inside_auth():
    """Every import counts, TYPE_CHECKING and function-local ones too (Tarjan's SCCs)."""
    modules = _auth_modules()
    graph = {name: sorted(_imports(path, name) & modules.keys() - {name}) for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(component)

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize("path", [*sorted(AUTH.rglob("*.py")), AUTH.parent / "legacy.py", AUTH.parent / "cli_client.py"],
                         ids=lambda p: str(p.relative_to(AUTH.parent)))
def test_no_function_over_80_lines(path: Path):
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 80
    ]
    assert long == []


def test_architecture_map_names_the_client_modules_truly():
    """docs/ARCHITECTURE.md's client block: every module it names exists, every module is named."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = text[text.index("## The client (`userpool.auth`)") :]
    block = section[section.index("```") + 3 :]
    block = block[: block.index("```")]
    named = set(re.findall(r"[A-Za-z_]+\.py", block))
    existing = {p.name for p in AUTH.rglob("*.py")} | {"legacy.py", "cli_client.py", "unasync.py"}
    assert named - existing == set()
    assert {p.name for p in AUTH.rglob("*.py") if p.parent.name != "flows"} - named == set()
    for directory in ("_async/", "_sync/", "flows/"):
        assert directory in block
