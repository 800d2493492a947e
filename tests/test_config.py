"""Settings: defaults < settings.yaml < environment < explicit overrides."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from annotator.config import REPO_ROOT, load_settings
from annotator.errors import InputError


def test_embedded_defaults_need_nothing():
    settings = load_settings(environ={})
    assert settings.database_url == f"sqlite:///{REPO_ROOT / 'var' / 'annotator.db'}"
    assert settings.config_dir == REPO_ROOT / "config"
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)


def test_file_then_environment_then_overrides(tmp_path: Path):
    (tmp_path / "settings.yaml").write_text("port: 6000\npage_size: 20\n")
    env = {"ANNOTATOR_CONFIG_DIR": str(tmp_path), "ANNOTATOR_PAGE_SIZE": "30"}
    settings = load_settings(environ=env)
    assert (settings.port, settings.page_size) == (6000, 30)
    assert load_settings(environ=env, page_size=40).page_size == 40


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"ANNOTATOR_PORT": "eighty"}, "port"),
        ({"ANNOTATOR_PORT": "70000"}, "port"),
        ({"ANNOTATOR_FUZZY_THRESHOLD": "101"}, "fuzzy_threshold"),
        ({"ANNOTATOR_MAX_UPLOAD_BYTES": "0"}, "max_upload_bytes"),
    ],
    ids=["port-not-a-number", "port-out-of-range", "threshold-over-100", "zero-upload-limit"],
)
def test_bad_environment_names_the_setting(env, field):
    with pytest.raises(InputError) as info:
        load_settings(environ=env)
    assert field in info.value.errors


def test_unknown_key_in_file_is_an_error(tmp_path: Path):
    (tmp_path / "settings.yaml").write_text("prot: 6000\n")
    with pytest.raises(InputError, match="unknown setting"):
        load_settings(environ={"ANNOTATOR_CONFIG_DIR": str(tmp_path)})


def test_page_size_over_its_limit_is_an_error():
    with pytest.raises(InputError, match="page_size"):
        load_settings(environ={}, page_size=600, max_page_size=500)


@pytest.mark.parametrize(
    ("settings", "answered", "refused"),
    [
        ({}, {"127.0.0.1", "localhost"}, {"rebind.example"}),
        # behind a proxy on loopback: its name, and loopback for probes on the machine
        ({"public_url": "https://desk.example.org"}, {"desk.example.org", "127.0.0.1"}, {"rebind.example"}),
        ({"host": "0.0.0.0"}, {"localhost", socket.gethostname()}, {"rebind.example"}),
        ({"host": "0.0.0.0", "public_url": "https://desk.example.org"}, {"desk.example.org"}, {"localhost"}),
        ({"allowed_hosts": "a.example, .b.example"}, {"a.example", ".b.example"}, {"localhost"}),
    ],
    ids=["loopback", "public url", "every interface", "every interface behind a url", "listed"],
)
def test_the_hosts_answered(settings, answered, refused):
    hosts = set(load_settings({}, **settings).trusted_hosts)
    assert answered <= hosts and not refused & hosts
