"""Finding anvil and fetching the pinned build with npm (anchor.chain.anvil), with a stand-in npm: offline."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from anchor.chain import anvil
from anchor.errors import DevchainError

REPO = Path(__file__).resolve().parents[3]
PACKAGE = "@foundry-rs/anvil-linux-amd64"


def test_the_pinned_version_is_the_one_package_json_pins():
    pinned = json.loads((REPO / "package.json").read_text())["devDependencies"][PACKAGE]
    assert pinned == anvil.ANVIL_VERSION


def test_each_supported_platform_has_its_package_and_others_a_clear_error():
    assert anvil.anvil_package("Linux", "x86_64") == PACKAGE
    assert anvil.anvil_package("Darwin", "arm64") == "@foundry-rs/anvil-darwin-arm64"
    with pytest.raises(DevchainError, match="no anvil package for Windows AMD64: install Foundry"):
        anvil.anvil_package("Windows", "AMD64")


FAKE_NPM = """#!{python}
# A stand-in for npm: records its arguments, then installs a fake anvil where npm would put it.
import os, sys
from pathlib import Path
args = sys.argv[1:]
Path(os.environ["FAKE_NPM_LOG"]).write_text(" ".join(args))
if os.environ.get("FAKE_NPM_FAIL"):
    print("npm error network request failed, reason: getaddrinfo EAI_AGAIN", file=sys.stderr)
    sys.exit(1)
prefix = Path(args[args.index("--prefix") + 1])
name, _, version = args[-1].rpartition("@")
binary = prefix / "node_modules" / name / "bin" / "anvil"
binary.parent.mkdir(parents=True)
binary.write_text("#!/bin/sh\\necho 'anvil Version: " + version + "'\\n")
binary.chmod(0o755)
"""


@pytest.fixture
def no_anvil(tmp_path, monkeypatch):
    """No anvil anywhere: no checkout copy, an empty cache, PATH holding only a stand-in npm."""
    monkeypatch.delenv("CREDANCHOR_ANVIL", raising=False)
    monkeypatch.setattr(anvil, "REPO_ROOT", tmp_path / "no-checkout")
    monkeypatch.setattr(anvil, "anvil_package", lambda *_: PACKAGE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_NPM_LOG", str(tmp_path / "npm-args"))
    return bin_dir


def install_fake_npm(bin_dir: Path) -> None:
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable))
    npm.chmod(0o755)


def test_a_missing_anvil_is_fetched_with_npm_into_the_cache_saying_so(no_anvil, tmp_path):
    install_fake_npm(no_anvil)
    assert anvil.find_anvil() is None
    heard: list[str] = []
    binary = anvil.anvil_binary(heard.append)

    target = tmp_path / "cache" / "credanchor" / f"anvil-{anvil.ANVIL_VERSION}"
    assert binary == target / "node_modules" / PACKAGE / "bin" / "anvil"
    assert heard == [f"anvil not found: fetching {PACKAGE}@{anvil.ANVIL_VERSION} with npm into {target}"]
    args = shlex.split((tmp_path / "npm-args").read_text())
    assert args[:2] == ["install", "--prefix"] and "--no-save" in args
    assert args[-1] == f"{PACKAGE}@{anvil.ANVIL_VERSION}"
    assert Path(args[2]).parent == target.parent and Path(args[2]) != target  # staged, then renamed
    assert anvil.find_anvil() == (binary, "cache")
    assert anvil.tool_version(binary) == f"anvil Version: {anvil.ANVIL_VERSION}"
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no staging folder left behind

    (tmp_path / "npm-args").unlink()
    assert anvil.anvil_binary(heard.append) == binary  # found in the cache: npm not run again
    assert not (tmp_path / "npm-args").exists() and len(heard) == 1


def test_the_checkout_copy_comes_before_the_cache(no_anvil, tmp_path, monkeypatch):
    install_fake_npm(no_anvil)
    cached = anvil.anvil_binary(lambda _: None)
    checkout = tmp_path / "checkout" / "node_modules" / PACKAGE / "bin" / "anvil"
    checkout.parent.mkdir(parents=True)
    checkout.write_text("#!/bin/sh\n")
    checkout.chmod(0o755)
    monkeypatch.setattr(anvil, "REPO_ROOT", tmp_path / "checkout")
    assert anvil.find_anvil() == (checkout, "checkout") != (cached, "cache")


def test_without_npm_the_error_says_what_to_install(no_anvil):
    with pytest.raises(DevchainError) as raised:
        anvil.anvil_binary(lambda _: None)
    message = str(raised.value)
    assert "npm, which fetches it, is missing: install Node.js 20 or later with npm" in message
    assert "sudo apt-get install nodejs npm" in message and "CREDANCHOR_ANVIL" in message


def test_a_failed_fetch_says_why_and_leaves_nothing_that_looks_installed(no_anvil, tmp_path, monkeypatch):
    install_fake_npm(no_anvil)
    monkeypatch.setenv("FAKE_NPM_FAIL", "1")
    with pytest.raises(DevchainError, match=r"npm could not fetch .* \(exit code 1: npm error network request failed"):
        anvil.anvil_binary(lambda _: None)
    assert anvil.find_anvil() is None
    assert list((tmp_path / "cache" / "credanchor").iterdir()) == []


def test_without_notify_nothing_is_fetched(no_anvil, tmp_path):
    install_fake_npm(no_anvil)
    with pytest.raises(DevchainError, match="devchain up` fetches @foundry-rs/anvil-linux-amd64@"):
        anvil.anvil_binary()
    assert not (tmp_path / "npm-args").exists()


def test_an_override_that_is_not_executable_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDANCHOR_ANVIL", str(tmp_path / "missing"))
    with pytest.raises(DevchainError, match="is not an executable file"):
        anvil.find_anvil()
