"""Splitting plain text and Markdown into chunks of about ``size`` characters (pure).

Why chunks look like this:

- A chunk is what a search returns and what an assistant quotes, so it should be one coherent
  piece: chunks are cut between paragraphs, and every Markdown heading starts a new chunk (a
  section's first chunk then says what it is about). A fenced code block is never cut at its
  blank lines.
- Embedding models see a bounded window and one vector summarises the whole chunk, so a chunk
  is at most ``size`` characters; a paragraph longer than that is cut between lines, then
  sentences, then words, and a word longer than that anywhere.
- A passage that straddles a cut would be found from neither side, so a chunk that continues a
  section begins with the last ``overlap`` characters (whole words) of the previous one. A new
  section needs no overlap.

Character counts rather than tokens: no tokenizer download, and ~800 characters (~200 tokens)
is far inside every embedding model's input limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_SIZE = 800
DEFAULT_OVERLAP = 120

_HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_SPACE = re.compile(r"\s+")
_SPLITTERS = (("\n", re.compile(r"\n+")), (" ", _SENTENCE_END), (" ", _SPACE))
_JOIN = "\n\n"


@dataclass(frozen=True, slots=True)
class _Block:
    text: str
    heading: bool


def chunk_text(text: str, size: int = DEFAULT_SIZE, overlap: int = DEFAULT_OVERLAP) -> list[str]:
    """The chunks of ``text``, in order; none for text that is only whitespace."""
    if size < 40 or not 0 <= overlap <= size // 4:
        raise ValueError("size must be >= 40 and overlap between 0 and size / 4")
    limit = size - overlap - len(_JOIN)  # a piece always fits after a carried overlap
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    carried = 0  # leading items of ``current`` that repeat the previous chunk

    def flush(carry: bool) -> None:
        nonlocal current, length, carried
        if len(current) > carried:
            chunks.append(_JOIN.join(current))
        tail = _tail(chunks[-1], overlap) if carry and chunks and len(current) > carried else ""
        current = [tail] if tail else []
        length = len(tail)
        carried = len(current)

    for block in _blocks(text):
        if block.heading:
            flush(carry=False)
        for piece in _pieces(block.text, limit):
            if current and length + len(_JOIN) + len(piece) > size:
                flush(carry=True)
            length += (len(_JOIN) if current else 0) + len(piece)
            current.append(piece)
    flush(carry=False)
    return chunks


def _blocks(text: str) -> list[_Block]:
    """Paragraphs, headings and fenced code blocks, stripped, empty ones dropped."""
    blocks: list[_Block] = []
    lines: list[str] = []
    fence: str | None = None

    def end(heading: bool = False) -> None:
        joined = "\n".join(lines).strip()
        if joined:
            blocks.append(_Block(joined, heading))
        lines.clear()

    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        opener = _FENCE.match(line)
        if fence is not None:
            lines.append(line)
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
                end()
            continue
        if opener:
            end()
            fence = opener.group(1)
            lines.append(line)
        elif _HEADING.match(line):
            end()
            lines.append(line)
            end(heading=True)
        elif not line.strip():
            end()
        else:
            lines.append(line)
    end()
    return blocks


def _pieces(text: str, limit: int, level: int = 0) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, at the gentlest boundary:
    between lines (code and lists keep their shape), then sentences, then words."""
    if len(text) <= limit:
        return [text]
    if level == len(_SPLITTERS):
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    sep, pattern = _SPLITTERS[level]
    pieces: list[str] = []
    for part in pattern.split(text):
        for sub in _pieces(part.strip(), limit, level + 1):
            _pack(pieces, sub, limit, sep)
    return pieces


def _pack(pieces: list[str], text: str, limit: int, sep: str) -> None:
    """Append ``text`` to the last piece if it still fits, else start a new piece."""
    if pieces and len(pieces[-1]) + len(sep) + len(text) <= limit:
        pieces[-1] += sep + text
    elif text:
        pieces.append(text)


def _tail(text: str, overlap: int) -> str:
    """The last ``overlap`` characters of ``text``, starting at a word."""
    if overlap == 0:
        return ""
    if len(text) <= overlap:
        return text
    tail = text[-overlap:]
    if not text[-overlap - 1].isspace():  # the tail starts inside a word: skip to the next
        parts = _SPACE.split(tail, maxsplit=1)
        tail = parts[1] if len(parts) == 2 else tail
    return tail.strip()
