"""Choosing a deployment of a model: round robin for now (limits and health come with routing)."""

from __future__ import annotations

from modelyard.routing.snapshot import DeploymentConfig, ModelConfig


class DeploymentPicker:
    def __init__(self) -> None:
        self._turn: dict[str, int] = {}

    def pick(self, model: ModelConfig) -> DeploymentConfig:
        turn = self._turn.get(model.id, 0)
        self._turn[model.id] = turn + 1
        return model.deployments[turn % len(model.deployments)]
