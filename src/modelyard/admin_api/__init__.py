"""The JSON admin API (``/api``) over the workspace services."""
