"""HR's list of officials pages through its results and keeps the filters from page to page."""

from django.urls import reverse

from tests.factories import OfficialFactory
from tests.people.test_permission_matrix import world  # noqa: F401  (a fixture)
from tests.support.auth import login


def test_the_pager_keeps_the_filters(client, world):  # noqa: F811
    for number in range(60):
        OfficialFactory(unit=world["unit_a"], full_name=f"Hà Văn Nam {number:02d}")
    client = login(client, world, "hr_a")
    url = reverse("people:official_list")
    first = client.get(url, {"q": "Văn Nam", "status": "active"}).content.decode()
    assert 'rel="next" href="?q=V%C4%83n+Nam&amp;status=active&amp;page=2"' in first
    assert 'rel="prev"' not in first
    second = client.get(url, {"q": "Văn Nam", "status": "active", "page": 2}).content.decode()
    assert 'rel="prev" href="?q=V%C4%83n+Nam&amp;status=active&amp;page=1"' in second
    assert "Hà Văn Nam 59" in second or "Hà Văn Nam 59" in first
    assert "Lò Thị Hạnh" not in second  # filtered out, on every page
