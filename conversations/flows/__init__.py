"""The flows a citizen can walk through, by name."""

from __future__ import annotations

from conversations.flow import Flow
from conversations.flows import privacy, sanggahan, status, usulan

FLOWS: dict[str, Flow] = {
    flow.name: flow for flow in (usulan.FLOW, sanggahan.FLOW, status.FLOW, privacy.FLOW)
}
