"""The OpenAPI document and its docs page, which must work offline."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_is_valid_and_complete(client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    paths = set(spec["paths"])
    assert {
        "/api/articles",
        "/api/articles/{article_id}",
        "/api/articles/{article_id}/revisions/{number}",
        "/api/claims",
        "/api/claims/{claim_id}",
        "/api/claims/catalogue",
        "/api/mentions",
        "/api/mentions/{mention_id}",
        "/api/mentions/{mention_id}/accept",
        "/api/mentions/{mention_id}/reject",
        "/api/health",
    } <= paths
    assert "Error" in spec["components"]["schemas"]


def test_docs_page_loads_only_local_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/api/docs/static/") for a in assets), assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert '"validatorUrl": null' in html


def test_health(client):
    health = client.get("/api/health").get_json()
    assert health["status"] == "ok" and health["schema_up_to_date"] is True
