"""The filter grammar on its own: parsing, precedence, evaluation and its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from modelyard.scim import filters
from modelyard.scim.errors import ScimError

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ADA: dict[str, Any] = {
    "id": "usr_1",
    "externalId": "Ext-1",
    "userName": "ada@example.com",
    "displayName": "Ada Lovelace",
    "name": {"givenName": "Ada", "familyName": "Lovelace"},
    "active": True,
    "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
    "meta": {"created": "2026-01-02T00:00:00+00:00"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "ADA@example.com"', True),  # case-insensitive
        ('UserName Eq "ada@example.com"', True),  # names and operators too
        (f'{USER}:userName eq "ada@example.com"', True),
        ('externalId eq "ext-1"', False),  # case-exact
        ('externalId eq "Ext-1"', True),
        ('displayName co "love"', True),
        ('displayName sw "Ada"', True),
        ('displayName ew "lace"', True),
        ('displayName sw "Love"', False),
        ('name.familyName eq "Lovelace"', True),
        ('emails.value eq "ada@example.com"', True),
        ('emails eq "ada@example.com"', True),
        ('emails[type eq "work"]', True),
        ('emails[type eq "home"]', False),
        ('emails[type eq "work"].value eq "ada@example.com"', True),
        ('emails[type eq "work" and primary eq true]', True),
        ("active eq true", True),
        ("active eq false", False),
        ("title pr", False),
        ("displayName pr", True),
        ('userName eq "x" or displayName co "Ada"', True),
        ('userName eq "x" or displayName co "Ada" and active eq false', False),
        ('(userName eq "x" or displayName co "Ada") and active eq true', True),
        ('not (userName eq "x")', True),
        ('userName ne "x"', True),
        ('meta.created gt "2026-01-01T00:00:00+00:00"', True),
        ('meta.created lt "2026-01-01T00:00:00+00:00"', False),
        ('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', False),
        ('nickName eq "x"', False),
        ("nickName eq null", True),
        ('userName eq "quote \\" inside"', False),
    ],
)
def test_filters_evaluate_as_the_rfc_says(text: str, expected: bool) -> None:
    assert filters.matches(filters.parse(text, USER), ADA) is expected


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("userName eq", "ends too early"),
        ('userName equals "x"', "'equals' is not a comparison operator"),
        ("userName eq ada", "quote strings"),
        ('(userName eq "x"', "ends too early"),
        ('userName eq "x")', "Unexpected ')'"),
        ('userName eq "x" and', "ends too early"),
        ('emails[type eq "work"', "ends too early"),
        ('"x" eq userName', "Expected an attribute name"),
        ("", "empty"),
        ('9bad eq "x"', "not an attribute name"),
    ],
)
def test_malformed_filters_are_an_invalid_filter_naming_the_problem(text: str, detail: str) -> None:
    with pytest.raises(ScimError) as caught:
        filters.parse(text, USER)
    assert caught.value.status == 400
    assert caught.value.scim_type == "invalidFilter"
    assert detail in caught.value.detail


def test_a_deeply_nested_filter_is_refused_not_crashed() -> None:
    text = "(" * 1900 + 'userName eq "x"' + ")" * 1900
    with pytest.raises(ScimError) as caught:
        filters.parse(text, USER)
    assert caught.value.scim_type == "invalidFilter"
    assert "nested too deeply" in caught.value.detail


def test_equality_hints_name_what_every_match_must_equal() -> None:
    attrs = frozenset({"username", "emails.value", "externalid"})
    hint = filters.equality_hint
    assert hint(filters.parse('userName eq "a@b.c"', USER), attrs) == ("username", "a@b.c")
    assert hint(filters.parse('active eq true and externalId eq "e"', USER), attrs) == (
        "externalid",
        "e",
    )
    assert hint(filters.parse('emails[type eq "work"].value eq "a@b.c"', USER), attrs) == (
        "emails.value",
        "a@b.c",
    )
    assert hint(filters.parse('userName eq "a" or userName eq "b"', USER), attrs) is None
    assert hint(filters.parse('displayName eq "a"', USER), attrs) is None
