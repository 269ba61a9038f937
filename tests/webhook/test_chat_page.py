"""The chat page as files: served, self-contained (works offline), safe with bot text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from webhook.simulator import STATIC_DIR

REQUIRED_IDS = ("messages", "text", "send", "photo-input", "reset")


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href", "action"):
            if values.get(name):
                self.refs.append(str(values[name]))
        if values.get("id"):
            self.ids.add(str(values["id"]))
        self._in_script = tag == "script" and not values.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False


def _parse(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


def test_page_is_served_as_html(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert _parse(response.text).ids >= set(REQUIRED_IDS)


def test_page_references_only_local_assets_that_exist(client: TestClient) -> None:
    page = _parse(client.get("/").text)

    assert page.refs, "expected the page to load its CSS and JS"
    for ref in page.refs:
        assert not re.match(r"^(?:[a-z]+:)?//", ref), f"external reference: {ref}"
        assert client.get("/" + ref.lstrip("/")).status_code == 200, ref
    assert page.inline_scripts == 0  # the CSP forbids inline script


def test_css_and_js_load_nothing_from_elsewhere() -> None:
    for name in ("chat.css", "chat.js"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), name
        assert "@import" not in text


def test_script_never_renders_text_as_html() -> None:
    script = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    code = "\n".join(line for line in script.splitlines() if not line.strip().startswith("//"))

    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in code, sink
    assert "textContent" in code


def test_page_has_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers

    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
