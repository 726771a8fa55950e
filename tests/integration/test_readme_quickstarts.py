"""The README's quick starts, run as written (issue 20 item 2): every ```bash quickstart-NAME block, in the
README's order, each in its own bash (errexit, pipefail), all in one fresh folder with a fresh data directory
and the devchain they start. A block that stops working fails here, so the README cannot go stale.

The blocks set their own passphrases; the test sets only CREDANCHOR_DATA_DIR, PORT (a free port for the
servers the blocks start in the background) and PATH (this Python's `credanchor` and `python3` first).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from anchor.chain import devchain
from anchor.settings import Settings

pytestmark = pytest.mark.anvil

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"^```bash quickstart-([a-z-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
BLOCK_TIMEOUT_SECONDS = 300


def quickstarts() -> list[tuple[str, str]]:
    return [(match[1], match[2]) for match in BLOCK.finditer(README.read_text(encoding="utf-8"))]


@dataclass
class Walkthrough:
    folder: Path
    env: dict[str, str]
    outputs: dict[str, str]

    def run(self, name: str, script: str) -> subprocess.CompletedProcess[str]:
        """Run one block as a bash script; background servers it leaves behind are ended with its group."""
        process = subprocess.Popen(
            ["bash", "-e", "-o", "pipefail", "-c", script], cwd=self.folder, env=self.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=BLOCK_TIMEOUT_SECONDS)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)  # this block's own process group only
            if process.poll() is None:
                process.kill()
                process.communicate()
        self.outputs[name] = stdout
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def credanchor(self, *args: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "anchor", *args, "--json"], cwd=self.folder, env=self.env, text=True,
            capture_output=True, timeout=120,
        )  # fmt: skip
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Walkthrough]:
    folder = tmp_path_factory.mktemp("quickstart")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CREDANCHOR_")}
    env |= {
        "CREDANCHOR_DATA_DIR": str(folder / "data"),
        "PORT": str(devchain.free_port()),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "XDG_CACHE_HOME": str(folder / "cache"),  # were anvil fetched, not into the user's cache
    }
    yield Walkthrough(folder, env, {})
    devchain.down(Settings(folder / "data"))


def test_the_readme_has_a_quick_start_for_each_user():
    assert [name for name, _ in quickstarts()] == ["issuer", "verifier", "body", "workshop"]


def test_the_quick_starts_run_as_written(walkthrough):
    for name, script in quickstarts():
        done = walkthrough.run(name, script)
        assert done.returncode == 0, f"quickstart-{name} failed:\n{done.stdout}\n{done.stderr}"
        check = globals()[f"check_{name.replace('-', '_')}"]
        check(walkthrough, done.stdout)


def check_issuer(walkthrough: Walkthrough, stdout: str) -> None:
    files = sorted((walkthrough.folder / "credentials").glob("*.json"))
    assert len(files) == 4
    report = walkthrough.credanchor("verify", *map(str, files))
    verdicts = {Path(r["file"]).name.rsplit("-", 1)[0]: r for r in report["reports"]}
    assert {name: r["verified"] for name, r in verdicts.items()} == {
        "ana-sousa": False, "kwame-mensah": True, "li-wei": True, "zoe-nunez": True,
    }  # fmt: skip
    failed = [n for n, c in verdicts["ana-sousa"]["checks"].items() if c["outcome"] == "fail"]
    assert failed == ["revocation"]
    assert stdout.count(": verified") == 4 and "NOT verified" in stdout
    data = Path(walkthrough.env["CREDANCHOR_DATA_DIR"])
    assert (data.stat().st_mode & 0o777) == 0o700


def check_verifier(walkthrough: Walkthrough, stdout: str) -> None:
    assert "kwame-mensah" in stdout and ": verified" in stdout
    answer = json.loads(stdout[stdout.index("{") :])  # what the HTTP API answered
    assert answer["verified"] is True
    assert {check["outcome"] for check in answer["checks"].values()} == {"pass"}


def check_body(walkthrough: Walkthrough, stdout: str) -> None:
    bodies = list((Path(walkthrough.env["CREDANCHOR_DATA_DIR"]) / "bodies").glob("*.json"))
    assert len(bodies) == 1
    body = bodies[0].stem
    academy = walkthrough.credanchor("issuer", "show", "--issuer", "academy")["ethereum_account"]
    shown = walkthrough.credanchor("accreditation", "show", academy)
    assert shown["body"].lower() == body.lower() and shown["accredited_now"] is False
    assert len(shown["windows"]) == 1 and shown["windows"][0]["scope"] == "EQF 5 data skills"


def check_workshop(walkthrough: Walkthrough, stdout: str) -> None:
    assert stdout.count("workshop ready: Workshop Academy") == 2  # the dry run, then the served one
    assert "<title>Micro-credentials workshop — credanchor</title>" in stdout
