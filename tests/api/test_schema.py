"""The OpenAPI schema generates, validates, and raises no warning."""

import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/competitions/{id}/approve/",
        "/api/v1/competitions/{id}/cancel/",
        "/api/v1/competitions/{id}/extend-deadline/",
        "/api/v1/competitions/{competition_pk}/offers/",
        "/api/v1/offers/{id}/sections/{key}/",
        "/api/v1/offers/{id}/submit/",
        "/api/v1/offers/{id}/attachments/{attachment_id}/download/",
        "/api/v1/offers/{id}/receipt/",
        "/api/v1/invitations/{token}/accept/",
    ):
        assert path in paths, path
    assert (
        "multipart/form-data" in paths["/api/v1/offers/{id}/attachments/"]["post"]["requestBody"]["content"]
    )
    audit = paths["/api/v1/offers/{id}/audit/"]["get"]
    assert audit["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])
