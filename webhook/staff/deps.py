"""What the dashboard's routes share: the app's parts, the database session, the signed-in
staff member, the CSRF check, the clock, and how pages and errors are rendered.

Everything is read from `app.state` (set by `webhook.app.create_app` and its lifespan), so
the router works in any app that has a container. The parts (signing key, workflows,
regions, file stores) are the container's (`bot.container`), shared with the chat service.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.settings import Settings
from conversations.cleantext import clean_id, clean_text, has_unwanted
from conversations.validators import RegionIndex
from models.blobs import FileBlobStore
from models.tables import StaffAccount
from models.unit_of_work import UnitOfWork
from staff.audit import AUDIT_ROLES
from staff.minutes import MinutesStore
from staff.workflow import Workflows
from webhook.staff.auth import SESSION_COOKIE, SESSION_LIFETIME, StaffAuth

if TYPE_CHECKING:
    from bot.container import Container  # built by the app's lifespan, read from app.state

log = logging.getLogger(__name__)

TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
# A random value in a cookie of its own, so the login forms carry a CSRF token before
# there is a session (a forged login would sign the victim in as the attacker).
LOGIN_COOKIE: Final = "dtsen_staff_login"
COOKIE_PATH: Final = "/staff"
CSRF_FIELD: Final = "csrf"

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.globals["audit_roles"] = AUDIT_ROLES  # the menu shows "Jejak akses" to them


# -- errors that become pages -------------------------------------------------------------


class PageError(Exception):
    """Ends the request with an HTML error page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def not_found() -> PageError:
    """The same page for "does not exist" and "not in your area": existence is not told."""
    return PageError(
        404,
        "Tidak ditemukan",
        "Halaman atau permohonan ini tidak ada, atau berada di luar wilayah kerja Anda.",
    )


class StaffRoute(APIRoute):
    """Ends the request's unit of work: committed when the route returned a response,
    rolled back when it raised. Turns `PageError` and `LoginRequired` (from routes or
    dependencies), invalid input and unexpected failures into pages in Bahasa Indonesia
    (staff never see the API's JSON errors)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            succeeded = False
            clean_address(request)
            try:
                await clean_form(request)
                response = await inner(request)
                succeeded = True
                return response
            except LoginRequired as missing:
                target = "/staff/login"
                if missing.next_path and missing.next_path != "/staff":
                    target += "?next=" + quote(missing.next_path, safe="/")
                return RedirectResponse(target, status_code=303)
            except PageError as error:
                return error_page(request, error)
            except RequestValidationError as invalid:
                return error_page(request, _invalid_input(invalid))
            except Exception:
                # Not the query string: it can hold what staff searched for.
                log.exception("dashboard: %s %s failed", request.method, request.url.path)
                return error_page(request, _FAILED)
            finally:
                work: UnitOfWork | None = getattr(request.state, _WORK, None)
                if work is not None:
                    await run_in_threadpool(work.finish, succeeded=succeeded)

        return handler


def clean_address(request: Request) -> None:
    """What came in the address (the query string, the path's parts) without NUL and other
    control characters, before the route reads it: PostgreSQL refuses a NUL in text, and a
    typed ticket or a searched name goes into queries and the access log. (Posted forms:
    `clean_form`; the chat's text is cleaned at its own edge, `conversations.cleantext`.)"""
    raw = request.scope.get("query_string") or b""
    if raw:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True)
        if any(has_unwanted(key) or has_unwanted(value) for key, value in pairs):
            cleaned = [(_cleaned(k), _cleaned(v)) for k, v in pairs]
            request.scope["query_string"] = urlencode(cleaned).encode("ascii")
    params = request.scope.get("path_params") or {}
    for name, value in params.items():
        if isinstance(value, str) and has_unwanted(value):
            params[name] = clean_id(value)


async def clean_form(request: Request) -> None:
    """A posted form's text fields without NUL and other control characters (line breaks
    kept), before the route reads them: the same reasons as `clean_address`. The parsed
    form is what Starlette hands every later reader (`Request._form`, its cache: there is
    no public way to replace it); uploaded files pass untouched."""
    if request.method != "POST":
        return
    kind = request.headers.get("content-type", "")
    if not kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return
    try:
        form = await request.form()
    except HTTPException:  # a body that says it is a form and is not
        message = "Formulir tidak bisa dibaca. Muat ulang halaman, lalu kirim lagi."
        raise PageError(400, "Formulir rusak", message) from None
    items = list(form.multi_items())
    if any(has_unwanted(k) or (isinstance(v, str) and has_unwanted(v)) for k, v in items):
        request._form = FormData([(_cleaned(k), _cleaned(v)) for k, v in items])


def _cleaned(value: Any) -> Any:
    return clean_text(value, limit=len(value)) if isinstance(value, str) else value


def error_page(request: Request, error: PageError) -> HTMLResponse:
    return render(
        request, "error.html", status=error.status, title=error.title, message=error.message
    )


_FAILED: Final = PageError(
    500,
    "Terjadi kesalahan",
    "Maaf, ada gangguan di server dan perubahan Anda tidak disimpan. "
    "Coba lagi sebentar lagi; jika terulang, hubungi admin.",
)


def _invalid_input(invalid: RequestValidationError) -> PageError:
    """A malformed address is a page that does not exist; a malformed form, a kind word."""
    if any(error.get("loc", ("",))[0] == "path" for error in invalid.errors()):
        return not_found()
    return PageError(
        400,
        "Isian tidak sah",
        "Ada isian yang terlalu panjang atau tidak sah. Kembali, periksa isiannya, "
        "lalu kirim lagi.",
    )


# -- the app's parts ------------------------------------------------------------------------


@dataclass
class Dashboard:
    settings: Settings
    secret: str
    auth: StaffAuth
    workflows: Workflows
    regions: RegionIndex
    photos: FileBlobStore
    minutes: MinutesStore

    @property
    def base_url(self) -> str:
        """Where staff reach the dashboard (for login links sent to their chat)."""
        configured = self.settings.public_base_url
        if configured:
            return configured.rstrip("/")
        return f"http://{self.settings.host}:{self.settings.port}"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.lower().startswith("https://")


def container_of(request: Request) -> Container:
    container: Container | None = request.app.state.container
    if container is None:
        raise PageError(503, "Belum siap", "Layanan sedang dimulai. Coba lagi sebentar lagi.")
    return container


def dashboard(request: Request) -> Dashboard:
    state = request.app.state
    built: Dashboard | None = getattr(state, "staff_dashboard", None)
    if built is None:
        parts = container_of(request)
        built = Dashboard(
            settings=parts.settings,
            secret=parts.secret,
            auth=StaffAuth(parts.secret),
            workflows=parts.workflows,
            regions=parts.regions,
            photos=parts.photos,
            minutes=parts.minutes,
        )
        state.staff_dashboard = built
    return built


def engine_of(request: Request) -> Engine:
    return container_of(request).engine


def clock(request: Request) -> datetime:
    """Now (UTC). Tests may set `app.state.staff_clock` to a function returning a time."""
    override: Callable[[], datetime] | None = getattr(request.app.state, "staff_clock", None)
    return override() if override is not None else datetime.now(UTC)


_WORK: Final = "staff_unit_of_work"


def unit_of_work(request: Request) -> UnitOfWork:
    """This request's unit of work, ended by `StaffRoute` (refused accesses are kept even
    when it rolls back: see `staff.review.log_refusal`)."""
    work: UnitOfWork | None = getattr(request.state, _WORK, None)
    if work is None:
        work = UnitOfWork(engine_of(request))
        setattr(request.state, _WORK, work)
    return work


WorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]


