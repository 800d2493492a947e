"""The real service process: `annotator serve` answers over HTTP on the port it prints."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def service(settings_env, cli):
    assert cli("db", "upgrade").exit_code == 0
    port = free_port()
    env = os.environ | settings_env | {"ANNOTATOR_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "annotator.cli", "serve"], env=env, stdout=subprocess.PIPE, text=True
    )
    first_line = process.stdout.readline()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/health", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"service did not answer on {base}: {first_line}")
            time.sleep(0.1)
    yield base, first_line
    process.terminate()
    process.wait(timeout=10)


def test_service_prints_where_it_listens_and_answers(service, cli):
    base, first_line = service
    assert f"{base}/api" in first_line and f"{base}/api/docs" in first_line
    with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=5) as response:
        spec = json.load(response)
    assert spec["info"]["title"] == "annotator"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{base}/api/articles", timeout=5)
    assert refused.value.code == 401
    # the README's way in for a script: a person and a token, from the command line
    assert cli("people", "add", "reader@desk.example", "--role", "viewer").exit_code == 0
    issued = cli("tokens", "issue", "reader@desk.example", "smoke test")
    assert issued.exit_code == 0, issued.output
    token = next(line for line in issued.output.splitlines() if line.startswith("ann_"))
    request = urllib.request.Request(f"{base}/api/articles", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["total"] == 0
