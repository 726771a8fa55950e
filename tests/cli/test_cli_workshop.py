"""`credanchor workshop` (anchor/cli/workshop.py) through typer's CliRunner: `--check` prepares the
workshop world and prints its link without serving (tests/e2e serves it for real)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from typer.testing import CliRunner

from anchor.cli.main import app
from anchor.comparison.workshop import ISSUER_SLUG, Workshop
from anchor.settings import Settings
from anchor.storage.store import Store, database_url

runner = CliRunner()
ENV = {"COLUMNS": "200", "CREDANCHOR_RPC_URL": None, "CREDANCHOR_DATA_DIR": None}


def test_check_prepares_a_workshop_and_prints_a_link_with_the_issuer_key(tmp_path: Path) -> None:
    folder = tmp_path / "room"
    result = runner.invoke(app, ["workshop", "--check", "--data", str(folder), "--port", "8123"], env=ENV)
    assert result.exit_code == 0, result.output
    link = re.search(r"http://127\.0\.0\.1:8123/#key=(\S+)", result.stdout)
    assert link is not None, result.stdout
    key = Store.open(database_url(folder)).authenticate(link.group(1))
    assert key is not None and key.role == "issuer" and key.subject == ISSUER_SLUG
    workshop = Workshop.load(Settings(folder))
    assert workshop is not None and workshop.issuer_account in result.stdout
    assert "participants open http://127.0.0.1:8123/ to verify" in result.stdout
    modes = [stat.S_IMODE(path.stat().st_mode) for path in (folder, folder / "credanchor.sqlite")]
    assert modes == [0o700, 0o600]  # issue 19 item 9: learner data, keys and the store are the owner's alone


def test_a_folder_other_users_can_reach_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "room"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    result = runner.invoke(app, ["workshop", "--check", "--data", str(folder)], env=ENV)
    assert result.exit_code == 1
    assert f"restrict it with `chmod 700 {folder}`" in " ".join(result.stderr.split())
    assert list(folder.iterdir()) == []  # nothing written


def test_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a workshop")
    result = runner.invoke(app, ["workshop", "--check", "--data", str(tmp_path)], env=ENV)
    assert result.exit_code == 1
    assert "is not an empty folder: give a new or empty one to --data" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # nothing written


def test_an_unreachable_chain_is_a_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["workshop", "--check", "--data", str(tmp_path / "room"), "--rpc",
                                 "http://127.0.0.1:9"], env=ENV)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and "is unreachable" in result.stderr and "Traceback" not in result.output


def test_public_url_sets_where_wallets_claim(tmp_path: Path) -> None:
    default = runner.invoke(app, ["workshop", "--check", "--data", str(tmp_path / "a"), "--port", "8124"], env=ENV)
    assert "wallets claim credentials at http://127.0.0.1:8124 " in default.stdout, default.output
    args = ["workshop", "--check", "--data", str(tmp_path / "b"), "--public-url", "https://room.example"]
    given = runner.invoke(app, args, env=ENV)
    assert given.exit_code == 0, given.output
    assert "wallets claim credentials at https://room.example " in given.stdout
    args = ["workshop", "--check", "--data", str(tmp_path / "c"), "--public-url", "ftp://room.example"]
    refused = runner.invoke(app, args, env=ENV)
    assert refused.exit_code != 0 and "must be an http(s) URL" in refused.output
