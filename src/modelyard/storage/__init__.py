"""Persistence: the engine factory, typed tables and Alembic migrations. Reached only by the domain."""
