"""Every refusal is a page in Vietnamese, in the site's look, with a way back: 400, 403, 404, 429 and
500, asked for from outside over HTTP with DEBUG off, and never Django's bare English pages. Wagtail's
deliberate error view (/admin/failwhale/) does not exist for trainers or HR.

This module is also the URLconf of the 500 tests (``@pytest.mark.urls(__name__)``): the site's own
URLs plus views that fail on purpose."""

from pathlib import Path

import polib
import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError, connection
from django.urls import path, reverse

from lms import urls as site_urls
from lms.people import roles
from lms.people.models import HRScope
from tests.factories import OfficialFactory, UserFactory, make_unit

PENDING_PO = Path(django_settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES" / "pending-errors-csp.po"

# What Django's own error pages say (django/views/defaults.py and csrf.py): none of it may show.
DJANGO_ENGLISH = (
    "<h1>Not Found</h1>",
    "The requested resource was not found on this server.",
    "<h1>Bad Request (400)</h1>",
    "<h1>403 Forbidden</h1>",
    "<h1>Server Error (500)</h1>",
    "CSRF verification failed",
)


def boom(request):
    raise RuntimeError("a view that fails")


def database_down(request):
    get_user_model().objects.count()  # refused by the test's "database is down" wrapper


def suspicious(request):
    raise SuspiciousOperation("a forged request")


urlpatterns = [
    path("hong/", boom),
    path("mat-ket-noi/", database_down),
    path("dang-ngo/", suspicious),
    *site_urls.urlpatterns,
]


@pytest.fixture(scope="module")
def pending_locale(tmp_path_factory):
    """The error pages' translations are written to pending-errors-csp.po until they are merged
    into django.po; compiled here so that the pages can be read in Vietnamese either way."""
    if not PENDING_PO.exists():
        return None
    root = tmp_path_factory.mktemp("locale")
    target = root / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(PENDING_PO)).save_as_mofile(str(target / "django.mo"))
    return root


@pytest.fixture(autouse=True)
def vietnamese(settings, pending_locale):
    settings.DEBUG = False
    if pending_locale is not None:
        settings.LOCALE_PATHS = [pending_locale, *django_settings.LOCALE_PATHS]


