"""The ``modelyard`` command line (typer)."""
