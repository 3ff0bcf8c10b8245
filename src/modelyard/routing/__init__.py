"""Routing: the in-memory workspace configuration, model resolution, capability checks and the
choice of deployment for every gateway call."""