def page_of(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def assert_vietnamese_refusal(response, status, heading):
    """The page a refused visitor sees: Vietnamese, the site's header and stylesheet, the heading,
    and links back to the home page and to *Học tập của tôi*."""
    assert response.status_code == status
    html = response.content.decode()
    for english in DJANGO_ENGLISH:
        assert english not in html
    page = page_of(response)
    assert page.html["lang"] == "vi"
    assert page.find("link", rel="stylesheet")["href"].endswith("css/site.css")
    assert page.find("a", class_="brand", href="/")
    assert page.h1.get_text(strip=True) == heading
    assert page.find(class_="eyebrow").get_text(strip=True) == f"Lỗi {status}"
    assert page.title.get_text(strip=True).startswith(heading)
    links = {a["href"]: a.get_text(strip=True) for a in page.select(".error-links a")}
    assert links == {"/": "Về trang chủ", reverse("learning:my_learning"): "Học tập của tôi"}
    return page


# 404 ---------------------------------------------------------------------------------------------


def test_an_unknown_address_is_a_vietnamese_404(client, db):
    response = client.get("/khong-co-trang-nay/")
    page = assert_vietnamese_refusal(response, 404, "Không tìm thấy trang")
    assert "gõ nhầm" in page.main.get_text()


def test_a_page_path_under_the_catalogue_that_does_not_exist_is_the_same_404(client, catalogue, course):
    """Wagtail's page serving raises the 404; the site's page answers it, in the site's header."""
    response = client.get(f"{course.url}bai-khong-co/")
    page = assert_vietnamese_refusal(response, 404, "Không tìm thấy trang")
    assert page.find("nav").find("a", href=catalogue.url)  # the header, as on every page


def test_a_logged_in_official_sees_the_404_in_their_own_header(client, official, site):
    client.force_login(official.user)
    page = assert_vietnamese_refusal(client.get("/khong-co/"), 404, "Không tìm thấy trang")
    assert page.find("nav").find("a", href=reverse("learning:my_learning"))
    assert page.find("form", action=reverse("logout"))


def test_the_404_follows_the_language_the_user_chose(client, site):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/khong-co/")
    assert response.status_code == 404
    page = page_of(response)
    assert page.html["lang"] == "en"
    assert page.h1.get_text(strip=True) == "Page not found"


# 403 ---------------------------------------------------------------------------------------------


def test_an_official_opening_an_hr_page_gets_a_vietnamese_403(client, official, site):
    client.force_login(official.user)
    response = client.get(reverse("people:official_list"))  # /nhan-su/
    page = assert_vietnamese_refusal(response, 403, "Bạn không có quyền mở trang này")
    assert "quản trị hệ thống" in page.main.get_text()


def test_a_form_sent_without_its_csrf_token_gets_a_vietnamese_403(official, site):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(official.user)
    response = client.post(reverse("logout"))
    page = assert_vietnamese_refusal(response, 403, "Chưa gửi được biểu mẫu")
    assert "tải lại trang" in page.main.get_text()


# 400 ---------------------------------------------------------------------------------------------


def test_a_request_for_another_host_gets_a_vietnamese_400(client, site):
    response = client.get("/", HTTP_HOST="trang-gia-mao.example")
    assert_vietnamese_refusal(response, 400, "Không xử lý được yêu cầu")


@pytest.mark.urls(__name__)
def test_a_suspicious_request_gets_a_vietnamese_400(client, site):
    assert_vietnamese_refusal(client.get("/dang-ngo/"), 400, "Không xử lý được yêu cầu")


# 429 ---------------------------------------------------------------------------------------------


def test_the_verify_rate_limit_is_a_vietnamese_429_with_the_way_back(client, db, settings):
    from django.core.cache import cache

    cache.clear()
    url = reverse("certificates:verify", args=["khong-co-ma-nay"])
    for _ in range(60):
        client.get(url)
    response = client.get(url)
    cache.clear()
    assert_vietnamese_refusal(response, 429, "Vui lòng chờ")


def test_a_locked_out_login_is_a_vietnamese_429_with_the_way_back(client, official, site):
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": official.user.username, "password": "sai-mat-khau"})
    response = client.post(reverse("login"), {"username": official.user.username, "password": "sai-mat-khau"})
    page = assert_vietnamese_refusal(response, 429, "Đăng nhập sai quá nhiều lần")
    assert page.find("a", href=reverse("password_reset"))


# 500 ---------------------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_a_view_that_fails_gets_a_vietnamese_500(client, site):
    client.raise_request_exception = False
    response = client.get("/hong/")
    page = assert_vietnamese_refusal(response, 500, "Đã có lỗi xảy ra")
    assert "thử lại sau ít phút" in page.main.get_text()
    assert "a view that fails" not in response.content.decode()  # nothing of the error shows


@pytest.mark.urls(__name__)
def test_the_500_page_renders_while_the_database_is_down(client, site):
    """Every query fails, the view's and any the error page would make."""
    client.raise_request_exception = False

    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(refuse):
        response = client.get("/mat-ket-noi/")
    assert_vietnamese_refusal(response, 500, "Đã có lỗi xảy ra")


def test_the_500_page_renders_when_a_context_processor_fails(client, official, site, monkeypatch):
    """The header's HR check fails while a page renders: the 500 page needs no context processor."""
    client.raise_request_exception = False
    client.force_login(official.user)

    def broken(user):
        raise RuntimeError("scopes are unavailable")

    monkeypatch.setattr("lms.people.context_processors.scope_for", broken)
    assert_vietnamese_refusal(client.get(reverse("learning:my_learning")), 500, "Đã có lỗi xảy ra")


# Wagtail's failwhale ------------------------------------------------------------------------------

FAILWHALE = "/admin/failwhale/"


def test_failwhale_is_a_404_for_a_trainer(client, role_groups):
    trainer = UserFactory(username="giangvien")
    trainer.groups.add(role_groups[roles.TRAINER])
    client.force_login(trainer)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200  # the admin is open to them
    assert_vietnamese_refusal(client.get(FAILWHALE), 404, "Không tìm thấy trang")


def test_failwhale_is_a_404_for_hr(client, role_groups):
    hr = UserFactory(username="nhansu")
    hr.groups.add(role_groups[roles.HR])
    HRScope.objects.create(user=hr, unit=make_unit(name="Sở Nội vụ", kind="department"))
    client.force_login(hr)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert_vietnamese_refusal(client.get(FAILWHALE), 404, "Không tìm thấy trang")


def test_failwhale_is_a_404_for_officials_and_visitors(client, site):
    assert client.get(FAILWHALE).status_code == 404
    client.force_login(OfficialFactory().user)
    assert client.get(FAILWHALE).status_code == 404


def test_failwhale_still_fails_on_purpose_for_a_superuser(client, site):
    """Superusers keep Wagtail's way of trying out error reporting: a 500, shown as the site's page."""
    client.raise_request_exception = False
    client.force_login(UserFactory(username="quantri", is_superuser=True, is_staff=True))
    assert_vietnamese_refusal(client.get(FAILWHALE), 500, "Đã có lỗi xảy ra")
