"""``modelyard fake-provider``: serve the fake upstream provider for demos and benchmarks.

Kept apart from the main CLI module so the command stays a thin shell over
``modelyard.testing.run_fake_provider`` (the same server the tests start in a thread).
"""

from __future__ import annotations

from typing import Annotated

import typer


def fake_provider(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 9999,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Serve the fake provider (OpenAI, Azure, Anthropic, Gemini wire formats) until Ctrl-C."""
    from modelyard.testing import run_fake_provider

    typer.echo(f"Fake provider on http://{host}:{port} (OpenAI base_url: http://{host}:{port}/v1)")
    run_fake_provider(host=host, port=port)
