"""``/api/usage`` and its export over HTTP with the ``tests`` filter: an admin's live test and
a member-style SDK call, split by ``tests=only|exclude`` on both engines; a bad value is a 422
naming the parameter."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from modelyard.testing import FakeProvider
from tests.gateway.setup import add_model, close_clients, sdk
from tests.support import Workspace, error_of, ok
from tests.usage import stored_rows


def test_the_tests_filter_splits_live_tests_from_calls(ws: Workspace, fake: FakeProvider) -> None:
    model = add_model(ws, fake, identifier="fake-model")
    with ws.owner() as api:
        tested = ok(api.post(f"/api/models/{model['id']}/test", json={}))
    sdk(ws).chat.completions.create(
        model=model["slug"], messages=[{"role": "user", "content": "x"}]
    )
    close_clients()
    rows = stored_rows(ws.server, 2, workspace_id=ws.id)
    test_calls = [row for row in rows if row.is_test]
    assert test_calls and len(rows) - len(test_calls) == 1

    with ws.owner() as api:
        reports = {
            tests: ok(api.get("/api/usage", params={"group_by": "model", "tests": tests}))
            for tests in ("include", "exclude", "only")
        }
        default = ok(api.get("/api/usage", params={"group_by": "model"}))
        exports = {
            tests: list(
                csv.reader(
                    io.StringIO(api.get("/api/usage/export.csv", params={"tests": tests}).text)
                )
            )
            for tests in ("include", "exclude", "only")
        }
        bad = api.get("/api/usage", params={"tests": "maybe"})
        bad_export = api.get("/api/usage/export.csv", params={"tests": "maybe"})

    assert default["totals"] == reports["include"]["totals"]
    assert reports["include"]["totals"]["requests"] == len(rows)
    assert reports["only"]["totals"]["requests"] == len(test_calls)
    assert reports["exclude"]["totals"]["requests"] == 1
    spent = Decimal(reports["only"]["totals"]["cost_usd_exact"])
    assert spent == Decimal(str(tested["spent_usd"])) == sum(r.cost_usd for r in test_calls)
    assert Decimal(reports["include"]["totals"]["cost_usd_exact"]) == sum(r.cost_usd for r in rows)
    assert [len(lines) - 1 for lines in exports.values()] == [len(rows), 1, len(test_calls)]
    for response in (bad, bad_export):
        assert error_of(response, 422)["param"] == "tests"
