"""SCIM 2.0 (RFC 7643/7644) at ``/scim/v2``: identity providers (Okta, Microsoft Entra ID)
create, update, deactivate and delete a workspace's users and groups.

A sub-application of its own (:mod:`modelyard.scim.app`), built on the first ``/scim`` request
so a gateway worker never imports it. Resources are plain JSON dicts: ``users`` and ``groups``
map them to and from rows, ``patch`` and ``filters`` work on the dicts, and every change of a
user's standing goes through :mod:`modelyard.workspace.user_lifecycle`.
"""
