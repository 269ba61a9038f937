"""The secret that signs staff sessions, login links and chat-link codes."""

from __future__ import annotations

import secrets
from pathlib import Path


def secret_key(configured: str | None, data_dir: Path) -> str:
    """The configured key, or one made on first start and kept (0600) in the data folder."""
    if configured:
        return configured
    path = data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
