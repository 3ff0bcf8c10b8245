"""Single sign-on with OpenID Connect: the issuer's metadata and keys (``discovery``), the
authorization code flow with PKCE, state and nonce (``flow``), and who a verified ID token
signs in (``provisioning``). The web pages are ``web.oidc_pages``."""
