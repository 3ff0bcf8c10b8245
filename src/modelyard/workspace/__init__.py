"""The admin domain: model keys, models, deployments, fallbacks, users, API keys, assistants.

Every rule about what an admin may configure lives here once; the admin API, the web UI and the
CLI call these services and render their errors.
"""
