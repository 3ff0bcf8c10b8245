"""Loader tests: bundled catalog, our format round trip, models.dev detection, error messages,
and reading from a file or a real local HTTP server."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from modelyard.catalog import (
    CATALOG_FORMAT,
    Catalog,
    CatalogEntry,
    CatalogFormatError,
    SideData,
    load_bundled,
    parse_catalog,
    read_catalog_source,
)


def make_entry(model: str = "gpt-4o", provider: str = "openai", **fields: Any) -> CatalogEntry:
    return CatalogEntry(
        id=f"{provider}/{model}",
        kind=fields.pop("kind", "completion"),
        provider=provider,
        provider_model_name=model,
        display_name=fields.pop("display_name", model.upper()),
        **fields,
    )


def our_file(entries: Any, **top: Any) -> dict[str, Any]:
    return {"format": CATALOG_FORMAT, "version": "v1", "entries": entries} | top


def entry_json(model: str = "gpt-4o", **fields: Any) -> dict[str, Any]:
    return make_entry(model).model_dump(mode="json") | fields


MODELS_DEV = {
    "openai": {
        "id": "openai",
        "models": {
            "gpt-5-pro": {
                "id": "gpt-5-pro",
                "name": "GPT-5 Pro",
                "family": "gpt-pro",
                "tool_call": True,
                "temperature": False,
                "reasoning": True,
                "modalities": {"input": ["text", "image"], "output": ["text"]},
                "limit": {"context": 400000, "output": 272000},
                "cost": {"input": 15, "output": 120},
                "last_updated": "2025-10-06",
            }
        },
    },
    "cohere": {"id": "cohere", "models": {"command-r": {"id": "command-r"}}},
}


# --- bundled catalog --------------------------------------------------------------------------


def test_load_bundled_is_cached_and_sane() -> None:
    catalog = load_bundled()
    assert catalog is load_bundled()
    assert len(catalog.entries) > 100
    assert {e.kind for e in catalog.entries} == {"completion", "image", "embedding"}
    gpt_4o = catalog.get("openai/gpt-4o")
    assert gpt_4o is not None and gpt_4o.input_price == Decimal("2.5")


def test_get_and_search() -> None:
    catalog = Catalog(
        version="v1",
        entries=[
            make_entry("gpt-3", deprecated=True, display_name="Old GPT"),
            make_entry("gpt-4o", display_name="GPT-4o"),
            make_entry("text-embedding-3-small", kind="embedding"),
            make_entry("claude-x", provider="anthropic", display_name="Claude X"),
        ],
    )
    assert catalog.get("openai/gpt-4o") is catalog.entries[1]
    assert catalog.get("openai/nope") is None
    assert [e.id for e in catalog.search(q="GPT")] == ["openai/gpt-4o", "openai/gpt-3"]
    assert [e.id for e in catalog.search(q="claude x")] == ["anthropic/claude-x"]
    assert [e.id for e in catalog.search(kind="embedding")] == ["openai/text-embedding-3-small"]
    assert catalog.search(kind="image") == []
    assert len(catalog.search()) == 4
    catalog.entries.append(make_entry("gpt-9"))
    assert catalog.get("openai/gpt-9") is not None  # index follows a resized list


# --- our format -------------------------------------------------------------------------------


def test_round_trip_keeps_decimals_exact() -> None:
    original = Catalog(
        version="v1",
        entries=[make_entry(input_price=Decimal("0.000011"), cache_write_price=Decimal("3.75"))],
    )
    raw = original.to_json_bytes()
    data = json.loads(raw)
    assert data["format"] == CATALOG_FORMAT
    assert data["entries"][0]["input_price"] == "0.000011"  # a string: never a float
    assert parse_catalog(raw) == original
    assert parse_catalog(raw.decode()) == original
    assert parse_catalog(data) == original


def test_bundled_round_trip() -> None:
    bundled = load_bundled()
    assert parse_catalog(bundled.to_json_bytes()) == bundled


def test_numeric_prices_are_read_exactly() -> None:
    raw = json.dumps(our_file([entry_json(input_price=0.1)]))
    assert parse_catalog(raw).entries[0].input_price == Decimal("0.1")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", r"catalog: not valid JSON \(line 1, column 2"),
        (b"\xff\xfe\x00", "catalog: not valid JSON"),
        ('{"format": "modelyard-catalog/1", "x": NaN}', "NaN is not a number"),
        ("[1, 2]", "catalog: expected a JSON object, got an array"),
        ("{}", "catalog: unrecognised JSON"),
        ('{"a": 1}', "catalog: unrecognised JSON"),
    ],
)
def test_bad_input_messages(raw: bytes | str, message: str) -> None:
    with pytest.raises(CatalogFormatError, match=message):
        parse_catalog(raw)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (our_file([]), "catalog: has no entries"),
        (
            our_file([entry_json(), entry_json("gpt-5"), entry_json()]),
            r"entries\[2\] \(openai/gpt-4o\): duplicate id \(first at entries\[0\]\)",
        ),
        (our_file([entry_json()], format="other/9"), "format 'other/9'; this version"),
        ({"version": "v1", "entries": [entry_json()]}, "no format key"),
        (our_file([entry_json()], extra=1), "unknown top-level keys: extra"),
        (our_file([entry_json()], version=""), "'version' must be a non-empty string"),
        (our_file({"a": 1}), "'entries' must be a list, got an object"),
        (our_file([7]), r"entries\[0\]: expected an object, got a number"),
        (
            our_file([entry_json(input_price="abc")]),
            r"entries\[0\] \(openai/gpt-4o\): input_price: .*decimal",
        ),
        (our_file([entry_json(input_price="-1")]), r"input_price: .*greater than or equal to 0"),
        (our_file([entry_json(kind="video")]), r"kind: Input should be 'completion'"),
        (our_file([entry_json(colour="red")]), "colour: Extra inputs are not permitted"),
        (our_file([entry_json(id="openai/other")]), "id must be 'openai/gpt-4o'"),
        (
            our_file([entry_json(id="acme/x", provider="acme", provider_model_name="x")]),
            "unknown provider 'acme'",
        ),
    ],
)
def test_invalid_catalogs_are_rejected_with_location(data: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogFormatError, match=message):
        parse_catalog(data)


# --- models.dev input -------------------------------------------------------------------------


def test_models_dev_shape_is_detected_and_converted() -> None:
    catalog = parse_catalog(MODELS_DEV, side=SideData())
    assert [e.id for e in catalog.entries] == ["openai/gpt-5-pro"]  # cohere: no adapter
    pro = catalog.entries[0]
    assert (pro.input_price, pro.output_price) == (Decimal("15"), Decimal("120"))
    assert not pro.capabilities.responses_api  # no side data given
    assert catalog.version.startswith("2025.10.06-models.dev-")


def test_models_dev_uses_bundled_side_data_by_default() -> None:
    catalog = parse_catalog(json.dumps(MODELS_DEV))
    pro = catalog.get("openai/gpt-5-pro")
    assert pro is not None and pro.capabilities.responses_api  # known from the bundle
    dalle = catalog.get("openai/dall-e-3")  # missing from models.dev: kept from the bundle
    assert dalle is not None and dalle.image_price == Decimal("0.04")


def test_models_dev_without_supported_providers() -> None:
    with pytest.raises(CatalogFormatError, match="none of the supported providers"):
        parse_catalog({"cohere": MODELS_DEV["cohere"]})


def test_models_dev_bad_value_names_model_and_field() -> None:
    bad = json.loads(json.dumps(MODELS_DEV))
    bad["openai"]["models"]["gpt-5-pro"]["limit"]["context"] = "big"
    with pytest.raises(CatalogFormatError, match=r"openai/gpt-5-pro\.limit\.context"):
        parse_catalog(bad, side=SideData())


# --- reading sources --------------------------------------------------------------------------


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1 serving ``tmp_path``."""
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_read_from_file(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    catalog = Catalog(version="v1", entries=[make_entry()])
    path.write_bytes(catalog.to_json_bytes())
    assert read_catalog_source(str(path)) == catalog


def test_read_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogFormatError, match=r"missing\.json: no such file"):
        read_catalog_source(str(tmp_path / "missing.json"))
    with pytest.raises(CatalogFormatError, match="is a directory"):
        read_catalog_source(str(tmp_path))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    with pytest.raises(CatalogFormatError, match=r"broken\.json: catalog: not valid JSON"):
        read_catalog_source(str(broken))


