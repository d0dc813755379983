"""Apply the Alembic migrations in ``migrations/`` to an engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(engine: Engine, sealing_key: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "sqlalchemy.url",
        engine.url.render_as_string(hide_password=False).replace("%", "%%"),
    )
    config.attributes["engine"] = engine
    # The master key of sealed secrets: a migration that seals stored secrets needs it.
    config.attributes["sealing_key"] = sealing_key
    return config


def upgrade(engine: Engine, revision: str = "head", sealing_key: str | None = None) -> None:
    command.upgrade(alembic_config(engine, sealing_key), revision)


def downgrade(engine: Engine, revision: str, sealing_key: str | None = None) -> None:
    command.downgrade(alembic_config(engine, sealing_key), revision)


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def revision(engine: Engine, message: str) -> None:
    command.revision(alembic_config(engine), message=message, autogenerate=True)
