"""Workspace Settings -> Models -> Add custom model: the step-by-step wizard of the product
document, for completion, image and embedding models, from the catalog or set up manually."""

from modelyard.web.wizard.routes import router

__all__ = ["router"]
