"""The one way a channel records what it sent (`outbound_message`): the provider's id for
its status reports, the path taken, and a refusal, with the chat marked unreachable when
the refusal says it is gone. Texts are never recorded: they hold what citizens told us."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from models.channels import mark_unreachable, record_outbound


@dataclass(frozen=True)
class Outbound:
    kind: str  # "reply", or the notification's kind
    path: str  # one of models.tables.OUTBOUND_PATHS
    status: str  # one of models.tables.OUTBOUND_STATUSES
    provider_message_id: str | None = None
    template: str | None = None
    variables: Mapping[str, Any] | None = None
    error_code: str | None = None


def record(
    engine: Engine,
    channel: str,
    chat_id: str,
    messages: Iterable[Outbound],
    *,
    at: datetime,
    unreachable: str | None = None,
) -> None:
    """In one transaction; `unreachable`: why the chat cannot be reached (it is marked)."""
    with Session(engine) as session, session.begin():
        for message in messages:
            record_outbound(
                session,
                channel=channel,
                chat_id=chat_id,
                kind=message.kind,
                path=message.path,
                status=message.status,
                at=at,
                provider_message_id=message.provider_message_id,
                template=message.template,
                variables=dict(message.variables) if message.variables is not None else None,
                error_code=message.error_code,
            )
        if unreachable is not None:
            mark_unreachable(session, channel, chat_id, at=at, reason=unreachable)
