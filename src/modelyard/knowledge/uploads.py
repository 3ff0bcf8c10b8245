"""What a document upload may be: plain text or Markdown, at most 2 MB, decodable, not empty.

Checked before anything is embedded or stored, so a refused upload costs nothing and leaves
nothing behind. The statuses say what is wrong: 415 for another kind of file, 413 for too large
a one, 422 for text that is empty or cannot be decoded.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import PurePosixPath

from modelyard.errors import InvalidInput

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
PLAIN, MARKDOWN = "text/plain", "text/markdown"
_ALIASES = {PLAIN: PLAIN, MARKDOWN: MARKDOWN, "text/x-markdown": MARKDOWN}
_EXTENSIONS = {".txt": PLAIN, ".text": PLAIN, ".md": MARKDOWN, ".markdown": MARKDOWN}
# What clients send when they do not know (curl's default for files): decide by the name.
_UNKNOWN = frozenset({"", "application/octet-stream", "binary/octet-stream"})


class PayloadTooLarge(InvalidInput):
    status = 413


class UnsupportedMediaType(InvalidInput):
    status = 415


@dataclass(frozen=True, slots=True)
class Upload:
    """An accepted document: its name, media type, decoded text and size in bytes."""

    name: str
    media_type: str
    text: str
    size: int


def too_large(size: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The document is {size / 1_048_576:.1f} MB; documents may be at most "
        f"{MAX_DOCUMENT_BYTES // 1_048_576} MB.",
        param="file",
        code="document_too_large",
    )


def media_type_of(name: str, declared: str | None) -> tuple[str, str | None]:
    """The document's media type (plain text or Markdown) and declared charset, or 415."""
    base, _, params = (declared or "").partition(";")
    base = base.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    if base in _UNKNOWN:
        guessed = _EXTENSIONS.get(PurePosixPath(name).suffix.lower())
        if guessed is None:
            raise UnsupportedMediaType(
                f"Cannot tell the type of '{name}': send text/plain or text/markdown, or name "
                "it .txt or .md.",
                param="file",
                code="unsupported_media_type",
            )
        return guessed, charset
    if base not in _ALIASES:
        raise UnsupportedMediaType(
            f"Documents must be text/plain or text/markdown, not {base}.",
            param="file",
            code="unsupported_media_type",
        )
    return _ALIASES[base], charset


def _decode(data: bytes, charset: str | None) -> str:
    encoding = charset or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UnsupportedMediaType(
            f"Unknown charset '{encoding}'.", param="file", code="unknown_charset"
        ) from None
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"  # a byte-order mark is not part of the text
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InvalidInput(
            f"The document is not valid {charset or 'UTF-8'} text.",
            param="file",
            code="undecodable_text",
        ) from None


def accept(name: str, declared_type: str | None, data: bytes) -> Upload:
    """Validate an uploaded file (multipart) and decode its text."""
    media_type, charset = media_type_of(name, declared_type)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise too_large(len(data))
    return _checked(Upload(name, media_type, _decode(data, charset), len(data)))


def accept_text(name: str, media_type: str | None, text: str) -> Upload:
    """Validate a document sent as JSON text; its name need not look like a file name (plain
    text unless it says ``.md``)."""
    if media_type is None:
        media_type = _EXTENSIONS.get(PurePosixPath(name).suffix.lower(), PLAIN)
    kind, _ = media_type_of(name, media_type)
    size = len(text.encode())
    if size > MAX_DOCUMENT_BYTES:
        raise too_large(size)
    return _checked(Upload(name, kind, text, size))


def _checked(upload: Upload) -> Upload:
    if not upload.text.strip():
        raise InvalidInput("The document has no text.", param="text", code="empty_document")
    if "\x00" in upload.text:
        raise InvalidInput(
            "The document contains NUL bytes: it is binary, not text.",
            param="file",
            code="undecodable_text",
        )
    return upload
