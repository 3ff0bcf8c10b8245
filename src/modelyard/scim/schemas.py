"""The discovery documents (RFC 7643 §5-7): what this service provider supports, and the
schemas of the two resources, limited to the attributes Modelyard keeps.

What a schema says is what the server does: an identity provider (and the compliance checker)
may rely on every attribute published as writable being stored and read back as sent. Values
Modelyard derives are ``readOnly``; ``name.formatted`` and ``members.display`` are derived and
``returned: request`` (named in ``attributes`` to be sent). Other attributes a provider sends
(phone numbers, titles, the enterprise extension) are accepted and ignored.
"""

from __future__ import annotations

from typing import Any

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
_SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
_RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# The most resources one list answer carries (``count`` above it is lowered to it).
MAX_RESULTS = 200


def _attr(
    name: str,
    kind: str = "string",
    *,
    description: str,
    multi: bool = False,
    required: bool = False,
    case_exact: bool = False,
    mutability: str = "readWrite",
    returned: str = "default",
    uniqueness: str = "none",
    sub: list[dict[str, Any]] | None = None,
    canonical: list[str] | None = None,
    references: list[str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub is not None:
        out["subAttributes"] = sub
    if canonical is not None:
        out["canonicalValues"] = canonical
    if references is not None:
        out["referenceTypes"] = references
    return out


_USER_ATTRIBUTES = [
    _attr(
        "userName",
        description="The Modelyard email of the user (stored lower-cased).",
        required=True,
        uniqueness="server",
    ),
    _attr(
        "name",
        "complex",
        description="The parts of the user's name; Modelyard keeps one name (see displayName).",
        sub=[
            _attr(
                "formatted",
                description="The full name: the user's Modelyard name.",
                mutability="readOnly",
                returned="request",
            ),
            _attr("familyName", description="The last word of the Modelyard name."),
            _attr("givenName", description="The Modelyard name before its last word."),
        ],
    ),
    _attr("displayName", description="The user's name as Modelyard shows it."),
    _attr(
        "active",
        "boolean",
        description="False: the user cannot sign in and every API key is revoked.",
        required=True,
    ),
    _attr(
        "emails",
        "complex",
        multi=True,
        mutability="readOnly",
        description="The user's email: the same as userName (set userName to change it).",
        sub=[
            _attr("value", description="The email address.", mutability="readOnly"),
            _attr(
                "type",
                description="Always 'work'.",
                mutability="readOnly",
                canonical=["work"],
            ),
            _attr("primary", "boolean", description="Always true.", mutability="readOnly"),
        ],
    ),
    _attr(
        "groups",
        "complex",
        multi=True,
        mutability="readOnly",
        description="The groups the user belongs to (set through the Groups resource).",
        sub=[
            _attr("value", description="The group's id.", mutability="readOnly"),
            _attr(
                "$ref",
                "reference",
                description="The group's URI.",
                mutability="readOnly",
                references=["Group"],
            ),
            _attr("display", description="The group's name.", mutability="readOnly"),
            _attr(
                "type",
                description="Always 'direct'.",
                mutability="readOnly",
                canonical=["direct"],
            ),
        ],
    ),
]

_GROUP_ATTRIBUTES = [
    _attr(
        "displayName",
        description="The Modelyard group's name (unique in the workspace, ignoring case).",
        required=True,
        uniqueness="server",
    ),
    _attr(
        "members",
        "complex",
        multi=True,
        description="The users in the group (nested groups are not supported).",
        sub=[
            _attr("value", description="The user's id.", mutability="immutable"),
            _attr(
                "$ref",
                "reference",
                description="The user's URI.",
                mutability="immutable",
                references=["User"],
            ),
            _attr(
                "type",
                description="Always 'User'.",
                mutability="immutable",
                canonical=["User"],
            ),
            _attr(
                "display",
                description="The user's name, else their email.",
                mutability="readOnly",
                returned="request",
            ),
        ],
    ),
]

_SCHEMAS = {
    USER_SCHEMA: ("User", "A Modelyard user.", _USER_ATTRIBUTES),
    GROUP_SCHEMA: (
        "Group",
        "A Modelyard group: model access and budgets by group.",
        _GROUP_ATTRIBUTES,
    ),
}
_RESOURCE_TYPES = {
    "User": ("/Users", USER_SCHEMA, "Modelyard users"),
    "Group": ("/Groups", GROUP_SCHEMA, "Modelyard groups"),
}


def service_provider_config(base: str) -> dict[str, Any]:
    return {
        "schemas": [_SPC],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A SCIM token from POST /api/scim-tokens: "
                "'Authorization: Bearer <token>'.",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base}/ServiceProviderConfig",
        },
    }


def resource_type(base: str, name: str) -> dict[str, Any] | None:
    found = _RESOURCE_TYPES.get(name)
    if found is None:
        return None
    endpoint, schema, description = found
    return {
        "schemas": [_RESOURCE_TYPE],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": schema,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": f"{base}/ResourceTypes/{name}"},
    }


def resource_types(base: str) -> list[dict[str, Any]]:
    return [doc for name in _RESOURCE_TYPES if (doc := resource_type(base, name)) is not None]


def schema(base: str, schema_id: str) -> dict[str, Any] | None:
    found = _SCHEMAS.get(schema_id)
    if found is None:
        return None
    name, description, attributes = found
    return {
        "schemas": [_SCHEMA],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{schema_id}"},
    }


def all_schemas(base: str) -> list[dict[str, Any]]:
    return [doc for schema_id in _SCHEMAS if (doc := schema(base, schema_id)) is not None]


def list_response(
    resources: list[dict[str, Any]], total: int, start_index: int = 1
) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
