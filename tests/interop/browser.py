"""A real browser for the interop tests: Debian's headless Chromium driven by playwright-core.

Why Node's playwright-core rather than PyPI's ``playwright``: the relying parties under test
(openid-client, aws-amplify) are JavaScript and drive the same Chromium from their own scripts
(tests/interop/node/lib/chromium.mjs), so one driver, one set of launch flags and one pinned
version (package-lock.json) serve every browser test. pytest talks to ``node browser.mjs`` one
JSON line per command, keeping its assertions and its server-side checks between the steps.

Screenshots go to the test's tmp dir; ``look`` checks that one shows what a person would see
(the right size, something drawn on it, the page's words) -- and a person can open the PNG.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from tests.interop.conftest import NODE_DIR, node_ready

CHROMIUM = os.environ.get("USERPOOL_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = (1000, 760)  # tests/interop/node/lib/chromium.mjs
COMMAND_TIMEOUT = 45
INSTALL_HINT = "run `scripts/install --tests` (it installs Debian's chromium and playwright-core)"


def chromium_ready() -> None:
    """Fail (not skip) with a clear message when Chromium or playwright-core is missing."""
    node_ready()
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"browser tests need {CHROMIUM}: {INSTALL_HINT}", pytrace=False)
    if not (NODE_DIR / "node_modules" / "playwright-core" / "package.json").is_file():
        pytest.fail(f"playwright-core missing from tests/interop/node: {INSTALL_HINT}", pytrace=False)


class BrowserError(AssertionError):
    """A browser command failed; the message carries the page the browser was on."""


@dataclass
class Shot:
    """A screenshot and what the page said when it was taken."""

    path: Path
    url: str
    title: str
    text: str


class Chromium:
    """One headless Chromium (fresh profile) for one test."""

    def __init__(self, shots_dir: Path, *, ignore_https_errors: bool = False) -> None:
        chromium_ready()
        self.shots_dir = shots_dir
        self.stderr_path = shots_dir / "chromium-driver.log"
        self._next_id = 0
        config = {"ignoreHTTPSErrors": ignore_https_errors}
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 - the driver writes it for its life
        self.proc = subprocess.Popen(
            ["node", "browser.mjs", json.dumps(config)],
            cwd=NODE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env={**os.environ, "NODE_NO_WARNINGS": "1", "USERPOOL_CHROMIUM": CHROMIUM},
        )
        self._read(0)  # "ready": Chromium is up

    # --- the wire to node browser.mjs -----------------------------------------------------------

    def _read(self, want: int) -> Any:
        assert self.proc.stdout is not None
        while True:
            ready, _, _ = select.select([self.proc.stdout], [], [], COMMAND_TIMEOUT)
            if not ready:
                raise BrowserError(f"browser driver silent for {COMMAND_TIMEOUT}s\n{self._log()}")
            line = self.proc.stdout.readline()
            if not line:
                raise BrowserError(f"browser driver exited ({self.proc.poll()})\n{self._log()}")
            message = json.loads(line)
            if message.get("id") == want:
                return message

    def _log(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-3000:]

    def call(self, do: str, **args: Any) -> Any:
        self._next_id += 1
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"id": self._next_id, "do": do, **args}) + "\n").encode())
        self.proc.stdin.flush()
        message = self._read(self._next_id)
        if not message["ok"]:
            raise BrowserError(f"{do} {args}: {message['error']}")
        return message["value"]

    # --- what the tests do -----------------------------------------------------------------------

    def goto(self, url: str) -> dict[str, Any]:
        return dict(self.call("goto", url=url))

    def fill(self, selector: str, value: str) -> None:
        self.call("fill", selector=selector, value=value)

    def click(self, selector: str, *, navigates: bool = True) -> dict[str, Any]:
        return dict(self.call("click", selector=selector, navigates=navigates))

    def post_form(self, url: str, fields: dict[str, str]) -> dict[str, Any]:
        """Submit a form that the page did not render (as a hostile page would) and land on the answer."""
        return dict(self.call("postForm", url=url, fields=fields))

    def view(self) -> dict[str, Any]:
        return dict(self.call("view"))

    def html(self) -> str:
        return str(self.call("html"))

    def attr(self, selector: str, name: str) -> str | None:
        value = self.call("attr", selector=selector, name=name)
        return None if value is None else str(value)

    def count(self, selector: str) -> int:
        return int(self.call("count", selector=selector))

    def wait_for_text(self, selector: str, text: str) -> dict[str, Any]:
        return dict(self.call("waitForText", selector=selector, text=text))

    def box(self, selector: str) -> dict[str, float] | None:
        value = self.call("box", selector=selector)
        return None if value is None else {k: float(v) for k, v in value.items()}

    def cookies(self) -> list[dict[str, Any]]:
        return list(self.call("cookies"))

    def evaluate(self, expression: str) -> Any:
        return self.call("evaluate", expression=expression)

    def screenshot(self, name: str, *, full_page: bool = False) -> Shot:
        path = self.shots_dir / f"{name}.png"
        self.call("screenshot", path=str(path), fullPage=full_page)
        page = self.view()
        return Shot(path, page["url"], page["title"], page["text"])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._stderr.close()


def look(shot: Shot, *words: str, size: tuple[int, int] = VIEWPORT) -> Image.Image:
    """Check that a screenshot shows what a person would see: an image of the viewport's size with
    something drawn on it (text is many small dark marks on a light page, not one flat colour), and
    the page's visible text holding ``words``. Returns the image for further checks."""
    image = Image.open(shot.path).convert("RGB")
    assert image.size == size, f"{shot.path.name}: {image.size} is not the viewport {size}"
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 8, f"{shot.path.name} is blank: {colours}"
    background: tuple[int, int, int] = max(colours)[1] if colours else image.getpixel((0, 0))  # type: ignore[assignment]
    small = image.resize((250, 190))
    distance = ImageChops.difference(small, Image.new("RGB", small.size, background)).convert("L")
    drawn = sum(distance.histogram()[20:])  # pixels visibly unlike the background
    assert drawn > 150, f"{shot.path.name}: only {drawn} of 47500 sampled pixels differ from the background"
    for word in words:
        assert word in shot.text, f"{shot.path.name}: {word!r} is not on the page ({shot.url}):\n{shot.text[:1500]}"
    return image

