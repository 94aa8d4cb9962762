"""The Content-Security-Policy header (django-csp, lms/csp.py) on every kind of page, from outside
with the test client: the site's strict policy everywhere but Wagtail's admin, whose looser policy
still allows nothing from another site and no eval; and no page of the site carries an inline
script, an inline style or an event-handler attribute that the policy would block.
The browser proof (no violation in Chromium) is tests/browser/test_csp.py."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from lms.learning import services
from lms.people import roles
from lms.people.models import HRScope
from tests.factories import UserFactory, lessons_of, placed_official
from tests.learning.quiz_helpers import quiz_with_bank

HEADER = "Content-Security-Policy"

SITE_POLICY = {
    "default-src": ["'self'"],
    "frame-src": ["'self'", "https://player.vimeo.com", "https://www.youtube-nocookie.com", "https://www.youtube.com"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
# The admin differs in exactly these (settings.CONTENT_SECURITY_POLICY_ADMIN, lms/csp.py).
ADMIN_POLICY = {
    **SITE_POLICY,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "frame-ancestors": ["'self'"],
}
# Sources a directive may name: keywords and data: images. No host, no scheme, no wildcard.
ALLOWED_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:"}


def policy_of(response):
    assert HEADER in response, f"no {HEADER} on {response.wsgi_request.path}"
    directives = {}
    for part in response[HEADER].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_policy(response, expected):
    policy = policy_of(response)
    path = response.wsgi_request.path
    assert {name: sorted(sources) for name, sources in policy.items()} == {
        name: sorted(sources) for name, sources in expected.items()
    }, path
    for name, sources in policy.items():
        # Another site only as the player of a lesson video, and only from the providers named.
        allowed = ALLOWED_SOURCES | (set(settings.VIDEO_FRAME_SOURCES) if name == "frame-src" else set())
        assert set(sources) <= allowed, (path, name)
    assert "'unsafe-eval'" not in response[HEADER], path


def assert_site_policy(response):
    assert_policy(response, SITE_POLICY)
    assert "'unsafe-inline'" not in response[HEADER] and "'unsafe-eval'" not in response[HEADER]


def assert_nothing_inline(response):
    """What the strict policy would refuse: inline scripts (JSON data blocks are not scripts),
    event-handler attributes, javascript: links, <style> elements and style attributes."""
    page = BeautifulSoup(response.content.decode(), "html.parser")
    inline = [s for s in page.find_all("script") if not s.get("src") and s.get("type") != "application/json"]
    assert not inline, inline
    assert not page.find_all("style")
    assert not page.find_all(style=True)
    handlers = [(tag.name, attr) for tag in page.find_all(True) for attr in tag.attrs if attr.startswith("on")]
    assert not handlers, handlers
    assert not page.find_all(href=re.compile(r"^\s*javascript:", re.I))


@pytest.fixture
def world(course, official):
    """A course with lessons and a final test, an enrolled official with an open attempt, an HR
    user over the official's unit, and a trainer."""
    groups = roles.ensure_roles(course.get_parent())
    quiz = quiz_with_bank(course)
    services.enrol(official, course)
    hr = UserFactory(username="nhansu")
    hr.groups.add(groups[roles.HR])
    HRScope.objects.create(user=hr, unit=official.unit)
    placed_official(official.unit)
    trainer = UserFactory(username="giangvien")
    trainer.groups.add(groups[roles.TRAINER])
    return {"course": course, "quiz": quiz, "official": official, "hr": hr, "trainer": trainer}


def open_attempt_url(client, quiz):
    response = client.post(reverse("learning:quiz_start", args=[quiz.pk]))
    assert response.status_code == 302
    return response["Location"]


