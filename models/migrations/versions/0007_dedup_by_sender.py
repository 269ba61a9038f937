"""De-duplication keyed on the sender too: UNIQUE (channel, chat_id, message_id).

The chat page lets its client choose `message_id`; keyed on (channel, message_id) alone,
re-using another chat's id returned that chat's recorded replies (its summary: name,
address, phone) and copied its state into the attacker's chat. Provider ids (Telegram
update_id, Twilio MessageSid) are unique per bot anyway, so real retries still match.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_message") as batch:
        batch.drop_constraint("uq_processed_message_channel_message_id", type_="unique")
        batch.create_unique_constraint(
            "uq_processed_message_channel_chat_id_message_id",
            ["channel", "chat_id", "message_id"],
        )


def downgrade() -> None:
    # Rows that differ only by sender would break the narrower constraint: keep the first.
    op.execute(
        "DELETE FROM processed_message WHERE id NOT IN "
        "(SELECT min(id) FROM processed_message GROUP BY channel, message_id)"
    )
    with op.batch_alter_table("processed_message") as batch:
        batch.drop_constraint("uq_processed_message_channel_chat_id_message_id", type_="unique")
        batch.create_unique_constraint(
            "uq_processed_message_channel_message_id", ["channel", "message_id"]
        )
