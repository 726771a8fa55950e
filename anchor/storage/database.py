"""The database under the store: its URL, opening it (the schema migrated to the latest by Alembic),
sessions, the audit log every write adds to, and fresh PostgreSQL schemas for runs that must not
touch anyone's tables (`credanchor soak`, the integration tests).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from anchor.errors import ConfigurationError, CredAnchorError
from anchor.settings import PRIVATE_FILE_MODE, check_private, private_folder
from anchor.storage.models import AuditRow

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(CredAnchorError, RuntimeError):
    """The database cannot be reached or refused a write."""


def database_url(data_dir: Path, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get("CREDANCHOR_DATABASE_URL") or f"sqlite:///{data_dir / 'credanchor.sqlite'}"


#: The files SQLite keeps beside the database (rollback journal, write-ahead log, its shared memory).
SQLITE_COMPANIONS = ("-journal", "-wal", "-shm")


def private_sqlite_file(path: Path) -> None:
    """Create the SQLite file `path` mode 0600 (its new folders 0700) before SQLite opens it — SQLite would
    follow the umask, 0644 — and refuse it, or a journal beside it, when other users can read it or it
    is another user's (anchor.settings.check_private): it holds learner names, grades, e-mail salts and
    the status index → credential map. SQLite makes its journals with the database file's mode."""
    if path.name in ("", ":memory:"):
        return
    try:
        private_folder(path.parent)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except FileExistsError:
        pass  # an existing store: checked below
    except OSError as exc:
        raise StoreError(f"cannot create the database {path}: {exc.strerror or exc}") from None
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        if file.exists():
            check_private(file)


def probe(url: str) -> str:
    """Connect to the database at `url` without changing it (no migration, no file made) and return the
    server's version; StoreError (credentials left out of the message) when it does not answer."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        engine = create_engine(url)
    except Exception as exc:  # an unknown driver or a malformed URL from the user
        raise ConfigurationError(f"cannot use the database URL: {type(exc).__name__}") from None
    try:
        with engine.connect() as connection:
            query = "SELECT sqlite_version()" if engine.dialect.name == "sqlite" else "SHOW server_version"
            version = str(connection.execute(text(query)).scalar())
    except OperationalError as exc:
        raise StoreError(f"the database at {engine.url.render_as_string()} does not answer: {exc.orig}") from None
    finally:
        engine.dispose()
    return f"{engine.dialect.name} {version}"


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive date-times: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Database:
    """An open, migrated database: sessions, one transaction per write, and the audit log.

    The Store (anchor.storage.store) is built on it, the API-key part (anchor.storage.api_keys) in between.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> Self:
        """Connect to `url` (a SQLite file is made private first: `private_sqlite_file`) and migrate its
        schema to the latest."""
        if url.startswith("sqlite:///"):
            private_sqlite_file(Path(url[len("sqlite:///") :].partition("?")[0]))
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        try:
            engine = create_engine(url)
            with engine.begin() as connection:
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise StoreError(f"cannot open the database {engine.url.render_as_string()}: {exc.orig}") from None
        except Exception as exc:  # an unknown driver or a malformed URL from the user
            if isinstance(exc, CredAnchorError):
                raise
            raise ConfigurationError(f"cannot use database URL {url!r}: {exc}") from None
        return cls(engine)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _audit(self, session: Session, action: str, subject: str, **detail: Any) -> None:
        session.add(AuditRow(at=now(), action=action, subject=subject, detail=detail))

    def ping(self) -> None:
        """Raise StoreError unless the database answers."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except OperationalError as exc:
            raise StoreError(f"the database does not answer: {exc.orig}") from None


@contextmanager
def fresh_schema(database_url: str, *, prefix: str, keep: bool = False, owner: str = "this run") -> Iterator[str]:
    """A URL whose tables live in a new schema `<prefix>_<random>` of the PostgreSQL at `database_url`,
    dropped afterwards unless `keep`. `owner` names who needs it in the error messages ("the soak")."""
    import psycopg  # only PostgreSQL runs need the driver

    if not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigurationError(f"{owner} needs PostgreSQL (postgresql://…), not {database_url.split(':')[0]}")
    schema = f"{prefix}_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
    except psycopg.Error as exc:
        raise ConfigurationError(f"cannot prepare {owner}'s schema in {database_url}: {exc}") from None
    separator = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with psycopg.connect(database_url, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
