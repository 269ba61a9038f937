"""Probes. `GET /healthz` (liveness): the process answers; it stays 200 while a database is
down, so an orchestrator does not restart a worker that cannot help it. `GET /readyz`
(readiness): the database (at the code's migration) and the conversation store are
reachable; 503 takes the worker out of the load balancer until they are back."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import JSONResponse

from webhook.deps import HealthDep

router = APIRouter()

NOT_CONFIGURED = {"ok": False, "error": "not configured"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


# A plain `def`: the probe queries the database, so FastAPI runs it in its thread pool.
@router.get("/readyz")
def readyz(source: HealthDep) -> JSONResponse:
    if source is None:
        # An app given only a service (tests) cannot vouch for any database.
        return _respond(False, dict(NOT_CONFIGURED), dict(NOT_CONFIGURED))
    try:
        report = source.health()
    except Exception as exc:  # a probe reports failures; it must not answer 500
        failed = {"ok": False, "error": type(exc).__name__}
        return _respond(False, failed, dict(failed))
    return _respond(bool(report.get("ok")), report.get("database", {}), report.get("store", {}))


def _respond(ok: bool, database: Any, store: Any) -> JSONResponse:
    body = {"status": "ok" if ok else "unavailable", "database": database, "store": store}
    return JSONResponse(body, status_code=200 if ok else 503)
