"""Fixtures of the browser tests: a real Label Studio, the service serving HTTP on a
loopback port (so Label Studio can deliver webhooks to it), and Debian's Chromium
driven by Playwright.

Label Studio is the session's server from ``tests/conftest.py``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from uuid import uuid4

import pytest
from werkzeug.serving import make_server


REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WEBHOOK_SECRET = "test-webhook-secret"


class _Recorder:
    """WSGI middleware noting (method, path, status) of every request the service answers,
    so a test can tell a webhook delivery from anything else; ``answered_at`` holds
    when (``time.monotonic()``) each was answered."""

    def __init__(self):
        self.app = None
        self.calls: list[tuple[str, str, int]] = []
        self.answered_at: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")

        def recording_start_response(status, headers, exc_info=None):
            with self._lock:
                self.calls.append((method, path, int(status.split()[0])))
                self.answered_at.append(time.monotonic())
            return start_response(status, headers, exc_info)

        return self.app(environ, recording_start_response)


@pytest.fixture
def served_app(database_url, tmp_path, labelstudio):
    """The service on a fresh store holding the seeds and their catalogue, listening on a
    loopback port of its own (as ``annotator serve`` would) with ``public_url`` pointing
    there, and pointed at this module's Label Studio under a project key of its own.

    Yields ``(app, base_url, recorder)``; ``recorder.calls`` lists the requests served.
    """
    from annotator import create_app
    from annotator.cli.catalogue import load_catalogue_file
    from annotator.cli.store import ingest_paths

    recorder = _Recorder()
    # Bind first (port 0: no race for a "free" port), then build the app knowing its URL.
    server = make_server("127.0.0.1", 0, recorder, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "label_studio_url": labelstudio.url,
            "label_studio_api_key": labelstudio.token,
            "label_studio_project": f"browser-{uuid4().hex[:10]}",
            "webhook_secret": WEBHOOK_SECRET,
            "public_url": base_url,
        }
    )
    recorder.app = app
    with app.app_context():
        _, failures = ingest_paths((SEEDS,), quiet=True)
        assert not failures
        load_catalogue_file(SEEDS / "claims.yaml")
    thread = threading.Thread(target=server.serve_forever, name="browser-test-service", daemon=True)
    thread.start()
    try:
        yield app, base_url, recorder
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        app.extensions["annotator.engine"].dispose()


DESK_PASSWORD = "browser test password"


@pytest.fixture
def desk_login(served_app):
    """``desk_login(page, "viewer", email=...)``: add a desk person with the role and a
    password, and log the page in through the login form, as a person would."""
    app, base_url, _ = served_app

    def log_in(page, *roles: str, email: str | None = None) -> str:
        from annotator.db import transaction
        from annotator.services import accounts
        from annotator.services.audit import Actor

        email = email or f"{roles[0]}-{uuid4().hex[:6]}@desk.example"
        with app.app_context(), transaction() as session:
            accounts.add_person(session, Actor.local_operator(), email, roles=roles, password=DESK_PASSWORD)
        page.goto(f"{base_url}/login")
        page.fill("#email", email)
        page.fill("#password", DESK_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base_url}/", timeout=30_000)
        return email

    return log_in


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright; never a browser Playwright downloads."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. "
            "`make test` installs it (apt-get install chromium, as root); "
            "Playwright must not download a browser of its own.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
