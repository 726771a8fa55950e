"""End-to-end fixtures: `credanchor workshop` served for real (a subprocess, embedded chain, a tmp data
folder) and the Debian Chromium driven headless by Playwright. Screenshots go to tests/e2e/artifacts/.

Skipped, with the reason, where /usr/bin/chromium is absent (`apt-get install chromium`); Playwright
never downloads a browser here (no `playwright install`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from anchor.chain.devchain import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
WORKSHOP_COMMAND = [sys.executable, "-m", "anchor", "workshop"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: install Debian's chromium to run the browser tests")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@dataclass(frozen=True)
class WorkshopServer:
    base: str
    link: str  # the facilitator's link: base + "/#key=…"
    log: Path


@pytest.fixture(scope="module")
def workshop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkshopServer]:
    folder = tmp_path_factory.mktemp("workshop")
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "300"}
    for name in ("CREDANCHOR_RPC_URL", "CREDANCHOR_DATA_DIR", "CREDANCHOR_DATABASE_URL", "CREDANCHOR_KEY_PASSPHRASE"):
        env.pop(name, None)
    log = folder / "server.log"
    command = [*WORKSHOP_COMMAND, "--port", str(port), "--data", str(folder / "room")]
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        link = _wait_for_link(base, process, log)
        yield WorkshopServer(base, link, log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_link(base: str, process: subprocess.Popen[bytes], log: Path) -> str:
    pattern = re.compile(re.escape(base) + r"/#key=\S+")
    for _ in range(600):
        if process.poll() is not None:
            raise AssertionError(f"credanchor workshop exited:\n{log.read_text()}")
        found = pattern.search(log.read_text())
        if found:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    return found.group(0)
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"credanchor workshop never served its page:\n{log.read_text()}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
