"""What a model's settings do to a call: capability checks and request shaping.

Everything here happens before any upstream call, so a refused request costs nothing.
"""

from __future__ import annotations

from modelyard.errors import BadRequest
from modelyard.llm_types import ChatRequest, ImagePart, ImageRequest
from modelyard.routing.snapshot import ModelConfig
from modelyard.routing.tokens import estimate_prompt_tokens


def shape_chat(model: ModelConfig, request: ChatRequest) -> tuple[ChatRequest, int]:
    """The request as this model may receive it, and the prompt-size estimate.

    Refuses image inputs without image analysis and tools without tool support; drops
    temperature and top_p when the model does not take them; caps ``max_tokens`` at the
    model's max output and at what the context window leaves; refuses prompts that cannot fit.
    """
    caps = model.capabilities
    # Pictures only: documents and audio are parts like images but not what image analysis
    # is about (a wire that cannot take them refuses them by name, see dispatch).
    if not caps.image_analysis and any(
        type(part) is ImagePart for message in request.messages for part in message.parts
    ):
        raise BadRequest(
            f"The model '{model.slug}' does not support image inputs (image analysis is off).",
            param="messages",
            code="image_input_not_supported",
        )
    if request.tools and not caps.tools:
        raise BadRequest(
            f"The model '{model.slug}' does not support tools.",
            param="tools",
            code="tools_not_supported",
        )
    prompt = estimate_prompt_tokens(request)
    max_tokens = request.max_tokens
    if model.max_output_tokens is not None:
        max_tokens = min(max_tokens or model.max_output_tokens, model.max_output_tokens)
    if model.context_window is not None:
        room = model.context_window - prompt
        if room <= 0:
            raise BadRequest(
                f"The prompt (about {prompt} tokens) does not fit the context window of "
                f"'{model.slug}' ({model.context_window} tokens).",
                param="messages",
                code="context_length_exceeded",
            )
        max_tokens = min(max_tokens or room, room)
    shaped = request.replaced(
        max_tokens=max_tokens,
        include_reasoning=request.include_reasoning or caps.always_show_reasoning,
        temperature=request.temperature if caps.temperature else None,
        top_p=request.top_p if caps.temperature else None,
    )
    return shaped, prompt


def check_image_request(model: ModelConfig, request: ImageRequest) -> None:
    if request.is_edit and not model.image_editing:
        raise BadRequest(
            f"The model '{model.slug}' does not support image editing.",
            param="model",
            code="image_editing_not_supported",
        )
