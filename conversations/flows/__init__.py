"""The flows a citizen can walk through, by name."""

from __future__ import annotations

from conversations.flow import EngineConfig, Flow
from conversations.flows import privacy, sanggahan, status, usulan

FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (usulan.FLOW, sanggahan.FLOW, status.FLOW, privacy.FLOW)
}


def default_script(config: EngineConfig | None = None) -> "Script":
    from conversations.engine import Script
    from conversations.validators import default_regions

    return Script(FLOWS, config or EngineConfig(), default_regions())
