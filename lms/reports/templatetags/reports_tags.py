"""Numbers of the HR dashboard as the active language writes them (``1.234`` and ``45,3%`` in
Vietnamese)."""

from django import template
from django.utils.formats import number_format

from lms.reports.charts import format_percent

register = template.Library()


@register.filter
def percent(rate):
    return format_percent(rate)


@register.filter
def count(value):
    return number_format(value or 0, force_grouping=True)
