from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from lms.core.jobs import Tracked
from lms.core.storage import private_storage


class PositionGroup(models.Model):
    """A group of positions HR reports on (leaders, IT specialists…): a list, not an enum."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("position group")
        verbose_name_plural = _("position groups")

    def __str__(self):
        return self.name


class JobPosition(models.Model):
    """A job position (vị trí việc làm, ND 171/2025/NĐ-CP): what training is planned against."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("job position")
        verbose_name_plural = _("job positions")

    def __str__(self):
        return self.name


class LeadershipTitle(models.Model):
    """A leadership title (chức vụ): Chủ tịch UBND xã, Trưởng phòng… An official may hold none."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("leadership title")
        verbose_name_plural = _("leadership titles")

    def __str__(self):
        return self.name


class OrgUnitQuerySet(MP_NodeQuerySet):
    """Named filters on units. Treebeard's own queryset, so deleting a subtree still works."""

    def open(self) -> "OrgUnitQuerySet":
        """Units that still exist (no last day)."""
        return self.filter(valid_to__isnull=True)

    def closed(self) -> "OrgUnitQuerySet":
        """Units closed or merged away (they have a last day)."""
        return self.filter(valid_to__isnull=False)

    def subtree(self, unit_or_path: "OrgUnit | str") -> "OrgUnitQuerySet":
        """The unit and everything below it: its path is a prefix of theirs (paths have fixed-width
        steps, so a sibling never matches)."""
        path = unit_or_path if isinstance(unit_or_path, str) else unit_or_path.path
        return self.filter(path__startswith=path)


class OrgUnitManager(MP_NodeManager):
    """Treebeard's manager (units in path order) returning ``OrgUnitQuerySet``."""

    def get_queryset(self) -> OrgUnitQuerySet:
        return OrgUnitQuerySet(self.model, using=self._db).order_by("path")

    def open(self) -> OrgUnitQuerySet:
        return self.get_queryset().open()

    def closed(self) -> OrgUnitQuerySet:
        return self.get_queryset().closed()

    def subtree(self, unit_or_path: "OrgUnit | str") -> OrgUnitQuerySet:
        return self.get_queryset().subtree(unit_or_path)


class OrgUnit(MP_Node):
    """A unit of the organisation tree; a subtree is one ``path__startswith`` query."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        DEPARTMENT = "department", _("Department / agency")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune / ward")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    code = models.CharField(
        _("administrative code"),
        max_length=40,
        unique=True,
        help_text=_("The unit's code in the administrative register, e.g. a commune code."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Last day the unit existed; empty while it still exists."),
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text=_("For a closed unit: the unit that took over its officials and records (e.g. after a merger)."),
    )

    objects = OrgUnitManager()

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_closed(self):
        return self.valid_to is not None

    def is_valid_on(self, day):
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class Official(models.Model):
    """A civil servant or public employee who learns on the platform."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official")
    full_name = models.CharField(_("full name"), max_length=255)
    employee_code = models.CharField(_("employee code"), max_length=40, unique=True)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="officials", verbose_name=_("unit"))
    position_group = models.ForeignKey(
        PositionGroup, on_delete=models.PROTECT, related_name="officials", verbose_name=_("position group")
    )
    job_position = models.ForeignKey(
        JobPosition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("job position"),
    )
    leadership_title = models.ForeignKey(
        LeadershipTitle,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="officials",
        verbose_name=_("leadership title"),
    )
    position_since = models.DateField(
        _("in this position since"),
        null=True,
        blank=True,
        help_text=_("The day the official took the current job position or title."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("official")
        verbose_name_plural = _("officials")

    def __str__(self):
        return f"{self.full_name} ({self.employee_code})"


class Placement(models.Model):
    """Where an official worked and when: moving an official closes one placement and opens another."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="placements")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="placements", verbose_name=_("unit"))
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["official", "started_on", "pk"]
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["official"], condition=Q(ended_on__isnull=True), name="placement_one_current_per_official"
            )
        ]

    def __str__(self):
        return f"{self.official_id} @ {self.unit_id} from {self.started_on}"


class HRScope(models.Model):
    """Grants a user HR rights over a unit's subtree; read-only for a unit head."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hr_scopes")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="hr_scopes", verbose_name=_("unit"))
    can_manage = models.BooleanField(
        _("can manage"), default=True, help_text=_("Unticked: may read the unit's officials and reports only.")
    )

    class Meta:
        verbose_name = _("HR scope")
        verbose_name_plural = _("HR scopes")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="hrscope_unique_user_unit")]

    def __str__(self):
        return f"{self.user} → {self.unit}"


_private_storage = private_storage  # the name migrations 0002 gives the import's file storage


class ImportBatch(Tracked):
    """One uploaded file of officials: validated in a dry run, then applied all at once. Each
    step is a background job stage (``lms.core.jobs``): claimed, beating, swept."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Ready to import")
        APPLYING = "applying", _("Importing")
        APPLIED = "applied", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage)
    original_name = models.CharField(max_length=255)
    deactivate_missing = models.BooleanField(
        _("deactivate officials missing from this file"),
        default=False,
        help_text=_("Officials of your units who are not in the file are marked inactive; their history is kept."),
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import of officials")
        verbose_name_plural = _("imports of officials")

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self):
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
