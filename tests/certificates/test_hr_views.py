"""HR's certificate pages: who sees and changes what (never another unit's data), the search,
downloads of every revision, reissue with a name correction, revocation, and flat query counts."""

import datetime
import unicodedata

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.models import ModelLogEntry

from lms.certificates import services
from lms.certificates.models import Certificate, CertificateArchive
from tests.certificates.conftest import pdf_text, read_pdf
from tests.certificates.hr_world import CODE_A, NAME_A, NAME_B, build_world, quick_certificate
from tests.factories import OfficialFactory, make_course
from tests.support.auth import login
from tests.support.queries import count_queries

ROLES = ["anonymous", "official", "hr_a", "hr_b", "head_a", "admin"]


def url(name, *args):
    return reverse(f"hr_certificates:{name}", args=args)


def vi(text):
    with translation.override("vi"):
        return gettext(text)


def serials(response):
    return [certificate.serial for certificate, _status in response.context["rows"]]


def with_archive_of_a(world):
    archive = CertificateArchive(
        requested_by=world["people"]["hr_a"], unit=world["units"]["a"], status=CertificateArchive.Status.DONE, total=1
    )
    archive.file.save("a.zip", ContentFile(b"PK\x05\x06" + b"\x00" * 18), save=False)
    archive.save()
    world["archive_a"] = archive
    return world


@pytest.fixture
def world(course):
    return with_archive_of_a(build_world(course))


@pytest.fixture
def quick_world(course):
    """Certificates with stand-in files: enough for the permission matrix, and fast."""
    return with_archive_of_a(build_world(course, signed=False))


def state(world):
    """What a refused or read-only request must leave as it was."""
    return (
        sorted(Certificate.objects.values_list("pk", "is_current", "revoked_at")),
        sorted(ModelLogEntry.objects.values_list("pk", flat=True)),
        world["official_a"].__class__.objects.get(pk=world["official_a"].pk).full_name,
        CertificateArchive.objects.count(),
    )


