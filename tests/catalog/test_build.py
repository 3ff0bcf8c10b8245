"""Builder tests: known facts from the real catalog-source snapshot, plus mapping rules on
small models.dev-shaped dicts."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from modelyard.catalog import (
    PROVIDERS,
    Catalog,
    CatalogEntry,
    CatalogFormatError,
    SideData,
    build_catalog,
    build_from_source_dir,
    derive_version,
    detect_kind,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = next(
    (
        candidate
        for candidate in (
            REPO_ROOT.parent / "shared" / "catalog-source",
            Path("/work/shared/catalog-source"),
        )
        if candidate.is_dir()
    ),
    REPO_ROOT.parent / "shared" / "catalog-source",
)
BUNDLED_FILE = REPO_ROOT / "src" / "modelyard" / "catalog" / "data" / "catalog.json"

needs_source = pytest.mark.skipif(
    not SOURCE_DIR.is_dir(), reason=f"catalog source snapshot {SOURCE_DIR} is not available"
)


@pytest.fixture(scope="module")
def built() -> Catalog:
    if not SOURCE_DIR.is_dir():
        pytest.skip(f"catalog source snapshot {SOURCE_DIR} is not available")
    return build_from_source_dir(SOURCE_DIR)


def entry(catalog: Catalog, entry_id: str) -> CatalogEntry:
    found = catalog.get(entry_id)
    assert found is not None, f"{entry_id} missing from the catalog"
    return found


# --- facts from the real snapshot -------------------------------------------------------------


def test_version_comes_from_snapshot_commit(built: Catalog) -> None:
    assert built.version == "2026.07.02-models.dev-f3fc692"


def test_gpt_4o(built: Catalog) -> None:
    gpt_4o = entry(built, "openai/gpt-4o")
    assert gpt_4o.kind == "completion"
    assert gpt_4o.display_name == "GPT-4o"
    assert (gpt_4o.input_price, gpt_4o.output_price) == (Decimal("2.5"), Decimal("10"))
    assert gpt_4o.cache_read_price == Decimal("1.25")
    assert gpt_4o.cache_write_price is None
    assert (gpt_4o.context_window, gpt_4o.max_output_tokens) == (128000, 16384)
    caps = gpt_4o.capabilities
    assert caps.image_analysis and caps.tools and caps.canvas and caps.temperature
    assert not caps.responses_api and not gpt_4o.reasoning


def test_gpt_5_input_limit_and_reasoning(built: Catalog) -> None:
    gpt_5 = entry(built, "openai/gpt-5")
    assert (gpt_5.context_window, gpt_5.max_input_tokens) == (400000, 272000)
    assert gpt_5.reasoning and gpt_5.capabilities.always_show_reasoning
    assert not gpt_5.capabilities.temperature


def test_anthropic_cache_write_price(built: Catalog) -> None:
    sonnet = entry(built, "anthropic/claude-sonnet-4-5-20250929")
    assert sonnet.cache_write_price == Decimal("3.75")
    assert sonnet.cache_read_price == Decimal("0.3")


def test_gemini_2_5_pro_context(built: Catalog) -> None:
    pro = entry(built, "google/gemini-2.5-pro")
    assert pro.context_window == 1048576
    assert pro.max_output_tokens == 65536
    assert pro.input_price == Decimal("1.25")


def test_embeddings(built: Catalog) -> None:
    small = entry(built, "openai/text-embedding-3-small")
    assert small.kind == "embedding"
    assert small.embedding_dimensions == 1536
    assert small.context_window == 8191
    assert small.max_output_tokens is None and small.output_price is None
    assert small.input_price == Decimal("0.02")
    # models.dev puts 1 in limit.output when the vector size is unknown
    assert entry(built, "google/gemini-embedding-001").embedding_dimensions is None
    assert entry(built, "mistral/mistral-embed").kind == "embedding"
    assert entry(built, "azure/cohere-embed-v3-english").embedding_dimensions == 1024


def test_responses_api_only_for_listed_openai_and_azure_models(built: Catalog) -> None:
    assert entry(built, "openai/gpt-5-pro").capabilities.responses_api
    assert entry(built, "azure/gpt-5-pro").capabilities.responses_api
    assert entry(built, "openai/o3-pro").capabilities.responses_api
    assert not entry(built, "openai/gpt-5").capabilities.responses_api


def test_image_models(built: Catalog) -> None:
    gpt_image = entry(built, "openai/gpt-image-1")
    assert gpt_image.kind == "image"
    assert gpt_image.image_price == Decimal("0.042")  # medium quality, 1024x1024
    assert gpt_image.image_editing
    assert gpt_image.context_window is None and gpt_image.max_output_tokens is None
    # no cost in models.dev: token prices filled from genai-prices (image output rate)
    assert (gpt_image.input_price, gpt_image.output_price) == (Decimal("5"), Decimal("40"))
    assert entry(built, "azure/gpt-image-1").image_price == Decimal("0.042")
    assert entry(built, "xai/grok-imagine-image").kind == "image"
    assert entry(built, "openai/chatgpt-image-latest").kind == "image"


def test_dall_e_added_from_image_prices(built: Catalog) -> None:
    dalle3 = entry(built, "openai/dall-e-3")
    assert dalle3.kind == "image"
    assert dalle3.image_price == Decimal("0.04")
    assert not dalle3.image_editing
    dalle2 = entry(built, "openai/dall-e-2")
    assert dalle2.image_price == Decimal("0.02") and dalle2.image_editing
    assert entry(built, "azure/dall-e-3").image_price == Decimal("0.04")
    assert built.get("azure/dall-e-2") is None  # retired on Azure


def test_gemini_image_models_stay_chat_models(built: Catalog) -> None:
    flash_image = entry(built, "google/gemini-2.5-flash-image")
    assert flash_image.kind == "completion"
    assert flash_image.image_editing
    assert flash_image.image_price == Decimal("0.039")
    assert entry(built, "azure/gpt-5.1").kind == "completion"  # lists image output too


def test_skipped_models(built: Catalog) -> None:
    ids = {e.id for e in built.entries}
    assert {e.provider for e in built.entries} == set(PROVIDERS)
    assert "azure/claude-sonnet-4-5" not in ids  # Anthropic wire on Azure
    assert "google/gemini-2.5-flash-preview-tts" not in ids  # audio output only
    assert "xai/grok-imagine-video" not in ids  # video output only
    assert "azure/gpt-4o" in ids


def test_deprecated_entries_are_kept_and_flagged(built: Catalog) -> None:
    assert entry(built, "anthropic/claude-3-opus-20240229").deprecated
    assert entry(built, "google/gemini-2.0-flash").deprecated
    assert not entry(built, "anthropic/claude-sonnet-4-5").deprecated


def test_azure_missing_temperature_defaults_to_true(built: Catalog) -> None:
    assert entry(built, "azure/model-router").capabilities.temperature


def test_prices_match_genai_prices(built: Catalog) -> None:
    genai = json.loads((SOURCE_DIR / "genai-prices-v2-data_slim.json").read_text())
    openai = next(p for p in genai if p["id"] == "openai")
    gpt_4o = next(m for m in openai["models"] if m["id"] == "gpt-4o")["prices"]
    ours = entry(built, "openai/gpt-4o")
    assert ours.input_price == Decimal(str(gpt_4o["input_mtok"]))
    assert ours.output_price == Decimal(str(gpt_4o["output_mtok"]))


def test_entries_sorted_and_unique(built: Catalog) -> None:
    ids = [e.id for e in built.entries]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


@needs_source
def test_bundled_file_equals_a_fresh_build(built: Catalog) -> None:
    assert BUNDLED_FILE.read_bytes() == built.to_json_bytes(), (
        "bundled catalog is stale: run `python scripts/build_catalog.py`"
    )


@needs_source
def test_build_script_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    cmd = [sys.executable, str(REPO_ROOT / "scripts" / "build_catalog.py")]
    subprocess.run([*cmd, "--source", str(SOURCE_DIR), "--out", str(out)], check=True)
    assert out.read_bytes() == BUNDLED_FILE.read_bytes()
    subprocess.run(
        [*cmd, "--source", str(SOURCE_DIR), "--out", str(out), "--version", "test-1"], check=True
    )
    assert json.loads(out.read_bytes())["version"] == "test-1"


def test_build_script_reports_missing_source(tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "build_catalog.py"
    result = subprocess.run(
        [sys.executable, str(script), "--source", str(tmp_path), "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "models-dev-catalog.json: file not found" in result.stderr


# --- mapping rules on small inputs ------------------------------------------------------------


def model(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Test",
        "tool_call": True,
        "modalities": {"input": ["text"], "output": ["text"]},
        "limit": {"context": 1000, "output": 100},
        "cost": {"input": 1, "output": 2},
    }
    return base | fields


IMAGE_AND_TEXT = {"input": ["text"], "output": ["text", "image"]}


@pytest.mark.parametrize(
    ("model_id", "fields", "kind"),
    [
        ("text-embedding-3-small", {"family": "text-embedding"}, "embedding"),
        ("cohere-embed-v3", {"family": "cohere-embed"}, "embedding"),
        ("gpt-image-1.5", {"family": "gpt-image", "modalities": IMAGE_AND_TEXT}, "image"),
        ("imagen", {"family": "x", "modalities": {"output": ["image"]}}, "image"),
        (
            "gemini-2.5-flash-image",
            {"family": "gemini", "modalities": IMAGE_AND_TEXT},
            "completion",
        ),
        ("gpt-5.1", {"family": "gpt", "modalities": IMAGE_AND_TEXT}, "completion"),
        ("tts", {"family": "gemini", "modalities": {"output": ["audio"]}}, None),
        ("gpt-4o", {"family": "gpt"}, "completion"),
    ],
)
def test_detect_kind(model_id: str, fields: dict[str, Any], kind: str | None) -> None:
    assert detect_kind(model_id, fields) == kind


def test_build_small_catalog() -> None:
    source = {
        "openai": {"models": {"gpt-x": model(temperature=False, reasoning=True)}},
        "azure": {
            "models": {
                "claude-x": model(provider={"npm": "@ai-sdk/anthropic"}),
                "gpt-x": model(),  # no temperature key: defaults to true
                "text-embedding-x": model(
                    family="text-embedding", limit={"context": 8, "output": 1}
                ),
            }
        },
        "amazon-bedrock": {"models": {"titan": model()}},
    }
    side = SideData(
        responses_only=frozenset({"gpt-x"}), image_prices={("openai", "dall-e-3"): Decimal("0.04")}
    )
    catalog = build_catalog(source, side, version="v1")
    assert [e.id for e in catalog.entries] == [
        "azure/gpt-x",
        "azure/text-embedding-x",
        "openai/dall-e-3",
        "openai/gpt-x",
    ]
    openai = entry(catalog, "openai/gpt-x")
    assert openai.capabilities.responses_api and openai.reasoning
    assert not openai.capabilities.temperature
    assert entry(catalog, "azure/gpt-x").capabilities.temperature
    embedding = entry(catalog, "azure/text-embedding-x")
    assert embedding.embedding_dimensions is None and embedding.output_price is None


def test_prices_are_exact_decimals() -> None:
    source = {"openai": {"models": {"m": model(cost={"input": 0.1, "output": 1.1e-05})}}}
    m = entry(build_catalog(source, version="v"), "openai/m")
    assert m.input_price == Decimal("0.1")
    assert m.output_price == Decimal("0.000011")
    assert b'"0.000011"' in build_catalog(source, version="v").to_json_bytes()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"cost": {"input": "cheap"}}, "openai/m.cost.input: expected a number, got 'cheap'"),
        ({"cost": {"input": -1}}, "openai/m.cost.input: expected a non-negative"),
        ({"limit": {"context": 1.5}}, "openai/m.limit.context: expected an integer"),
        ({"tool_call": "yes"}, "openai/m.tool_call: expected true or false"),
        ({"modalities": {"output": "text"}}, "openai/m.modalities.output: expected a list"),
    ],
)
def test_bad_models_dev_values_name_the_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogFormatError, match=message.replace(".", r"\.")):
        build_catalog({"openai": {"models": {"m": model(**fields)}}})


def test_derived_version_is_stable_without_readme() -> None:
    source = {"openai": {"models": {"m": model(last_updated="2026-01-02")}}}
    version = derive_version(source)
    assert version.startswith("2026.01.02-models.dev-")
    assert derive_version(json.loads(json.dumps(source))) == version
    other = {"openai": {"models": {"m": model(last_updated="2026-01-02", name="Other")}}}
    assert derive_version(other) != version
