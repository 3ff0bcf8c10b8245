"""Chunking is pure: sizes, boundaries, overlap and nothing lost."""

from __future__ import annotations

import itertools
import re

import pytest

from modelyard.knowledge.chunking import chunk_text

SENTENCE = "The quick brown fox jumps over the lazy dog number {n}. "


def _paragraph(sentences: int, start: int = 0) -> str:
    return "".join(SENTENCE.format(n=n) for n in range(start, start + sentences)).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


def test_blank_text_has_no_chunks() -> None:
    assert chunk_text("") == []
    assert chunk_text(" \n\n\t \r\n") == []


def test_short_text_is_one_stripped_chunk() -> None:
    assert chunk_text("  vec:0.6,0.8\n") == ["vec:0.6,0.8"]
    assert chunk_text("one\r\n\r\ntwo") == ["one\n\ntwo"]


def test_small_paragraphs_share_a_chunk() -> None:
    text = "First paragraph.\n\nSecond paragraph.\n\n\nThird."
    assert chunk_text(text) == ["First paragraph.\n\nSecond paragraph.\n\nThird."]


def test_every_heading_starts_a_chunk() -> None:
    text = "Intro.\n\n# One\n\nAbout one.\n\n## Two\nAbout two.\n\n#hashtag is not a heading"
    assert chunk_text(text) == [
        "Intro.",
        "# One\n\nAbout one.",
        "## Two\n\nAbout two.\n\n#hashtag is not a heading",
    ]


def test_long_text_is_cut_between_sentences_within_the_size() -> None:
    text = "\n\n".join(_paragraph(12, start=12 * p) for p in range(6))
    chunks = chunk_text(text, size=400, overlap=60)
    assert len(chunks) > 6
    assert all(len(chunk) <= 400 for chunk in chunks)
    # Cuts fall after a sentence (or a carried overlap ends with one).
    assert all(chunk.endswith(".") for chunk in chunks)


def test_consecutive_chunks_of_a_section_overlap() -> None:
    chunks = chunk_text(_paragraph(40), size=300, overlap=60)
    for previous, current in itertools.pairwise(chunks):
        carried = current.split("\n\n")[0]
        assert 0 < len(carried) <= 60
        assert previous.endswith(carried)


def test_no_word_is_lost_and_order_is_kept() -> None:
    text = "# Title\n\n" + "\n\n".join(_paragraph(7, start=7 * p) for p in range(10))
    chunks = chunk_text(text, size=250, overlap=50)
    seen = [w for chunk in chunks for w in _words(chunk)]
    words = _words(text)
    # Every word appears, in order (overlaps repeat some, which the subsequence check allows).
    iterator = iter(seen)
    assert all(word in iterator for word in words)


def test_a_fenced_code_block_keeps_its_blank_lines() -> None:
    code = "```python\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n```"
    chunks = chunk_text(f"Some code:\n\n{code}\n\nAfter.")
    assert chunks == [f"Some code:\n\n{code}\n\nAfter."]


def test_overlong_lines_and_words_are_cut_to_the_size() -> None:
    chunks = chunk_text("x" * 2000, size=500, overlap=0)
    assert len(chunks) == 5 and all(len(c) <= 500 for c in chunks)
    assert "".join(chunks) == "x" * 2000
    lines = "\n".join(f"line {n}" for n in range(300))
    assert all(len(c) <= 500 for c in chunk_text(lines, size=500, overlap=100))


@pytest.mark.parametrize(("size", "overlap"), [(10, 0), (800, 400), (800, -1)])
def test_nonsense_sizes_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        chunk_text("text", size=size, overlap=overlap)
