"""Row-by-row checks of an import against the database, without writing anything (the dry run)."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lms.core.text import fold

from ..models import JobPosition, LeadershipTitle, Official, OrgUnit, PositionGroup
from .columns import BY_KEY

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")
PHONE_RE = re.compile(r"^\+?[0-9 .]{8,20}$")
# A cell a spreadsheet would run as a formula (CSV injection); "+84…" phone numbers are fine.
FORMULA_RE = re.compile(r"^(?:[=@\t\r]|[+-](?![0-9 .]*$))")
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d/%m/%y")
# Fields of Official (and its user) that an import may change.
TRACKED = (
    "full_name",
    "email",
    "phone",
    "unit_id",
    "position_group_id",
    "job_position_id",
    "leadership_title_id",
    "position_since",
    "date_of_birth",
    "start_date",
    "is_active",
)
# Optional cells that, left empty, keep what we already know rather than erasing it. (An empty
# job position or title cell does clear: "no title" is a fact an import must be able to state.)
KEPT_WHEN_EMPTY = {"email", "phone", "date_of_birth", "start_date", "position_since"}
# The column that sets each tracked field, for the dry run's list of changes.
FIELD_COLUMNS = {
    "full_name": "full_name",
    "email": "email",
    "phone": "phone",
    "unit_id": "unit_code",
    "position_group_id": "position_group",
    "job_position_id": "job_position",
    "leadership_title_id": "leadership_title",
    "position_since": "position_since",
    "date_of_birth": "date_of_birth",
    "start_date": "start_date",
}


@dataclass
class RowResult:
    line: int
    code: str
    status: str
    errors: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)  # field → new value, for create and update
    official_id: int | None = None
    shown: dict = field(default_factory=dict)  # field → how to show a new value that is a row's id

    def as_report(self):
        return {
            "line": self.line,
            "code": self.code,
            "status": self.status,
            "errors": self.errors,
            "changes": {k: str(v) for k, v in self.changes.items()},
            "details": [[_field_label(k), self._shown(k, v)] for k, v in self.changes.items() if k != "full_name"],
        }

    def _shown(self, key, value):
        if key in self.shown:
            return self.shown[key]
        if value in ("", None):
            return "—"
        if isinstance(value, bool):
            return pgettext("import change", "yes") if value else pgettext("import change", "no")
        if isinstance(value, datetime.date):
            return value.strftime("%d/%m/%Y")
        return str(value)


def _field_label(key):
    column = FIELD_COLUMNS.get(key)
    return str(BY_KEY[column].label) if column else pgettext("import change", "active")


class Context:
    """Everything validation needs, loaded in a fixed number of queries."""

    def __init__(self, scope, codes):
        from django.contrib.auth import get_user_model

        self.scope = scope
        self.units = {u.code: u for u in OrgUnit.objects.only("pk", "code", "path", "valid_to", "name")}
        groups = list(PositionGroup.objects.all())
        self.groups = {g.code: g for g in groups} | {fold(g.name): g for g in groups}
        positions = list(JobPosition.objects.all())
        self.job_positions = {p.code: p for p in positions} | {_name_key(p.name): p for p in positions}
        titles = list(LeadershipTitle.objects.all())
        self.titles = {t.code: t for t in titles} | {_name_key(t.name): t for t in titles}
        self.existing = {}
        codes = list(codes)
        for start in range(0, len(codes), 5000):
            chunk = codes[start : start + 5000]
            for row in Official.objects.filter(employee_code__in=chunk).values(
                "pk", "employee_code", "user__email", *[f for f in TRACKED if f != "email"], "unit__path"
            ):
                row["email"] = row.pop("user__email")
                self.existing[row["employee_code"]] = row
        # Account names new officials would get (their code in lower case) that are already taken.
        new_usernames = [code.lower() for code in codes if code not in self.existing]
        self.taken_usernames = set()
        for start in range(0, len(new_usernames), 5000):
            chunk = new_usernames[start : start + 5000]
            self.taken_usernames |= set(
                get_user_model().objects.filter(username__in=chunk).values_list("username", flat=True)
            )


def _date(value, label, errors, earliest, latest):
    if value in ("", None):
        return None
    if isinstance(value, datetime.date):
        day = value
    else:
        for pattern in DATE_FORMATS:
            try:
                day = datetime.datetime.strptime(value, pattern).date()
                break
            except ValueError:
                continue
        else:
            errors.append(_("%(field)s “%(value)s” is not a date (dd/mm/yyyy).") % {"field": label, "value": value})
            return None
    if not earliest <= day <= latest:
        errors.append(_("%(field)s %(value)s is out of range.") % {"field": label, "value": day.strftime("%d/%m/%Y")})
        return None
    return day


def validate_row(line, record, context, seen):
    """Check one row; ``seen`` maps codes already met in this file to their line."""
    errors = []
    for key, value in record.items():
        if isinstance(value, str) and FORMULA_RE.match(value):
            errors.append(
                _("%(field)s looks like a spreadsheet formula; formulas are not accepted.")
                % {"field": str(BY_KEY[key].label).capitalize()}
            )
    if errors:
        return RowResult(line, str(record.get("employee_code", ""))[:40], ERROR, errors)

    code = str(record.get("employee_code", "")).strip()
    if not code:
        errors.append(_("the employee code is empty."))
    elif not CODE_RE.match(code):
        errors.append(
            _("employee code “%(code)s” may only contain letters, digits and . _ / - (at most 40).")
            % {"code": code[:60]}
        )
    elif code in seen:
        errors.append(
            _("employee code “%(code)s” is repeated (first on row %(line)s).") % {"code": code, "line": seen[code]}
        )
    else:
        seen[code] = line

    name = " ".join(str(record.get("full_name", "")).split())
    if not name:
        errors.append(_("the full name is empty."))
    elif len(name) > 255:
        errors.append(_("the full name is longer than 255 characters."))

    email = str(record.get("email", "")).strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("e-mail “%(email)s” is not a valid address.") % {"email": email[:100]})

    phone = str(record.get("phone", "")).strip()
    if phone and not PHONE_RE.match(phone):
        errors.append(_("phone number “%(phone)s” is not valid.") % {"phone": phone[:40]})

    unit_code = str(record.get("unit_code", "")).strip()
    unit = context.units.get(unit_code)
    if not unit_code:
        errors.append(_("the unit code is empty."))
    elif unit is None:
        errors.append(_("unit code “%(code)s” does not exist.") % {"code": unit_code[:60]})
    elif unit.valid_to is not None:
        errors.append(_("unit “%(code)s” (%(name)s) is closed.") % {"code": unit_code, "name": unit.name})
    elif not context.scope.covers(unit, manage=True):
        errors.append(_("unit “%(code)s” is outside the units you manage.") % {"code": unit_code})

    group_value = str(record.get("position_group", "")).strip()
    group = context.groups.get(group_value) or context.groups.get(fold(group_value))
    if not group_value:
        errors.append(_("the position group is empty."))
    elif group is None:
        errors.append(_("position group “%(group)s” does not exist.") % {"group": group_value[:60]})

    today = timezone.localdate()
    birth = _date(
        record.get("date_of_birth"),
        _("Date of birth"),
        errors,
        datetime.date(1940, 1, 1),
        today.replace(year=today.year - 15),
    )
    start = _date(
        record.get("start_date"), _("Start date"), errors, datetime.date(1950, 1, 1), today.replace(year=today.year + 1)
    )
    job_position = _listed(
        record.get("job_position"), context.job_positions, errors, _("job position “%(value)s” does not exist.")
    )
    title = _listed(
        record.get("leadership_title"), context.titles, errors, _("leadership title “%(value)s” does not exist.")
    )
    since = _date(
        record.get("position_since"),
        _("In this position since"),
        errors,
        datetime.date(1950, 1, 1),
        today + datetime.timedelta(days=366),
    )

    existing = context.existing.get(code)
    if existing is None and code.lower() in context.taken_usernames:
        errors.append(_("the account name “%(name)s” is already used by another account.") % {"name": code.lower()})
    if existing and not context.scope.covers_path(existing["unit__path"], manage=True):
        errors.append(_("official “%(code)s” belongs to a unit outside the units you manage.") % {"code": code})
    if errors:
        return RowResult(line, code[:40], ERROR, errors)

    wanted = {
        "full_name": name,
        "email": email,
        "phone": phone,
        "unit_id": unit.pk,
        "position_group_id": group.pk,
        "date_of_birth": birth,
        "start_date": start,
        "is_active": True,
    }
    shown = {"unit_id": unit.code, "position_group_id": group.name}
    # A column the file does not have leaves the official's position and title as they are.
    if "job_position" in record:
        wanted["job_position_id"] = job_position.pk if job_position else None
        shown["job_position_id"] = job_position.name if job_position else "—"
    if "leadership_title" in record:
        wanted["leadership_title_id"] = title.pk if title else None
        shown["leadership_title_id"] = title.name if title else "—"
    if "position_since" in record:
        wanted["position_since"] = since
    if existing is None:
        return RowResult(line, code, CREATE, changes=wanted, shown=shown)
    changes = {
        key: value
        for key, value in wanted.items()
        if existing[key] != value and not (value in ("", None) and key in KEPT_WHEN_EMPTY)
    }
    if since is None and {"job_position_id", "leadership_title_id"} & changes.keys():
        changes["position_since"] = today  # a new position or title without its day: taken today
    return RowResult(
        line, code, UPDATE if changes else UNCHANGED, changes=changes, official_id=existing["pk"], shown=shown
    )


def _name_key(name):
    """A name folded as position groups' are, an en or em dash read as the hyphen people type:
    "Văn thư – lưu trữ" and "van thu - luu tru" are the same job position."""
    return fold(name.replace("–", "-").replace("—", "-"))


def _listed(cell, choices, errors, unknown):
    """The job position or title a cell names (by code, or by name without case, diacritics or
    kind of dash, as position groups are matched); None for an empty cell or a missing column. An unknown value is
    an error (``unknown``, a message with ``%(value)s``)."""
    value = str(cell or "").strip()
    chosen = choices.get(value) or choices.get(_name_key(value))
    if value and chosen is None:
        errors.append(unknown % {"value": value[:60]})
    return chosen