def test_public_pages_send_the_strict_policy_and_carry_nothing_inline(client, world, site):
    course, quiz = world["course"], world["quiz"]
    anonymous = [
        ("/", 200),
        (site[1].url, 200),  # the catalogue
        (course.url, 200),
        (lessons_of(course)[0].url, 200),
        (quiz.url, 200),
        (reverse("login"), 200),
        (reverse("password_reset"), 200),
        (reverse("certificates:verify_upload"), 200),
        (reverse("certificates:verify", args=["khong-co-ma-nay"]), 404),
        ("/khong-co-trang-nay/", 404),
    ]
    cache.clear()  # the verify pages' rate limit
    for url, status in anonymous:
        response = client.get(url)
        assert response.status_code == status, url
        assert_site_policy(response)
        assert_nothing_inline(response)

    client.force_login(world["official"].user)
    attempt = open_attempt_url(client, quiz)
    for url, status in [
        (reverse("learning:my_learning"), 200),
        (lessons_of(course)[1].url, 200),
        (quiz.url, 200),
        (attempt, 200),  # the autosaving attempt page: its script is static/js/quiz.js
        (reverse("my_certificates:list"), 200),
        (reverse("profile"), 200),
        (reverse("notifications:list"), 200),
        (reverse("people:official_list"), 403),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert_site_policy(response)
        assert_nothing_inline(response)
    page = BeautifulSoup(client.get(attempt).content.decode(), "html.parser")
    assert [s["src"] for s in page.find_all("script", src=True)] == [f"{settings.STATIC_URL}js/quiz.js"]


def test_hr_pages_send_the_strict_policy_and_carry_nothing_inline(client, world):
    client.force_login(world["hr"])
    for url in [
        reverse("reports:dashboard"),  # its charts are inline SVG with presentation attributes only
        reverse("reports:overdue"),
        reverse("people:official_list"),
        reverse("people:import_start"),
        reverse("hr_certificates:search"),
        reverse("api_tokens:list"),
        reverse("training:plan_list"),
        reverse("training:plan_create"),
        reverse("notifications:list"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_site_policy(response)
        assert_nothing_inline(response)


def test_the_dashboard_charts_draw_without_style_attributes(client, world):
    client.force_login(world["hr"])
    page = BeautifulSoup(client.get(reverse("reports:dashboard")).content.decode(), "html.parser")
    charts = page.select(".report-chart svg")
    assert charts and all(chart.find("rect") for chart in charts)
    assert not any(element.get("style") for chart in charts for element in chart.find_all(True))


def test_the_wagtail_admin_gets_its_own_policy_and_nothing_from_elsewhere(client, world):
    client.force_login(world["trainer"])
    lesson = lessons_of(world["course"])[0]
    for url in [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[world["course"].pk]),
        reverse("wagtailadmin_pages:edit", args=[lesson.pk]),
        reverse("wagtailsnippets_content_question:list"),
        reverse("wagtailadmin_login"),
    ]:
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        assert_policy(response, ADMIN_POLICY)


def test_a_preview_is_the_site_under_its_own_policy_framed_by_the_admin(client, world):
    """Wagtail renders a preview through the middleware with a dummy request for the page's public
    address: the page keeps the site's strict policy, and only the admin may frame it."""
    client.force_login(world["trainer"])
    lesson = lessons_of(world["course"])[0]
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[lesson.pk]))
    assert response.status_code == 200
    assert lesson.title in response.content.decode()
    assert_policy(response, {**SITE_POLICY, "frame-ancestors": ["'self'"]})
    assert_nothing_inline(response)


def test_the_admin_policy_does_not_leak_to_the_site(client, world):
    """Only paths under /admin/ are loosened: an address that merely contains "admin" is not."""
    response = client.get("/khoa-hoc/admin/")
    assert response.status_code == 404
    assert_site_policy(response)


def test_the_admin_shows_no_gravatar(client, world):
    client.force_login(world["trainer"])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "gravatar.com" not in html


def test_the_api_and_its_docs_send_the_policy(client, world):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert_site_policy(response)
    assert_nothing_inline(response)
    assert_site_policy(client.get("/api/v1/summary/"))  # a 401 in JSON, still with the header


# The templates themselves: a new inline script or style would be caught here before a browser sees it.
TEMPLATES = Path(settings.BASE_DIR) / "templates"
NOT_FOR_BROWSERS = (
    "certificates/certificate.html",  # drawn into a PDF by xhtml2pdf
    "reports/transcript_pdf.html",  # the same
    "learning/admin/",  # Wagtail admin views, under the admin's policy
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=|javascript:", re.I)


def test_no_site_template_has_an_inline_script_or_style():
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        name = template.relative_to(TEMPLATES).as_posix()
        if name.startswith(NOT_FOR_BROWSERS) or "/email/" in f"/{name}":
            continue
        text = template.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_STYLE.search(text):
            offenders.append(name)
    assert offenders == []


def test_a_lesson_video_is_an_allowed_player_without_inline_style(client, world, course):
    """The only thing a page may load from elsewhere: the player of a lesson video, from a provider
    the policy names, sized by the stylesheet (no inline style for the policy to refuse)."""
    import json

    from wagtail.embeds.embeds import get_embed_hash
    from wagtail.embeds.models import Embed

    url = "https://www.youtube.com/watch?v=abc123"
    Embed.objects.create(
        hash=get_embed_hash(url),
        url=url,
        type="video",
        html='<iframe width="200" height="113" src="https://www.youtube.com/embed/abc123?feature=oembed" '
        'title="Ký số văn bản" allowfullscreen></iframe>',
        provider_name="YouTube",
    )
    lesson = lessons_of(course)[0]
    lesson.body = json.dumps([{"type": "video", "value": {"video": url, "title": "Ký số văn bản", "transcript": ""}}])
    lesson.save_revision().publish()
    response = client.get(lesson.url)
    assert_site_policy(response)
    assert_nothing_inline(response)
    page = BeautifulSoup(response.content, "html.parser")
    frame = page.select_one("section.video details iframe")
    assert frame["src"].startswith("https://www.youtube.com/")
    assert "https://www.youtube.com" in policy_of(response)["frame-src"]
