"""Modelyard: a self-hosted bring-your-own-key model hub with an OpenAI-compatible gateway."""

__version__ = "0.1.0"
