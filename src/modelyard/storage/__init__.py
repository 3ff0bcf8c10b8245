"""Persistence: engine factory, typed tables, Alembic migrations. Reached only by the domain."""
