"""Which certificates the upstream client trusts, and what a refused certificate means.

The system's store (which OpenSSL's ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` replace, as for
any client) plus, when set, ``MODELYARD_CA_BUNDLE``: a PEM file of further CAs, such as the
one a TLS-inspecting corporate proxy signs its certificates with. Added, not replacing, so
providers reached without the proxy (``NO_PROXY``) keep verifying against the usual roots.
"""

from __future__ import annotations

import ssl
from pathlib import Path

CA_HINT = "if a TLS-inspecting proxy signs it, trust that proxy's CA with MODELYARD_CA_BUNDLE"


def client_context(ca_bundle: Path | None = None) -> ssl.SSLContext:
    """A verifying client context: the default store and the extra bundle, if any."""
    context = ssl.create_default_context()
    if ca_bundle is not None:
        context.load_verify_locations(cafile=str(ca_bundle))
    return context


def refused_certificate(exc: ssl.SSLCertVerificationError) -> str:
    """A message for a certificate the client did not trust, saying why and what to do."""
    why = f" ({exc.verify_message})" if exc.verify_message else ""
    return (
        f"Could not reach the provider: SSLCertVerificationError, its certificate is not "
        f"trusted{why}; {CA_HINT}."
    )