# (name, url builder, method, expected status per role in ROLES order). POSTs carry no data: an
# allowed user gets the form back with its errors, and nothing changes.
MATRIX = [
    ("search", lambda w: url("search"), "get", [302, 403, 200, 200, 200, 200]),
    ("detail A", lambda w: url("detail", w["cert_a"].pk), "get", [302, 403, 200, 404, 200, 200]),
    ("download A", lambda w: url("download", w["cert_a"].pk), "get", [302, 403, 200, 404, 200, 200]),
    ("reissue form A", lambda w: url("reissue", w["cert_a"].pk), "get", [302, 403, 200, 404, 403, 200]),
    ("reissue A", lambda w: url("reissue", w["cert_a"].pk), "post", [302, 403, 200, 404, 403, 200]),
    ("revoke form A", lambda w: url("revoke", w["cert_a"].pk), "get", [302, 403, 200, 404, 403, 200]),
    ("revoke A", lambda w: url("revoke", w["cert_a"].pk), "post", [302, 403, 200, 404, 403, 200]),
    ("zip form", lambda w: url("archive_start"), "get", [302, 403, 200, 200, 200, 200]),
    ("zip request", lambda w: url("archive_start"), "post", [302, 403, 200, 200, 200, 200]),
    # Only the requester sees an archive, administrators included.
    ("zip of A", lambda w: url("archive_detail", w["archive_a"].pk), "get", [302, 403, 200, 404, 404, 404]),
    (
        "zip of A download",
        lambda w: url("archive_download", w["archive_a"].pk),
        "get",
        [302, 403, 200, 404, 404, 404],
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "path", "method", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, quick_world, role, name, path, method, expected, django_capture_on_commit_callbacks):
    world = quick_world
    before = state(world)
    login(client, world, role)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = getattr(client, method)(path(world))

    assert response.status_code == expected[ROLES.index(role)], f"{name} as {role}"
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
    assert state(world) == before and not callbacks
    if role == "hr_b" and response.status_code == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in (NAME_A, CODE_A, world["cert_a"].serial, "Xã Đồng Tâm"):
            assert secret.encode() not in body


def test_each_hr_searches_their_own_units_only(client, world):
    assert serials(login(client, world, "hr_a").get(url("search"))) == [world["cert_a"].serial]
    assert serials(login(Client(), world, "hr_b").get(url("search"))) == [world["cert_b"].serial]
    everyone = serials(login(Client(), world, "admin").get(url("search")))
    assert sorted(everyone) == sorted([world["cert_a"].serial, world["cert_b"].serial])


@pytest.mark.parametrize("query", ["lo thi hanh", "HẠNH", "hanh", "thi h", "a-0001", "000001"])
def test_search_by_name_without_diacritics_employee_code_or_serial(client, world, query):
    assert world["cert_a"].serial.endswith("000001")
    response = login(client, world, "hr_a").get(url("search"), {"q": query})
    assert serials(response) == [world["cert_a"].serial]


@pytest.mark.parametrize("query", ["binh", "nhung", "hanhx"])
def test_search_finds_nothing_else(client, world, query):
    assert serials(login(client, world, "hr_a").get(url("search"), {"q": query})) == []


def test_another_units_filter_is_an_error_not_a_leak(client, world):
    response = login(client, world, "hr_b").get(url("search"), {"unit": "XA-A", "q": "hanh"})
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert serials(response) == []
    assert NAME_A.encode() not in response.content


def test_filters_by_unit_subtree_status_year_and_course(client, world, catalogue):
    units, course = world["units"], world["course"]
    other_course = make_course(catalogue, "Dịch vụ công trực tuyến", lessons=0)
    hamlet = quick_certificate(
        OfficialFactory(unit=units["hamlet_a"], full_name="Hà Văn Đông"), course, expires_on=datetime.date(2025, 3, 1)
    )
    revoked = quick_certificate(
        world["official_a"], other_course, revoked_at=timezone.now(), revoked_by=world["people"]["hr_a"]
    )
    login(client, world, "hr_a")

    def found(**filters):
        return set(serials(client.get(url("search"), filters)))

    cert_a = world["cert_a"]
    assert found() == {cert_a.serial, hamlet.serial, revoked.serial}
    assert found(unit="XA-A-DONG") == {hamlet.serial}
    assert found(unit="XA-A") == {cert_a.serial, hamlet.serial, revoked.serial}
    assert found(status="expired") == {hamlet.serial}
    assert found(status="revoked") == {revoked.serial}
    assert found(status="valid") == {cert_a.serial}
    assert found(year=2024) == {hamlet.serial, revoked.serial}
    assert found(year=cert_a.year) == {cert_a.serial}
    assert found(course=other_course.pk) == {revoked.serial}
    assert found(q="dong", status="expired") == {hamlet.serial}


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"status": "bogus"},
        {"course": "xyz"},
        {"official": "abc"},
        {"q": "x" * 500},
        {"unit": "<script>"},
    ],
)
def test_bad_filter_values_are_form_errors(client, world, params):
    response = login(client, world, "hr_a").get(url("search"), {**params, "page": "zz"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert serials(response) == []
    assert b"<script>" not in response.content


def test_bad_page_numbers_are_the_last_page_not_an_error(client, world):
    response = login(client, world, "hr_a").get(url("search"), {"page": "9999"})
    assert response.status_code == 200 and serials(response) == [world["cert_a"].serial]


def test_the_official_page_links_to_their_certificates(client, world):
    official_a = world["official_a"]
    colleague = OfficialFactory(unit=world["units"]["a"], full_name="Lò Văn Khánh")
    quick_certificate(colleague, world["course"])
    login(client, world, "hr_a")

    page = client.get(reverse("people:official_detail", args=[official_a.pk])).content.decode()
    link = f"{url('search')}?official={official_a.pk}"
    assert f'href="{link}"' in page
    response = client.get(link)
    assert serials(response) == [world["cert_a"].serial]
    assert NAME_A in response.content.decode()

    refused = login(Client(), world, "hr_b").get(link)
    assert "official" in refused.context["form"].errors and serials(refused) == []
    assert NAME_A.encode() not in refused.content


def test_the_menu_shows_the_page_to_hr_only(client, world):
    mine = reverse("my_certificates:list")
    assert url("search") in login(client, world, "hr_a").get(mine).content.decode()
    assert url("search") not in login(Client(), world, "official").get(mine).content.decode()


def test_the_search_shows_the_newest_revision_and_the_detail_all_of_them(client, world):
    old = world["cert_a"]
    new = services.reissue(old, world["people"]["hr_a"], "Đổi mẫu")
    login(client, world, "hr_a")

    rows = client.get(url("search")).context["rows"]
    assert [(c.pk, c.revision) for c, _status in rows] == [(new.pk, 2)]
    detail = client.get(url("detail", old.pk))
    assert [(r.pk, status) for r, status in detail.context["revisions"]] == [(new.pk, "valid"), (old.pk, "superseded")]
    page = detail.content.decode()
    for revision in (old, new):
        assert url("download", revision.pk) in page
    assert reverse("certificates:verify", args=[new.verification_code]) in page


def test_every_revision_downloads_for_hr_in_scope(client, world):
    old = world["cert_a"]
    new = services.reissue(old, world["people"]["hr_a"], "Đổi mẫu")
    for role in ("hr_a", "head_a"):
        browser = login(Client(), world, role)
        for revision in (old, new):
            response = browser.get(url("download", revision.pk))
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == read_pdf(revision)
            assert f"{revision.serial}-r{revision.revision}.pdf" in response["Content-Disposition"]


def test_unknown_ids_are_404(client, world):
    login(client, world, "hr_a")
    for name in ("detail", "download", "reissue", "revoke", "archive_detail", "archive_download"):
        assert client.get(url(name, 999999)).status_code == 404


def test_a_unit_head_sees_no_change_buttons(client, world):
    page = login(client, world, "head_a").get(url("detail", world["cert_a"].pk)).content.decode()
    assert url("reissue", world["cert_a"].pk) not in page and url("revoke", world["cert_a"].pk) not in page
    page = login(Client(), world, "hr_a").get(url("detail", world["cert_a"].pk)).content.decode()
    assert url("reissue", world["cert_a"].pk) in page and url("revoke", world["cert_a"].pk) in page


def test_reissue_with_a_corrected_name(client, world):
    old, official = world["cert_a"], world["official_a"]
    corrected = "Lò Thị Hồng Hạnh"
    login(client, world, "hr_a")
    form = client.get(url("reissue", old.pk)).context["form"]
    assert form["holder_name"].value() == NAME_A

    # Typed on a keyboard that sends decomposed accents: stored as one code point per letter.
    response = client.post(
        url("reissue", old.pk),
        {"holder_name": unicodedata.normalize("NFD", corrected), "reason": "Sửa họ tên theo Quyết định 12/QĐ-UBND"},
    )

    new = Certificate.objects.get(serial=old.serial, is_current=True)
    assert response.status_code == 302 and response["Location"] == url("detail", new.pk)
    assert (new.serial, new.revision, new.holder_name) == (old.serial, 2, corrected)
    assert corrected in pdf_text(read_pdf(new))
    old.refresh_from_db()
    assert not old.is_current and storages["private"].exists(old.pdf.name)
    assert NAME_A in pdf_text(read_pdf(old))
    official.refresh_from_db()
    assert official.full_name == corrected
    hr_a = world["people"]["hr_a"]
    rename = ModelLogEntry.objects.get(action="wagtail.edit", object_id=str(official.pk))
    assert rename.user == hr_a and rename.data["full_name"] == {"old": NAME_A, "new": corrected}
    reissued = ModelLogEntry.objects.get(action=services.REISSUE_ACTION)
    assert reissued.object_id == str(new.pk) and reissued.user == hr_a and reissued.data["revision"] == 2
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]]
    assert serials(client.get(url("search"), {"q": "hong hanh"})) == [old.serial]


