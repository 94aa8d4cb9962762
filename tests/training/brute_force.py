"""The training engine's rules counted the slow, obvious way, in Python over the raw rows, for the
property tests to hold the obligations and the plan tallies against. Written from the definitions
in ``lms/training`` (models, rules), sharing no code with it.

* Whom a requirement targets: active officials whose unit lies under one of the requirement's
  units, or under a closed unit merged (through its chain of successors) into one; with one of
  its position groups, job positions, titles (each list empty: anyone); who joined their unit
  (their open placement, else their start date) after ``joined_after``; minus the exclusions.
* Which obligations are current: those of the targeted, for every requirement of an active plan.
* What a plan's figures are: the current obligations, counted by requirement and the facts they
  were counted under, completed and in progress as their enrolment stands.
"""

import datetime
from collections import defaultdict

from django.conf import settings

from lms.learning.models import Enrollment
from lms.people.models import Official, OrgUnit, Placement
from lms.training.models import Exclusion, Extension, Obligation, PlanTally, Requirement, TrainingPlan


class World:
    """Every row the rules read, loaded once."""

    def __init__(self):
        self.units = {u.pk: u for u in OrgUnit.objects.all()}
        self.officials = {o.pk: o for o in Official.objects.all()}
        self.joined = {o.pk: o.start_date for o in self.officials.values()}
        open_since = {}
        for p in Placement.objects.filter(ended_on__isnull=True):
            if p.official_id not in open_since or p.started_on > open_since[p.official_id]:
                open_since[p.official_id] = p.started_on
        self.joined.update(open_since)
        self.plans = {p.pk: p for p in TrainingPlan.objects.all()}
        self.requirements = {r.pk: r for r in Requirement.objects.all()}
        self.m2m = {
            r.pk: {
                "units": set(r.units.values_list("pk", flat=True)),
                "groups": set(r.position_groups.values_list("pk", flat=True)),
                "positions": set(r.job_positions.values_list("pk", flat=True)),
                "titles": set(r.leadership_titles.values_list("pk", flat=True)),
            }
            for r in self.requirements.values()
        }
        self.excluded = set(Exclusion.objects.values_list("requirement_id", "official_id"))
        self.obligations = list(Obligation.objects.all())
        self.enrollments = {e.pk: e for e in Enrollment.objects.all()}
        self.extensions = defaultdict(list)
        for extension in Extension.objects.order_by("granted_at", "pk"):
            self.extensions[extension.obligation_id].append(extension)
        self.tallies = list(PlanTally.objects.all())

    # Targeting ---------------------------------------------------------------------------------

    def _ancestors(self, unit):
        """The unit and every unit above it (by path)."""
        return [u for u in self.units.values() if unit.path.startswith(u.path)]

    def covered(self, unit, targets, seen=frozenset()):
        """Whether ``unit`` lies under a target unit, or under a closed unit whose successor (in
        turn) is covered."""
        chain = self._ancestors(unit)
        if any(u.pk in targets for u in chain):
            return True
        for u in chain:
            successor = u.successor_id
            if successor is not None and successor not in seen and successor in self.units:
                if self.covered(self.units[successor], targets, seen | {successor}):
                    return True
        return False

    def targeted(self, requirement_id):
        requirement, sets = self.requirements[requirement_id], self.m2m[requirement_id]
        if requirement.course_id is None:
            return set()
        found = set()
        for o in self.officials.values():
            if not o.is_active or (requirement_id, o.pk) in self.excluded:
                continue
            if sets["groups"] and o.position_group_id not in sets["groups"]:
                continue
            if sets["positions"] and o.job_position_id not in sets["positions"]:
                continue
            if sets["titles"] and o.leadership_title_id not in sets["titles"]:
                continue
            if requirement.joined_after is not None:
                joined = self.joined.get(o.pk)
                if joined is None or not joined > requirement.joined_after:
                    continue
            if self.covered(self.units[o.unit_id], sets["units"]):
                found.add(o.pk)
        return found

    def expected_current(self, plan_ids):
        """{(requirement, official)} that should have a current obligation, for these plans."""
        return {
            (r.pk, official_id)
            for r in self.requirements.values()
            if r.plan_id in plan_ids
            for official_id in self.targeted(r.pk)
        }

    def current(self, plan_ids=None):
        return [b for b in self.obligations if b.ended_at is None and (plan_ids is None or b.plan_id in plan_ids)]

    # Due dates ---------------------------------------------------------------------------------

    def rule_due(self, requirement_id, official_id, today):
        """The rule's due date for ``official`` assigned on ``today``."""
        r = self.requirements[requirement_id]
        if r.due_rule == Requirement.DueRule.FIXED:
            return r.due_date
        days = datetime.timedelta(days=r.due_days)
        if r.due_rule == Requirement.DueRule.AFTER_ASSIGNMENT:
            return today + days
        official = self.officials[official_id]
        anchor = self.joined.get(official_id)
        if r.due_rule == Requirement.DueRule.AFTER_POSITION and official.position_since is not None:
            anchor = official.position_since
        due = (anchor or today) + days
        notice = today + datetime.timedelta(days=min(r.due_days, settings.TRAINING_MIN_NOTICE_DAYS))
        return max(due, notice)

    def effective_due(self, obligation):
        """The rule's date, unless an extension was granted in the obligation's current round."""
        granted = [x for x in self.extensions[obligation.pk] if x.granted_at >= obligation.assigned_at]
        return granted[-1].due_date if granted else obligation.rule_due_date

    # Figures -----------------------------------------------------------------------------------

    def facts(self, official_id):
        """(unit, group, position, title) of the official now, as the tallies count them."""
        o = self.officials[official_id]
        return (o.unit_id, o.position_group_id, o.job_position_id or 0, o.leadership_title_id or 0)

    @staticmethod
    def status(enrollment):
        """(completed, in progress) of an enrolment."""
        if enrollment.completed_at is not None:
            return 1, 0
        started = enrollment.last_activity_at is not None and (
            enrollment.cycle_started_at is None or enrollment.last_activity_at > enrollment.cycle_started_at
        )
        return 0, int(started)

    def figures(self, plan_id, facts_of):
        """{(requirement, unit, group, position, title, due date): (targeted, completed, in progress)}
        of the plan's current obligations; ``facts_of(obligation)`` gives the facts each counts under."""
        counts = defaultdict(lambda: [0, 0, 0])
        for b in self.current({plan_id}):
            completed, in_progress = self.status(self.enrollments[b.enrollment_id])
            row = counts[(b.requirement_id, *facts_of(b), b.due_date)]
            row[0] += 1
            row[1] += completed
            row[2] += in_progress
        return {key: tuple(values) for key, values in counts.items() if any(values)}

    def stored_figures(self, plan_id):
        requirements = {pk for pk, r in self.requirements.items() if r.plan_id == plan_id}
        counts = defaultdict(lambda: [0, 0, 0])
        for t in self.tallies:
            if t.requirement_id in requirements:
                row = counts[
                    (t.requirement_id, t.unit_id, t.position_group_id, t.job_position_id, t.title_id, t.due_date)
                ]
                row[0] += t.targeted
                row[1] += t.completed
                row[2] += t.in_progress
        return {key: tuple(values) for key, values in counts.items() if any(values)}


def per_requirement(figures):
    """{requirement: (targeted, completed, in progress)} summed over the other keys."""
    sums = defaultdict(lambda: [0, 0, 0])
    for key, values in figures.items():
        for index, value in enumerate(values):
            sums[key[0]][index] += value
    return {key: tuple(values) for key, values in sums.items()}
