"""Alembic migrations, shipped inside the package so `upgrade_database` works when installed."""
