"""The flows a citizen can walk through, by name, registered in the order of the main menu.

A new flow is registered here (its place is its number on the menu) with its texts in the
catalogues (`flow_name.<name>`, `flow_intro.<name>`, `choice.menu.<name>`). The kinds of
request come first, then cek status and privacy.
"""

from __future__ import annotations

from conversations.flow import Flow
from conversations.flows import perbaikan, perubahan, privacy, sanggahan, status, usulan

FLOWS: dict[str, Flow] = {
    flow.name: flow
    for flow in (
        usulan.FLOW,
        sanggahan.FLOW,
        perbaikan.FLOW,
        perubahan.FLOW,
        status.FLOW,
        privacy.FLOW,
    )
}
