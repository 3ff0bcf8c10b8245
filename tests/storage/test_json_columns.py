"""JSON columns are written and read with orjson (``make_engine``), and still take what only
the standard library handles: integers past 64 bits, non-string keys, ``NaN`` text from an
older writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select, text

from modelyard.storage.engine import make_engine


@pytest.fixture
def table_and_engine(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'json.db'}")
    table = Table("docs", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON))
    table.metadata.create_all(engine)
    yield table, engine
    engine.dispose()


@pytest.mark.parametrize(
    ("value", "read_back"),
    [
        ({"a": [1, 2.5, "ü", None, True]}, {"a": [1, 2.5, "ü", None, True]}),
        ({"big": 2**70}, {"big": 2**70}),  # orjson refuses it: the standard library writes it
        ({1: "one"}, {"1": "one"}),  # as json.dumps would
    ],
)
def test_round_trip(table_and_engine: Any, value: Any, read_back: Any) -> None:
    table, engine = table_and_engine
    with engine.begin() as connection:
        connection.execute(insert(table).values(id=1, doc=value))
    with engine.connect() as connection:
        assert connection.scalar(select(table.c.doc)) == read_back


def test_reads_nan_written_by_the_standard_library(table_and_engine: Any) -> None:
    table, engine = table_and_engine
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO docs (id, doc) VALUES (1, '{\"x\": NaN}')"))
    with engine.connect() as connection:
        doc = connection.scalar(select(table.c.doc))
    assert doc["x"] != doc["x"]  # NaN
