"""The deterministic rules the fake's answers follow (pure functions, no server)."""

from __future__ import annotations

from modelyard.testing.content import (
    echo_answer,
    message_tokens,
    pieces,
    split_json,
    text_tokens,
    tool_arguments,
    truncate,
)


def test_prompt_tokens_are_4_per_message_plus_a_quarter_of_the_characters_plus_85_per_image() -> (
    None
):
    assert text_tokens(0) == 0
    assert text_tokens(1) == 1
    assert text_tokens(8) == 2
    assert text_tokens(9) == 3
    assert message_tokens(["hello", " world"]) == 4 + 3
    assert message_tokens([], images=2) == 4 + 170


def test_answer_pieces_join_back_and_truncate_by_words() -> None:
    answer = echo_answer("  one two\n three  ")
    assert answer == "Echo: one two\n three"
    assert "".join(pieces(answer)) == answer
    assert len(pieces(answer)) == 4
    assert truncate(answer, None) == (answer, False)
    assert truncate(answer, 4) == (answer, False)
    assert truncate(answer, 2) == ("Echo: one", True)
    assert echo_answer("") == "Echo: (no text)"
    assert echo_answer("x" * 300) == "Echo: " + "x" * 200


def test_tool_arguments_follow_the_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["c", "f"]},
            "days": {"type": "integer"},
            "exact": {"type": "boolean"},
            "tags": {"type": "array"},
            "where": {"type": "object", "properties": {"location": {"type": "STRING"}}},
            "note": {"type": ["null", "string"]},
        },
    }
    assert tool_arguments(schema) == {
        "city": "Paris",
        "unit": "c",
        "days": 1,
        "exact": True,
        "tags": [],
        "where": {"location": "Paris"},
        "note": "fake",
    }
    assert tool_arguments(None) == {}


def test_split_json_pieces_join_back() -> None:
    text = '{"city":"Paris"}'
    assert "".join(split_json(text)) == text
    assert len(split_json(text)) == 3
    assert split_json("") == [""]