def test_read_from_http(http_dir: tuple[Path, str]) -> None:
    root, base = http_dir
    catalog = Catalog(version="v2", entries=[make_entry(), make_entry("gpt-5")])
    (root / "catalog.json").write_bytes(catalog.to_json_bytes())
    (root / "api.json").write_text(json.dumps(MODELS_DEV))
    assert read_catalog_source(f"{base}/catalog.json") == catalog
    from_models_dev = read_catalog_source(f"{base}/api.json")
    assert from_models_dev.get("openai/gpt-5-pro") is not None


def test_read_http_errors(http_dir: tuple[Path, str]) -> None:
    root, base = http_dir
    with pytest.raises(CatalogFormatError, match=r"missing\.json: download failed \(HTTP 404"):
        read_catalog_source(f"{base}/missing.json")
    (root / "empty.json").write_text(json.dumps(our_file([])))
    with pytest.raises(CatalogFormatError, match=r"empty\.json: catalog: has no entries"):
        read_catalog_source(f"{base}/empty.json")


def test_read_http_connection_refused() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    port = server.server_address[1]
    server.server_close()  # nothing listens on this port any more
    with pytest.raises(CatalogFormatError, match="download failed"):
        read_catalog_source(f"http://127.0.0.1:{port}/catalog.json")
