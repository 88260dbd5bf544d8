"""Adapters by kind: several gateways can coexist, each municipality's `GatewayConfig` names its kind.

A new gateway is one adapter class registered here (``@register("kind", label=...)``) and a
configuration row; nothing else in madoguchi changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from madoguchi.payments.gateways.base import GatewayAdapter
    from madoguchi.payments.models import GatewayConfig

AdapterFactory = Callable[["GatewayConfig"], "GatewayAdapter"]


@dataclass(frozen=True)
class Registered:
    kind: str
    label: str
    factory: AdapterFactory


_REGISTRY: dict[str, Registered] = {}


class UnknownKind(LookupError):
    pass


def register(kind: str, *, label: str) -> Callable[[AdapterFactory], AdapterFactory]:
    def decorator(factory: AdapterFactory) -> AdapterFactory:
        if kind in _REGISTRY and _REGISTRY[kind].factory is not factory:
            raise ValueError(f"gateway kind {kind!r} is already registered")
        _REGISTRY[kind] = Registered(kind, label, factory)
        return factory

    return decorator


def kinds() -> list[Registered]:
    return sorted(_REGISTRY.values(), key=lambda r: r.kind)


def adapter_for(config: GatewayConfig) -> GatewayAdapter:
    try:
        registered = _REGISTRY[config.kind]
    except KeyError:
        raise UnknownKind(config.kind) from None
    return registered.factory(config)
