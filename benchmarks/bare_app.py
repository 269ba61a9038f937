"""The baseline of benchmarks/load.py: a bare FastAPI endpoint doing what any stateful chat
webhook must do at least (one Redis GET + SET of the chat's state, one PostgreSQL INSERT),
served by uvicorn exactly like `dtsen-bot serve` (same socket, same worker processes).

    python -m benchmarks.bare_app PORT WORKERS   (BARE_DATABASE_URL, BARE_REDIS_URL)
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from fastapi import FastAPI, Request


def create_app() -> FastAPI:
    import redis
    from sqlalchemy import create_engine, text

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    # The same driver and pool as the app (models.database), no pre-ping.
    engine = create_engine(
        os.environ["BARE_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1),
        pool_size=10,  # as load.py gives the app (DB_POOL_SIZE)
        max_overflow=2,
    )
    insert = text("INSERT INTO bare_event (chat, body) VALUES (:chat, :body)")
    cache = redis.Redis.from_url(os.environ["BARE_REDIS_URL"])

    @app.post("/bare")
    def bare(body: dict[str, Any]) -> dict[str, Any]:
        user = str(body.get("user", ""))
        key = f"bare:{user}"
        state = json.loads(cache.get(key) or b"{}")
        state["n"] = state.get("n", 0) + 1
        cache.set(key, json.dumps(state), ex=3600)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(insert, {"chat": user, "body": json.dumps(body)})
        return {"replies": [{"text": f"ok {state['n']}"}]}

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    # As bot.cli.serve.listening_socket does (not imported: older checkouts lack it).
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    config = uvicorn.Config(
        "benchmarks.bare_app:create_app", factory=True, workers=workers, log_level="warning"
    )
    if workers == 1:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        Multiprocess(config, sockets=[sock]).run()


if __name__ == "__main__":
    main()
