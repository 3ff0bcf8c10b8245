"""OpenAI's Responses API, inbound: ``inbound`` (body -> ChatRequest), ``outbound`` (answer ->
response object), ``stream`` (events -> Responses events), ``store`` (stored responses),
``handler`` (the routes), ``openapi`` (their documentation)."""
