"""Hypothesis against the staff dashboard on PostgreSQL (which refuses a NUL in text): any
text in an address (a query parameter, a part of the path) or a posted form, typed by a
signed-in staff member or a guest at the sign-in page, gets a page, never a 500.

The number of examples is the profile's (tests/conftest.py): small in CI, larger with
HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.models.factories import fresh_nik
from tests.webhook.test_staff_dashboard import (  # noqa: F401 (fixtures)
    VILLAGE,
    Dashboard,
    csrf_of,
    make_dashboard,
)
from tests.webhook.test_webhooks_fuzz import FUZZ, TestClient, hostile_text

# (address with one {} for the hostile value), each part the dashboard reads.
ADDRESSES = (
    "/staff?dusun={}",
    "/staff?status={}&kind=usulan",
    "/staff?rt={}&rw=1",
    "/staff?page={}",
    "/staff?flag={}",
    "/staff/requests/{}",
    "/staff/attachments/{}",
    "/staff/musyawarah/{}",
    "/staff/jejak?petugas={}",
    "/staff/jejak?dari={}",
    "/staff/jejak?halaman={}",
    "/staff/export/bnba?area={}&fmt=csv",
    "/staff/export/bnba?area=" + VILLAGE + "&fmt={}",
    "/staff/export/bnba?area=" + VILLAGE + "&daftar={}&fmt=csv",
    "/staff/login?next={}",
    "/staff/link/{}",
    "/staff/{}",
)
# (address, the form's fields with {} for the hostile value).
FORMS = (
    ("/staff/requests/{ticket}/move", {"action": "{}", "note": "x"}),
    ("/staff/requests/{ticket}/move", {"action": "agendakan", "note": "{}"}),
    ("/staff/requests/{ticket}/reveal", {"reason": "{}"}),
    ("/staff/requests/{ticket}/erase", {"confirm": "{}"}),
    ("/staff/bulk", {"action": "agendakan", "tickets": "{}"}),
    ("/staff/bulk", {"action": "{}", "tickets": "{ticket}"}),
    ("/staff/musyawarah", {"village": "{}", "held_on": "2026-12-10T09:00", "place": "Balai"}),
    ("/staff/musyawarah", {"village": VILLAGE, "held_on": "{}", "place": "Balai"}),
    ("/staff/musyawarah", {"village": VILLAGE, "held_on": "2026-12-10T09:00", "place": "{}"}),
    ("/staff/penetapan", {"month": "{}", "number": "1", "issued_on": "2026-12-01"}),
    ("/staff/penetapan", {"month": "2026-11", "number": "{}", "issued_on": "2026-12-01"}),
)


def _encoded(value: str) -> str:
    # As a browser or a script would send it; a lone surrogate as the bytes it stands for.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@dataclass
class Board:
    dash: Dashboard
    kadis: TestClient  # signed in once: every example uses the same session
    token: str


@pytest.fixture
def board(make_dashboard: Callable[..., Dashboard], postgresql_engine: Engine) -> Board:  # noqa: F811
    dash = make_dashboard(postgresql_engine.url.render_as_string(hide_password=False))
    dash.staff("sri", "village_operator", [VILLAGE])
    dash.staff("kadis", "dinsos_head", ["32.04"])
    kadis = dash.login("kadis")
    return Board(dash, kadis, csrf_of(kadis.get("/staff/penetapan").text))


@FUZZ
@given(value=hostile_text, which=st.sampled_from(ADDRESSES))
# Always tried (each answered 500 before the dashboard cleaned what it is sent).
@example(value="\x00", which="/staff?dusun={}")
@example(value="U\x00", which="/staff/requests/{}")
@example(value="a\x00b", which="/staff/jejak?petugas={}")
def test_any_text_in_an_address_gets_a_page(board: Board, value: str, which: str) -> None:
    page = board.kadis.get(which.format(_encoded(value)), follow_redirects=False)
    assert page.status_code < 500, (which, value, page.text[:300])


@FUZZ
@given(value=hostile_text, which=st.sampled_from(FORMS))
@example(value="agendakan\x00", which=FORMS[0])
def test_any_text_in_a_form_gets_a_page(
    board: Board, value: str, which: tuple[str, dict[str, str]]
) -> None:
    address, fields = which
    ticket = board.dash.file(nik=fresh_nik())
    filled = {"csrf": board.token} | {
        k: v.replace("{ticket}", ticket).replace("{}", value) for k, v in fields.items()
    }
    body = "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in filled.items())
    page = board.kadis.post(
        address.format(ticket=ticket),
        content=body.encode("ascii"),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert page.status_code < 500, (address, fields, value, page.text[:300])


@FUZZ
@given(username=hostile_text, password=hostile_text)
@example(username="s\x00ri", password="x")
def test_any_text_at_sign_in_gets_a_page(board: Board, username: str, password: str) -> None:
    guest = board.dash.browser()
    token = csrf_of(guest.get("/staff/login").text)
    body = f"csrf={token}&username={_encoded(username)}&password={_encoded(password)}"
    for address in ("/staff/login", "/staff/login/link"):
        page = guest.post(
            address,
            content=body.encode("ascii"),
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        assert page.status_code < 500, (address, username, page.text[:300])
