"""``modelyard knowledge``: create, add, list and search against the test server's database."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from modelyard.cli.main import app
from modelyard.testing import FakeProvider
from tests.knowledge import embedding_model
from tests.support import Workspace
from tests.usage import stored_rows


def test_the_knowledge_commands(
    ws: Workspace, fake: FakeProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = ws.server.services.settings
    monkeypatch.setenv("MODELYARD_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("MODELYARD_ALLOWED_UPSTREAM_HOSTS", "127.0.0.1")
    if settings.database_url:
        monkeypatch.setenv("MODELYARD_DATABASE_URL", settings.database_url)
    model = embedding_model(ws, fake, slug=f"cli-{ws.id}")
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        # In a thread of its own, as in a process of its own: the command runs its own event
        # loop, which the test's thread may not (Playwright's sync API keeps one running there).
        with ThreadPoolExecutor(1) as thread:
            return thread.submit(
                runner.invoke, app, ["knowledge", *args, "--workspace", ws.id]
            ).result()

    def run(*args: str) -> str:
        done = invoke(*args)
        assert done.exit_code == 0, (done.output, done.exception)
        return done.output

    collection_id, slug = run("create", "CLI notes", "--model", model["slug"]).split()
    assert slug == "cli-notes"
    (tmp_path / "near.md").write_text("vec:0.8,0.6")
    (tmp_path / "far.txt").write_text("vec:0,1")
    assert "1 chunks" in run("add", str(tmp_path / "near.md"), "-c", slug)
    run("add", str(tmp_path / "far.txt"), "-c", collection_id)
    assert "2 documents, 2 chunks" in run("list")
    found = json.loads(run("search", "vec:1,0", "-c", slug, "--json"))
    assert found["threshold_used"] == 0.5
    assert [hit["document_name"] for hit in found["results"]] == ["near.md"]

    (tmp_path / "a.pdf").write_bytes(b"%PDF")
    refused = invoke("add", str(tmp_path / "a.pdf"), "-c", slug)
    assert refused.exit_code == 1 and "text/markdown" in refused.output
    # The commands drained their usage records before exiting: two documents, one query.
    assert len(stored_rows(ws.server, workspace_id=ws.id, model_id=model["id"])) == 3
