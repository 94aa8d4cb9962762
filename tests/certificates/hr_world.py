"""Data for the HR certificate tests: two communes of a province, their HR, a unit head, an
official, an administrator, and certificates on both sides (log in as one of them with
``tests.support.auth.login(client, world, role)``)."""

import datetime
import hashlib
import itertools

from django.core.files.base import ContentFile

from lms.certificates import services
from lms.certificates.models import Certificate
from lms.people import roles
from tests.certificates.conftest import completed_enrollment
from tests.factories import OfficialFactory, make_unit
from tests.support.people import administrator, hr_of

NAME_A = "Lò Thị Hạnh"
CODE_A = "A-0001"
NAME_B = "Trần Văn Bình"
CODE_B = "B-0001"

_numbers = itertools.count(1)


def build_world(course, signed=True):
    """With ``signed``, the two certificates are issued for real (rendered and signed, slower)."""
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="TINH")
    unit_a = make_unit(province, name="Xã Đồng Tâm", code="XA-A")
    unit_b = make_unit(province, name="Xã Hòa Bình", code="XA-B")
    hamlet_a = make_unit(unit_a, name="Thôn Đông", code="XA-A-DONG")
    groups = roles.ensure_roles()
    official_a = OfficialFactory(unit=unit_a, full_name=NAME_A, employee_code=CODE_A)
    official_a.user.groups.add(groups[roles.OFFICIAL])
    official_b = OfficialFactory(unit=unit_b, full_name=NAME_B, employee_code=CODE_B)
    people = {"anonymous": None, "official": official_a.user}
    for key, unit, manage in (("hr_a", unit_a, True), ("hr_b", unit_b, True), ("head_a", unit_a, False)):
        people[key] = hr_of(unit, can_manage=manage, username=key.replace("_", "-"), first_name=key.upper())
    people["admin"] = administrator()
    if signed:
        cert_a = services.issue_for_enrollment(completed_enrollment(course, official_a).pk)
        cert_b = services.issue_for_enrollment(completed_enrollment(course, official_b).pk)
    else:
        cert_a, cert_b = quick_certificate(official_a, course), quick_certificate(official_b, course)
    return {
        "people": people,
        "units": {"a": unit_a, "b": unit_b, "hamlet_a": hamlet_a, "province": province},
        "official_a": official_a,
        "official_b": official_b,
        "cert_a": cert_a,
        "cert_b": cert_b,
        "course": course,
    }


def quick_certificate(official, course, *, year=2024, issued_on=None, expires_on=None, holder_name=None, **fields):
    """A certificate row with a small stand-in file, without rendering or signing (fast)."""
    number = next(_numbers)
    content = f"%PDF-1.4 stand-in {number}".encode()
    enrollment = completed_enrollment(course, official)
    certificate = Certificate(
        enrollment=enrollment,
        official=official,
        course=course,
        serial=f"CCS-{year}-{number:06d}",
        year=year,
        number=number,
        verification_code=f"quick-{number}",
        issued_on=issued_on or datetime.date(year, 3, 1),
        expires_on=expires_on,
        holder_name=holder_name or official.full_name,
        holder_employee_code=official.employee_code,
        unit_name=official.unit.name,
        course_title=course.title,
        issuer_name="Sở Nội vụ",
        sha256=hashlib.sha256(content).hexdigest(),
        **fields,
    )
    certificate.pdf.save(f"{certificate.serial}-r1.pdf", ContentFile(content), save=False)
    certificate.save()
    return certificate
