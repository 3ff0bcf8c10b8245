"""The OpenAI-compatible gateway (``/v1``): inbound translation, auth, SSE framing, routes.

The OpenAI dialect spoken here is an adapter like any provider's: ``inbound`` turns request
bodies into ``llm_types``, ``outbound`` turns answers back into OpenAI's shapes.
"""
