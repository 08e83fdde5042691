"""Consequence models by name: each is a pure function from a pydantic input model to a pydantic
output model, registered here so the API, the CLI (``watchpost dss <model> --param value``) and
the docs list the same set. A model module registers itself when imported; ``MODULES`` names them
so the registry can load every one without the caller knowing which exist."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from pydantic import BaseModel

# Every module that registers models; imported by ``load_all``.
MODULES: tuple[str, ...] = ("command.dss.weather", "command.dss.plume", "command.dss.dense_gas", "command.dss.fire",
                           "command.dss.substances",
                           "command.dss.explosion")


@dataclass(frozen=True)
class Model:
    name: str
    summary: str
    inputs: type[BaseModel]
    outputs: type[BaseModel]
    run: Callable[[BaseModel], BaseModel]
    sources: tuple[str, ...] = field(default=())  # the published method and its worked examples


_MODELS: dict[str, Model] = {}


def register(name: str, summary: str, inputs: type[BaseModel], outputs: type[BaseModel],
             sources: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Decorator: ``@register("pool_fire", "...", PoolFireIn, PoolFireOut)`` on ``def pool_fire(p: PoolFireIn) -> PoolFireOut``."""

    def wrap(fn: Callable) -> Callable:
        if name in _MODELS and _MODELS[name].run is not fn:
            raise ValueError(f"model {name!r} registered twice")
        _MODELS[name] = Model(name, summary, inputs, outputs, fn, tuple(sources))
        return fn

    return wrap


def load_all() -> dict[str, Model]:
    for module in MODULES:
        importlib.import_module(module)
    return dict(sorted(_MODELS.items()))


def get(name: str) -> Model:
    models = load_all()
    if name not in models:
        raise KeyError(f"no model {name!r}; one of {', '.join(models)}")
    return models[name]


def run(name: str, params: dict) -> BaseModel:
    """Validate ``params`` against the model's inputs (ranges included) and run it."""
    m = get(name)
    return m.run(m.inputs.model_validate(params))
