"""Alembic environment: runs migrations on the connection the archive hands over."""

from __future__ import annotations

from alembic import context

from feeds.archive.tables import metadata

connection = context.config.attributes.get("connection")


def run() -> None:
    """Run migrations online, on the caller's connection when there is one."""
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
