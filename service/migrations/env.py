"""Alembic environment: runs migrations on the URL given by ``service.database.alembic_config``."""

from __future__ import annotations

from alembic import context

from service.database import make_engine
from service.schema import full_metadata

config = context.config
target_metadata = full_metadata()


def run_migrations_online() -> None:
    """Run migrations with a live connection (the only mode we use)."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
