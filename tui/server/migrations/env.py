"""Alembic's entry point: run the migrations on the connection (and inside the transaction) the caller opened."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
