"""The logged-in official's own profile: who they are, where they work and have worked."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Official, OrgUnit, Placement


def _ancestor_paths(unit):
    """Paths of the unit's ancestors, nearest first (a treebeard path is the parent's path plus one step)."""
    return [unit.path[:end] for end in range(len(unit.path) - OrgUnit.steplen, 0, -OrgUnit.steplen)]


def unit_chains(units):
    """``{unit pk: "Xã Sơn Hà · Tỉnh Minh Sơn"}`` for the given units, with one query for all their ancestors."""
    paths = {path for unit in units for path in _ancestor_paths(unit)}
    names = dict(OrgUnit.objects.filter(path__in=paths).values_list("path", "name")) if paths else {}
    return {
        unit.pk: " · ".join([unit.name, *(names[path] for path in _ancestor_paths(unit) if path in names)])
        for unit in units
    }


@login_required
@require_GET
def profile(request):
    official = (
        Official.objects.select_related("user", "unit", "position_group", "job_position", "leadership_title")
        .prefetch_related(
            Prefetch("placements", queryset=Placement.objects.select_related("unit").order_by("-started_on", "-pk"))
        )
        .filter(user=request.user)
        .first()
    )
    context = {"official": official}
    if official is not None:
        placements = list(official.placements.all())
        chains = unit_chains([official.unit, *(placement.unit for placement in placements)])
        context.update(
            unit_chain=chains[official.unit_id],
            placements=[(placement, chains[placement.unit_id]) for placement in placements],
        )
    return render(request, "people/profile.html", context)