def test_reissue_without_a_name_change_leaves_the_record_alone(client, world):
    old = world["cert_a"]
    response = login(client, world, "hr_a").post(
        url("reissue", old.pk), {"holder_name": NAME_A, "reason": "Mẫu mới của Sở"}
    )
    assert response.status_code == 302
    assert not ModelLogEntry.objects.filter(action="wagtail.edit").exists()
    assert ModelLogEntry.objects.filter(action=services.REISSUE_ACTION).count() == 1


@pytest.mark.parametrize("data", [{"reason": "   "}, {"reason": ""}, {"holder_name": " "}])
def test_reissue_without_reason_or_name_writes_nothing(client, world, data):
    before = state(world)
    files = storages["private"].listdir(f"certificates/{world['cert_a'].year}")[1]
    response = login(client, world, "hr_a").post(
        url("reissue", world["cert_a"].pk), {"holder_name": "Tên Mới", "reason": "Lý do", **data}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"holder_name" if "holder_name" in data else "reason"}
    assert state(world) == before
    assert storages["private"].listdir(f"certificates/{world['cert_a'].year}")[1] == files


def test_a_revoked_certificate_cannot_be_reissued(client, world):
    services.revoke(world["cert_a"], world["people"]["admin"], "Cấp nhầm")
    before = state(world)
    response = login(client, world, "hr_a").post(
        url("reissue", world["cert_a"].pk), {"holder_name": NAME_A, "reason": "Thử lại"}
    )
    assert response.status_code == 200
    assert vi("A revoked certificate cannot be reissued.") in response.content.decode()
    assert state(world) == before


