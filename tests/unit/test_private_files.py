"""Issue 19 item 9: the data directory holds learner names, grades, e-mail salts and the status index →
credential map, so it is created 0700 and the SQLite store (and its journals) 0600, and looser ones, or
another user's, are refused with the `chmod` that fixes them — through the one check key files use
(anchor.settings.check_private). Before the fix the folder was made 0755 and the store 0644, and both
were used as they were."""

from __future__ import annotations

import ast
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from anchor.chain.deployment import Deployment
from anchor.comparison.workshop import Workshop
from anchor.credentials.issuers import create_body_account, create_issuer
from anchor.credentials.model import AwardingBody
from anchor.errors import ConfigurationError
from anchor.settings import Settings, check_private, private_folder
from anchor.storage.database import SQLITE_COMPANIONS
from anchor.storage.store import Store, database_url

PASSPHRASE = "a long enough passphrase"
REPO = Path(__file__).resolve().parents[2]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- every writer of the data directory makes it private -------------------------------------------------------

WRITERS: dict[str, Callable[[Settings], object]] = {
    "issuer": lambda s: create_issuer(s, "uni", AwardingBody("", "Uni", "PT"), PASSPHRASE),
    "body account": lambda s: create_body_account(s, PASSPHRASE),
    "deployment": lambda s: Deployment(31337, "0x1", "0x2", "0x3", "0x4", 1, "solc").save(s.deployments_dir),
    "workshop record": lambda s: Workshop("w", "W", "did:key:z", "0x1", 1, 1, {}).save(s),
    "store": lambda s: Store.open(database_url(s.data_dir, {})),
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=WRITERS.keys())
def test_a_new_data_directory_and_its_missing_parents_are_made_0700(tmp_path: Path, writer) -> None:
    settings = Settings(tmp_path / "home" / "data")
    writer(settings)
    assert mode_of(tmp_path / "home") == 0o700
    assert mode_of(settings.data_dir) == 0o700
    for folder in settings.data_dir.rglob("*"):
        if folder.is_dir():
            assert mode_of(folder) == 0o700, folder
    Settings(settings.data_dir)  # and it passes its own check


def test_the_sqlite_store_and_its_journals_are_0600(tmp_path: Path) -> None:
    store = Store.open(database_url(tmp_path / "data", {}))
    path = tmp_path / "data" / "credanchor.sqlite"
    assert mode_of(path) == 0o600
    with store.engine.connect() as connection:  # SQLite gives its journals the database file's mode
        connection.execute(text("PRAGMA journal_mode=WAL"))
        store.create_api_key("issuer", "uni", "a write")
        journals = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(journal.exists() for journal in journals)
        assert [mode_of(journal) for journal in journals] == [0o600, 0o600]


# -- looser ones are refused with the chmod that fixes them ---------------------------------------------------


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o705, 0o710, 0o701])
def test_a_data_directory_other_users_can_reach_is_refused(tmp_path: Path, mode: int) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    data.chmod(mode)
    with pytest.raises(ConfigurationError, match=rf"other users \(mode {mode:o}\).*`chmod 700 {data}`"):
        Settings(data)
    with pytest.raises(ConfigurationError, match="chmod 700"):
        Settings.from_env({"CREDANCHOR_DATA_DIR": str(data)})
    data.chmod(0o700)
    assert Settings(data).data_dir == data


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
@pytest.mark.parametrize("file", ["", *SQLITE_COMPANIONS])
def test_a_store_or_journal_other_users_can_read_is_refused(tmp_path: Path, mode: int, file: str) -> None:
    url = database_url(tmp_path, {})
    Store.open(url)
    path = tmp_path / f"credanchor.sqlite{file}"
    path.touch(mode=0o600)
    path.chmod(mode)
    with pytest.raises(ConfigurationError, match=rf"other users \(mode {mode:o}\).*`chmod 600 {path}`"):
        Store.open(url)
    path.chmod(0o600)
    Store.open(url)


def test_a_folder_or_file_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(ConfigurationError, match=r"belongs to another user \(uid \d+\)"):
        Settings(tmp_path)
    with pytest.raises(ConfigurationError, match="belongs to another user"):
        check_private(tmp_path)


def test_a_data_directory_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("")
    with pytest.raises(ConfigurationError, match="exists and is not a directory"):
        Settings(tmp_path / "data")
    with pytest.raises(ConfigurationError, match="exists and is not a directory"):
        private_folder(tmp_path / "data")


def test_an_existing_folder_is_left_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    private_folder(shared / "a" / "b")
    assert (mode_of(shared), mode_of(shared / "a"), mode_of(shared / "a" / "b")) == (0o755, 0o700, 0o700)


# -- one way to make a folder in the package ------------------------------------------------------------------

#: Modules that may make folders themselves: output folders the user names (`--out`), never the data directory.
OUTPUT_FOLDER_WRITERS = {
    "anchor/credentials/issuance.py",  # `issue --out DIR`: the holders' files
    "anchor/comparison/report.py",  # `compare --out DIR`
    "anchor/cli/qr.py",  # `qr encode --out FILE`
    "anchor/tools/soak_actors.py",  # worker logs inside the soak's own mkdtemp (0700) data directory
    "anchor/tools/pipeline.py",  # `bench pipeline --out FILE`: the benchmark's JSON Lines output
}


def test_only_private_folder_makes_folders_in_the_data_directory() -> None:
    """Any other `mkdir` / `makedirs` would make a data-directory folder with the umask's mode (0755)."""
    offenders = []
    for path in sorted((REPO / "anchor").rglob("*.py")) + sorted((REPO / "api").rglob("*.py")):
        name = path.relative_to(REPO).as_posix()
        if name == "anchor/settings.py" or name in OUTPUT_FOLDER_WRITERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                if called in ("mkdir", "makedirs"):
                    offenders.append(f"{name}:{node.lineno}")
    assert offenders == [], f"use anchor.settings.private_folder instead of mkdir in {offenders}"
