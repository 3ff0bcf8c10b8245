"""``GET /v1/responses/{id}/input_items`` through the official openai SDK: the items a stored
response was answered from (earlier turns included), paged, ordered, per user."""

from __future__ import annotations

import httpx
import jsonschema
import openai
import pytest

from modelyard.testing import FakeProvider
from tests.gateway.responses.setup import model_on
from tests.gateway.setup import sdk
from tests.support import Workspace


def _two_turns(ws: Workspace, fake: FakeProvider, wire: str) -> tuple[str, str]:
    model = model_on(ws, fake, wire, f"items-{wire}-{ws.id[-6:]}")
    client = sdk(ws)
    first = client.responses.create(model=model["slug"], input="first question")
    second = client.responses.create(
        model=model["slug"],
        previous_response_id=first.id,
        input=[{"role": "user", "content": "second question"}],
    )
    return first.id, second.id


@pytest.mark.parametrize("wire", ["openai", "anthropic"])
def test_the_items_of_a_continued_response(ws: Workspace, fake: FakeProvider, wire: str) -> None:
    first_id, second_id = _two_turns(ws, fake, wire)
    client = sdk(ws)
    first = client.responses.input_items.list(first_id)
    assert [item.type for item in first.data] == ["message"]
    assert first.data[0].role == "user"  # type: ignore[union-attr]

    items = client.responses.input_items.list(second_id, order="asc")
    texts = [item.content[0].text for item in items.data]  # type: ignore[union-attr]
    roles = [item.role for item in items.data]  # type: ignore[union-attr]
    assert roles == ["user", "assistant", "user"]
    assert texts == ["first question", "Echo: first question", "second question"]
    assert len({item.id for item in items.data}) == 3 and items.has_more is False

    newest_first = client.responses.input_items.list(second_id)  # desc by default
    assert [item.id for item in newest_first.data] == [item.id for item in reversed(items.data)]
    again = client.responses.input_items.list(second_id, order="asc")
    assert [item.id for item in again.data] == [item.id for item in items.data]  # stable ids


def test_paging_with_limit_and_after(ws: Workspace, fake: FakeProvider) -> None:
    _, second_id = _two_turns(ws, fake, "openai")
    client = sdk(ws)
    every = client.responses.input_items.list(second_id, order="asc").data
    page = client.responses.input_items.list(second_id, order="asc", limit=2)
    assert [i.id for i in page.data] == [i.id for i in every[:2]] and page.has_more is True
    rest = client.responses.input_items.list(second_id, order="asc", limit=2, after=every[1].id)
    assert [i.id for i in rest.data] == [every[2].id] and rest.has_more is False
    walked = list(client.responses.input_items.list(second_id, order="asc", limit=1))
    assert [i.id for i in walked] == [i.id for i in every]  # the SDK's auto-paging


def test_refusals(ws: Workspace, fake: FakeProvider) -> None:
    _, second_id = _two_turns(ws, fake, "openai")
    _, member_key = ws.add_user("member")
    with pytest.raises(openai.NotFoundError):  # another user's response
        sdk(ws, member_key).responses.input_items.list(second_id)
    with pytest.raises(openai.NotFoundError):
        sdk(ws).responses.input_items.list("resp_nope")
    for query, param in (({"limit": "0"}, "limit"), ({"order": "up"}, "order")):
        with pytest.raises(openai.BadRequestError) as refused:
            sdk(ws).responses.input_items.list(second_id, extra_query=query)
        assert refused.value.param == param
    with pytest.raises(openai.BadRequestError) as refused:
        sdk(ws).responses.input_items.list(second_id, after="msg_unknown")
    assert refused.value.param == "after"
    wrong = httpx.post(
        f"{ws.server.base_url}/v1/responses/{second_id}/input_items",
        headers={"authorization": f"Bearer {ws.owner_key}"},
        timeout=60,
    )
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    unknown = httpx.get(
        f"{ws.server.base_url}/v1/responses/{second_id}/other",
        headers={"authorization": f"Bearer {ws.owner_key}"},
        timeout=60,
    )
    assert unknown.status_code == 404


def test_documented_and_the_answer_fits_its_schema(ws: Workspace, fake: FakeProvider) -> None:
    _, second_id = _two_turns(ws, fake, "openai")
    doc = httpx.get(f"{ws.server.base_url}/openapi.json", timeout=60).json()
    operation = doc["paths"]["/v1/responses/{response_id}/input_items"]["get"]
    assert operation["security"] == [{"bearer": []}]
    schema = doc["components"]["schemas"]["V1ResponseInputItems"]
    answer = httpx.get(
        f"{ws.server.base_url}/v1/responses/{second_id}/input_items",
        headers={"authorization": f"Bearer {ws.owner_key}"},
        timeout=60,
    )
    jsonschema.validate(answer.json(), schema)
