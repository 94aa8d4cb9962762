"""The OpenAPI document describes every path, field and the bearer scheme; the interactive docs
load nothing from outside the site."""

from bs4 import BeautifulSoup
from django.contrib.staticfiles import finders

PATHS = {
    "/api/v1/units/",
    "/api/v1/summary/",
    "/api/v1/by-unit/",
    "/api/v1/by-group/",
    "/api/v1/by-course/",
    "/api/v1/plans/",
    "/api/v1/plans/{plan_id}/progress/",
}


def test_the_document_has_every_path_and_the_bearer_scheme(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Công chức số — API báo cáo"
    assert "Bearer" in doc["info"]["description"] and doc["info"]["version"]
    assert set(doc["paths"]) == PATHS
    schemes = doc["components"]["securitySchemes"]
    assert list(schemes.values()) == [{"type": "http", "scheme": "bearer"}]
    (scheme,) = schemes
    for path in PATHS:
        operation = doc["paths"][path]["get"]
        assert list(doc["paths"][path]) == ["get"]
        assert operation["security"] == [{scheme: []}]
        assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
        assert all(parameter.get("description") for parameter in operation["parameters"])
    numbers = doc["components"]["schemas"]["NumbersOut"]["properties"]
    assert set(numbers) == {
        "headcount",
        "enrolled",
        "completed",
        "in_progress",
        "not_started",
        "overdue",
        "completion_rate",
    }
    for name in ("NumbersOut", "UnitOut", "GroupOut", "CourseOut", "FiltersOut", "SummaryOut", "UnitsOut"):
        for field, spec in doc["components"]["schemas"][name]["properties"].items():
            assert spec.get("description"), (name, field)


def test_the_docs_page_loads_only_local_static_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")
    urls = [tag.get("src") for tag in soup.find_all("script") if tag.get("src")]
    urls += [tag.get("href") for tag in soup.find_all("link")]
    assert "/static/ninja/swagger-ui-bundle.js" in urls and "/static/ninja/swagger-ui.css" in urls
    assert all(url.startswith("/static/") for url in urls), urls
    assert "https://" not in html and "http://" not in html and "//cdn" not in html
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), url  # shipped with the package, served locally
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
