"""The running app keeps forgetting expired data, even after a database blip."""

from __future__ import annotations

import asyncio
from datetime import datetime

from webhook.housekeeping import purge_forever


class FlakyContainer:
    def __init__(self) -> None:
        self.calls = 0

    def purge(self, now: datetime) -> dict[str, int]:
        self.calls += 1
        if self.calls == 1:
            raise ConnectionError("database went away")
        return {"conversations": 1, "deliveries": 0, "lookups": 0}


def test_purging_goes_on_after_a_failure() -> None:
    container = FlakyContainer()

    async def run_a_while() -> None:
        task = asyncio.create_task(purge_forever(container, every_seconds=0.01))  # type: ignore[arg-type]
        while container.calls < 3:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(asyncio.wait_for(run_a_while(), timeout=5))
    assert container.calls >= 3
