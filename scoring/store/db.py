"""The database: `THIDUA_DB_URL` (e.g. postgresql+psycopg://user:pw@localhost/thidua), or an SQLite
file `thidua.db` in the working folder, created on first use, in WAL mode. The schema is brought to
the newest Alembic revision on connect, so there is no setup step."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_FILE = "thidua.db"


def database_url(url: str | None = None) -> str:
    """The URL given, else THIDUA_DB_URL, else an SQLite file in the working folder."""
    return url or os.environ.get("THIDUA_DB_URL") or f"sqlite:///{Path.cwd() / DEFAULT_FILE}"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    connection.isolation_level = None  # transactions are begun by SQLAlchemy's "begin" event below
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer; a crash keeps the last commit
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # concurrent writers wait their turn instead of failing
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The engine for a write transaction (on SQLite it begins with the write lock held)."""
    return engine.execution_options(sqlite_immediate=True)


def connect(url: str | None = None, migrate: bool = True) -> Engine:
    """An engine on the database, its schema upgraded to the newest revision (unless `migrate` is False)."""
    resolved = database_url(url)
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        # a write transaction (`writer(engine)`) takes the write lock at once (BEGIN IMMEDIATE), so a
        # read-modify-write waits for another writer instead of failing half-way; reads stay deferred
        event.listen(engine, "begin", _begin)
    else:
        engine = create_engine(resolved, pool_pre_ping=True)
    if migrate:
        upgrade(engine)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates every table on an empty database)."""
    command.upgrade(alembic_config(engine), "head")
