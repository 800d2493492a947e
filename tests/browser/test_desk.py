"""The desk in a real browser: a viewer reads but cannot adjudicate, an editor settles a
claim from its page, and a page on another site cannot write through the browser.

Debian's Chromium logs in through the login form; the service listens on a loopback
port (``served_app``); the "other site" is a second loopback server on another port
serving one auto-submitting form.
"""

from __future__ import annotations

import http.server
import threading

import pytest
import sqlalchemy as sa

from annotator.db import get_session
from annotator.models import Adjudication, AuditEvent

pytestmark = pytest.mark.browser

TIMEOUT_MS = 30_000


def first_claim(app) -> str:
    from annotator.models import Claim

    with app.app_context():
        return get_session().scalar(sa.select(Claim.id).order_by(Claim.id))


def adjudications(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = get_session().execute(sa.select(Adjudication.claim_id, Adjudication.verdict, Adjudication.adjudicator))
        return [(c, v.value, a) for c, v, a in rows]


def test_a_viewer_reads_the_live_report_and_cannot_adjudicate(browser, served_app, desk_login):
    app, base_url, _ = served_app
    claim_id = first_claim(app)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base_url}/claims/{claim_id}")
        assert "/login" in page.url, "an anonymous visitor is sent to the login page"
        email = desk_login(page, "viewer")
        assert page.locator(".signed-in .person").inner_text() == email
        assert page.locator("#claims tr.claim").count() == 17
        page.goto(f"{base_url}/claims/{claim_id}")
        assert page.locator("form.adjudicate").count() == 0
        # even a hand-made request with the page's own CSRF token is refused: no role
        status = page.evaluate(
            """async ([url, token]) => {
                const body = new URLSearchParams({verdict: "denied", reason: "I am only a viewer", csrf_token: token});
                return (await fetch(url, {method: "POST", body})).status;
            }""",
            [f"{base_url}/claims/{claim_id}/adjudicate", page.locator(".signed-in input[name=csrf_token]").input_value()],
        )
        assert status == 403
        assert adjudications(app) == []
    finally:
        context.close()


def test_an_editor_settles_a_claim_from_its_page(browser, served_app, desk_login):
    app, base_url, _ = served_app
    claim_id = first_claim(app)
    context = browser.new_context()
    try:
        page = context.new_page()
        email = desk_login(page, "editor", email="eko@desk.example")
        page.goto(f"{base_url}/claims/{claim_id}")
        form = page.locator(f"#adjudicate-{claim_id}")
        form.locator("select[name=verdict]").select_option("denied")
        form.locator("textarea[name=reason]").fill("The ministry's statement refutes it.")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"{base_url}/claims/{claim_id}", timeout=TIMEOUT_MS)
        assert "Recorded" in page.locator(".flash").inner_text()
        row = page.locator(f'#claims tr.claim[data-claim-id="{claim_id}"]')
        assert row.locator(".verdict").first.inner_text() == "denied"
        assert f"by {email}" in row.locator(".reason").inner_text()
        decision = page.locator(".history .decision").first
        assert email in decision.inner_text() and "adjudicated the claim denied" in decision.inner_text()
    finally:
        context.close()
    assert adjudications(app) == [(claim_id, "denied", email)]
    with app.app_context():
        event = get_session().scalar(sa.select(AuditEvent).where(AuditEvent.action == "adjudication.add"))
    assert (event.actor, event.via, event.claim_id) == (email, "session", claim_id)


@pytest.fixture
def other_site(served_app):
    """Another origin (a second loopback port) whose page posts a form to the service."""
    _, base_url, _ = served_app
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", pages
    finally:
        server.shutdown()
        server.server_close()


def test_a_cross_site_form_post_is_refused(browser, served_app, desk_login, other_site):
    app, base_url, _ = served_app
    evil_url, pages = other_site
    claim_id = first_claim(app)
    pages["/attack"] = f"""<!doctype html><form id="f" method="post" action="{base_url}/claims/{claim_id}/adjudicate">
        <input name="verdict" value="confirmed"><input name="reason" value="forged"></form>
        <script>document.getElementById("f").submit()</script>"""
    context = browser.new_context()
    try:
        page = context.new_page()
        desk_login(page, "editor")
        with page.expect_response(f"{base_url}/claims/{claim_id}/adjudicate", timeout=TIMEOUT_MS) as answer:
            page.goto(f"{evil_url}/attack")
        assert answer.value.status == 403
        assert answer.value.json()["type"] == "csrf_failed"
    finally:
        context.close()
    assert adjudications(app) == []
