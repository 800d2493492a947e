"""A real Label Studio for the session, started from a cached, migrated template.

The template (``var/cache/labelstudio-template-<version>``) is built on first
use, which runs Label Studio's migrations once (~30-45 s); every session after
that copies it and starts in ~5 s.
"""

from __future__ import annotations

import pytest

from annotator.errors import LabelStudioUnavailable
from annotator.labelstudio.server import (
    LocalLabelStudio,
    ensure_template,
    find_executable,
    free_port,
)


@pytest.fixture(scope="session")
def labelstudio_template():
    """The migrated template folder, built if missing."""
    try:
        find_executable()
    except LabelStudioUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    return ensure_template()


@pytest.fixture(scope="session")
def labelstudio_server(tmp_path_factory, labelstudio_template):
    """The session's server object; stopped at the end of the session."""
    server = LocalLabelStudio(
        tmp_path_factory.mktemp("labelstudio"), port=free_port(), template=labelstudio_template
    )
    server.up()
    yield server
    server.down()


@pytest.fixture(scope="session")
def labelstudio(labelstudio_server):
    """The running server's :class:`ServerStatus`: ``url``, ``token``, ``headers()``."""
    return labelstudio_server.status()


@pytest.fixture
def fresh_labelstudio(tmp_path, labelstudio_template):
    """A second, private server for tests that stop or break it."""
    server = LocalLabelStudio(
        tmp_path / "labelstudio", port=free_port(), template=labelstudio_template
    )
    yield server
    server.down()


@pytest.fixture
def seeded_app(database_url, tmp_path, labelstudio):
    """The service on a fresh store holding the seeds and their catalogue, pointed at
    the session's Label Studio under a project key of its own."""
    from pathlib import Path
    from uuid import uuid4

    from annotator import create_app
    from annotator.cli.store import ingest_paths, load_catalogue_file

    seeds = Path(__file__).resolve().parents[2] / "seeds"
    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "label_studio_url": labelstudio.url,
            "label_studio_api_key": labelstudio.token,
            "label_studio_project": f"test-{uuid4().hex[:10]}",
            "webhook_secret": "test-webhook-secret",
        }
    )
    with app.app_context():
        reports, failures = ingest_paths((seeds,), quiet=True)
        assert not failures
        load_catalogue_file(seeds / "claims.yaml")
    yield app
    app.extensions["annotator.engine"].dispose()
