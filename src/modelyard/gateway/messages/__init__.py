"""Anthropic's Messages API, inbound: ``POST /v1/messages`` and ``/v1/messages/count_tokens``.

An edge of the one call path (:mod:`modelyard.gateway.chat_pipeline`), over every upstream wire
format: :mod:`.inbound` turns the body into a :class:`~modelyard.llm_types.ChatRequest`,
:mod:`.outbound` renders the answer as a ``message``, :mod:`.stream` as Anthropic's events,
:mod:`.errors` every refusal in Anthropic's error shape, :mod:`.handler` ties them together.
"""
