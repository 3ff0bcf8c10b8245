"""Single sign-on: /auth/oidc/login sends the browser to the issuer, the callback signs in."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
