"""Provider adapters: pure translators between ``llm_types`` and each provider's wire format.

``base`` holds the protocols, ``connections`` the endpoint and auth of each provider, one module
per wire format does the translating, ``registry`` wires them together as data, and ``http`` is
the only module here that touches the network.
"""