def test_an_old_revision_cannot_be_reissued_or_revoked(client, world):
    old = world["cert_a"]
    services.reissue(old, world["people"]["hr_a"], "Đổi mẫu")
    before = state(world)
    login(client, world, "hr_a")
    reissue = client.post(url("reissue", old.pk), {"holder_name": NAME_A, "reason": "Lần nữa"})
    revoke = client.post(url("revoke", old.pk), {"reason": "Nhầm", "confirm": "on"})
    assert reissue.status_code == revoke.status_code == 200
    assert vi("Only the current revision of a certificate can be reissued.") in reissue.content.decode()
    assert vi("Only the current revision of a certificate can be revoked.") in revoke.content.decode()
    assert state(world) == before


def test_get_never_changes_anything(client, world):
    before = state(world)
    login(client, world, "hr_a")
    query = {"holder_name": "Tên Khác", "reason": "Lý do", "confirm": "on", "unit": "XA-A"}
    for name in ("reissue", "revoke"):
        assert client.get(url(name, world["cert_a"].pk), query).status_code == 200
    assert client.get(url("archive_start"), query).status_code == 200
    assert state(world) == before


def test_posts_without_the_csrf_token_are_refused(world):
    before = state(world)
    browser = Client(enforce_csrf_checks=True)
    login(browser, world, "hr_a")
    cert = world["cert_a"]
    assert browser.post(url("reissue", cert.pk), {"holder_name": "Tên Khác", "reason": "Lý do"}).status_code == 403
    assert browser.post(url("revoke", cert.pk), {"reason": "Lý do", "confirm": "on"}).status_code == 403
    assert browser.post(url("archive_start"), {"unit": "XA-A"}).status_code == 403
    assert state(world) == before


def test_hr_revokes_and_the_public_page_says_revoked(client, world):
    from django.core.cache import cache

    cert, hr_a = world["cert_a"], world["people"]["hr_a"]
    login(client, world, "hr_a")
    response = client.post(url("revoke", cert.pk), {"reason": "Cấp nhầm người", "confirm": "on"})

    assert response.status_code == 302 and response["Location"] == url("detail", cert.pk)
    cert.refresh_from_db()
    assert (cert.revoked_by, cert.revoke_reason) == (hr_a, "Cấp nhầm người") and cert.revoked_at
    entry = ModelLogEntry.objects.get(action=services.REVOKE_ACTION)
    assert entry.object_id == str(cert.pk) and entry.user == hr_a and entry.data["reason"] == "Cấp nhầm người"
    detail = client.get(response["Location"]).content.decode()
    assert "Cấp nhầm người" in detail and hr_a.get_full_name() in detail

    cache.clear()  # the public page is rate-limited per address
    public = Client().get(reverse("certificates:verify", args=[cert.verification_code]))
    assert public.context["status"] == "revoked"

    again = client.post(url("revoke", cert.pk), {"reason": "Lần hai", "confirm": "on"})
    assert again.status_code == 200
    assert vi("This certificate has already been revoked.") in again.content.decode()
    cert.refresh_from_db()
    assert cert.revoke_reason == "Cấp nhầm người"
    assert ModelLogEntry.objects.filter(action=services.REVOKE_ACTION).count() == 1


def test_revoking_needs_a_reason_and_the_confirmation(client, world):
    before = state(world)
    login(client, world, "hr_a")
    unconfirmed = client.post(url("revoke", world["cert_a"].pk), {"reason": "Cấp nhầm"})
    no_reason = client.post(url("revoke", world["cert_a"].pk), {"reason": "  ", "confirm": "on"})
    assert set(unconfirmed.context["form"].errors) == {"confirm"}
    assert set(no_reason.context["form"].errors) == {"reason"}
    assert state(world) == before


def test_the_search_page_is_flat_in_the_number_of_certificates(client, world):
    unit_a, course = world["units"]["a"], world["course"]
    login(client, world, "hr_a")
    counts = []
    for total in (2, 20):
        while Certificate.objects.filter(official__unit=unit_a).count() < total:
            quick_certificate(OfficialFactory(unit=unit_a, full_name="Vi Thị Nga"), course)
        counts.append(
            (
                count_queries(client, url("search")),
                count_queries(client, f"{url('search')}?q=nga&unit=XA-A&status=valid&year=2024"),
            )
        )
    assert counts[0] == counts[1], counts


def test_the_detail_page_is_flat_in_the_number_of_revisions(client, world):
    cert, hr_a = world["cert_a"], world["people"]["hr_a"]
    login(client, world, "hr_a")
    counts = [count_queries(client, url("detail", cert.pk))]
    for reason in ("Sửa tên", "Đổi mẫu"):
        cert = services.reissue(cert, hr_a, reason)
    services.revoke(cert, hr_a, "Cấp nhầm")
    counts.append(count_queries(client, url("detail", cert.pk)))
    assert counts[0] == counts[1], counts
    assert NAME_B not in client.get(url("detail", cert.pk)).content.decode()
