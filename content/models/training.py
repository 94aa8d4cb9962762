from django.db import models
from django.utils.translation import gettext_lazy as _

# The codes of the five training contents of Nghị định 171/2025/NĐ-CP, seeded (with their names,
# in this order) by the migration content.0005_seed_training_contents. Editors may rename and
# reorder them; the codes stay.
POLITICAL_THEORY = "ly-luan-chinh-tri"
DEFENCE_AND_SECURITY = "quoc-phong-va-an-ninh"
STATE_MANAGEMENT = "quan-ly-nha-nuoc"
JOB_POSITION = "vi-tri-viec-lam"
DIGITAL_SKILLS = "khoa-hoc-cong-nghe-ky-nang-so"


# The plugin cannot type the reverse manager ``courses`` (CoursePage's manager is built on Wagtail's
# PageManager, which has no stubs), as for CourseCategory in pyproject's override of base.py.
class TrainingContent(models.Model):  # type: ignore[django-manager-missing]
    """A training content (nội dung bồi dưỡng) a course counts towards in a training plan."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=255)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("training content")
        verbose_name_plural = _("training contents")

    def __str__(self):
        return self.name