def db_session(work: WorkDep) -> Session:
    """The session of this request's unit of work."""
    return work.session


DashboardDep = Annotated[Dashboard, Depends(dashboard)]
SessionDep = Annotated[Session, Depends(db_session)]
NowDep = Annotated[datetime, Depends(clock)]


def current_staff(request: Request, session: SessionDep, board: DashboardDep) -> StaffAccount:
    """The signed-in, active staff member; otherwise to the login page."""
    account = board.auth.session_account(session, request.cookies.get(SESSION_COOKIE))
    if account is None:
        path = request.url.path
        if request.method == "GET" and request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    return account


StaffDep = Annotated[StaffAccount, Depends(current_staff)]


# -- CSRF ----------------------------------------------------------------------------------


def _csrf_refused() -> PageError:
    return PageError(
        403,
        "Formulir tidak berlaku",
        "Formulir ini sudah kedaluwarsa atau tidak berasal dari dasbor. "
        "Muat ulang halaman, lalu coba lagi.",
    )


async def _form_token(request: Request) -> str | None:
    form = await request.form()  # cached by Starlette: the route's Form() fields reuse it
    token = form.get(CSRF_FIELD)
    return token if isinstance(token, str) else None


async def check_csrf(request: Request, board: DashboardDep) -> None:
    """Every signed-in POST carries the session's CSRF token in a hidden field."""
    if not board.auth.csrf_ok(request.cookies.get(SESSION_COOKIE), await _form_token(request)):
        raise _csrf_refused()


async def check_login_csrf(request: Request, board: DashboardDep) -> None:
    """The login forms carry a token bound to the pre-login cookie."""
    if not board.auth.csrf_ok(request.cookies.get(LOGIN_COOKIE), await _form_token(request)):
        raise _csrf_refused()


CsrfChecked = Depends(check_csrf)
LoginCsrfChecked = Depends(check_login_csrf)


def login_cookie(request: Request) -> str:
    """The pre-login cookie's value (a new one when absent; `set_login_cookie` stores it)."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)


def _set_cookie(response: Response, name: str, value: str, board: Dashboard) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=board.secure_cookies,
    )


def set_login_cookie(response: Response, value: str, board: Dashboard) -> None:
    _set_cookie(response, LOGIN_COOKIE, value, board)


def set_session_cookie(response: Response, cookie: str, board: Dashboard) -> None:
    _set_cookie(response, SESSION_COOKIE, cookie, board)


def clear_session_cookie(response: Response, board: Dashboard) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=board.secure_cookies,
    )


# -- pages ---------------------------------------------------------------------------------


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    staff: StaffAccount | None = None,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """An HTML page; pages for a signed-in staff member get the CSRF token for their forms."""
    csrf = context.pop("csrf", None)
    if csrf is None and staff is not None:
        cookie = request.cookies.get(SESSION_COOKIE)
        board = dashboard(request)
        csrf = board.auth.csrf_token(cookie) if cookie else ""
    html = _templates.get_template(template).render(
        staff=staff, csrf=csrf or "", path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def safe_next(value: str | None) -> str:
    """Only a dashboard path: a login must never send anyone to another site."""
    if value and value.startswith("/staff") and not value.startswith("//") and "\\" not in value:
        return value
    return "/staff"
