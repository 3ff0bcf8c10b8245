"""The compliance checker ``scim2-tester`` against the live server: 0 failures.

It reads the server's own discovery documents, then creates, reads, lists, searches,
replaces, patches (add, replace, remove of every writable attribute) and deletes Users and
Groups, checking each answer. Its one piece of configuration: it fills ``userName`` with a
random UUID, and Modelyard's userName is an email, so its value generator gives userName a
random email instead (every other value is the checker's own).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server, filling
from scim2_tester.checkers import patch_add, patch_replace

from tests.scim.conftest import Scim


def _with_email_user_names(original: Any) -> Any:
    def generate(context: Any, path: Any, *args: Any, **kwargs: Any) -> Any:
        value = original(context, path, *args, **kwargs)
        if str(path).lower().endswith("username") and isinstance(value, str):
            return f"{uuid.uuid4()}@example.test"
        return value

    return generate


def test_scim2_tester_finds_no_failure(scim: Scim, monkeypatch: pytest.MonkeyPatch) -> None:
    original = filling.generate_random_value
    for module in (filling, patch_add, patch_replace):
        monkeypatch.setattr(module, "generate_random_value", _with_email_user_names(original))
    http = httpx2.Client(
        base_url=scim.ws.server.base_url + "/scim/v2/",
        headers={"Authorization": f"Bearer {scim.token}"},
        timeout=30,
    )
    with http:
        client = SyncSCIMClient(http)
        results = check_server(client)
    failures = [r for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    report = "\n".join(f"{r.status.name} {r.title}: {r.reason}" for r in results)
    assert not failures, report
    ran = {r.title for r in results if r.status == Status.SUCCESS}
    for check in (
        "object_creation",
        "object_query_without_id",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_replace_attribute",
        "check_remove_attribute",
        "search_with_attributes",
        "random_url",
    ):
        assert check in ran, report
    assert not [r for r in results if r.status == Status.SKIPPED], report
