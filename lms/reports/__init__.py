"""HR reporting: completion figures for a subtree of the organisation, read from tallies that are
kept up to date as training happens, so that the province's root reads a few hundred rows instead
of scanning two million enrolments.

What the numbers mean
---------------------
* **Today's structure.** An enrolment counts where its unit stands today: the unit recorded on the
  enrolment (the official's unit when they enrolled; the official's unit if none was recorded),
  followed through ``successor`` to the open unit that took it over
  (``lms.people.structure.current_unit``), and every open unit above that. A closed unit whose
  chain of successors dead-ends keeps its own place, so its records count in the open units above
  it, as in ``current_structure_counts``. Closed units have no figures of their own.
* **Current officials.** Only enrolments of *active* officials count; a leaver's records leave the
  figures (and come back if they are reactivated). An enrolment counts under its official's
  *current* position group.
* **Headcount** is the number of active officials whose current unit lies in the subtree, by the
  same mapping through successors.
* **Status of an enrolment**, in its current cycle (recertification starts a new one):
  *completed* — ``completed_at`` is set; *in progress* — not completed, and some activity since the
  cycle started (``last_activity_at`` set and, after a recertification, later than
  ``cycle_started_at``, which reopening sets it equal to); *not started* — neither;
  *overdue* — not completed and ``due_date`` before today (in Asia/Ho_Chi_Minh). Overdue depends on
  the day, so incomplete enrolments are tallied by due date and compared at query time.
* **Completion rate** = completed / enrolled (None when nothing is enrolled).
* **Year** (filter and dimension) is the local year the current cycle started: ``enrolled_at``, or
  ``cycle_started_at`` after a recertification. **Completions by month** counts current
  completions by the local month of ``completed_at``; the same filters apply (so with a year
  filter, the completions of that year's cycles, some of which may fall in January of the next).
  Completions of earlier cycles live on in the certificates, not in this series.
* **Unit kind** (filter and dimension) is the kind of the unit a record counts in today (its
  current unit), not of the unit whose subtree is shown.

How the tallies are kept
------------------------
Tallies (``models``) are rows keyed by (tally unit, kind, position group, course, year, …) with
integer columns; each record adds to the row of every open unit on its path. They are a function of
three inputs, which every maintenance path keeps in step (``maintenance``):

* the enrolments — the learning services send ``enrollment_changed`` with the state before the
  change, inside their transaction; the receiver adds ``after - before``;
* ``TalliedOfficial`` — the unit, group and active flag the tallies assume for each official.
  ``post_save`` of an official and ``people.signals.officials_changed`` (the import's bulk writes)
  reconcile it: the official's records are taken out under the old state and put back under the
  new one, set-based;
* ``UnitRollup`` — for every unit, open or closed, the tally units its records add to.
  ``people.signals.units_changed`` (create, edit, move, close, merge) recomputes the map and
  re-tallies only the records of units whose place changed.

Every write is an increment upsert (``INSERT … ON CONFLICT … DO UPDATE SET n = t.n + excluded.n``)
in the same transaction as the change, rows touched in key order. ``manage.py
rebuild_report_tallies`` recomputes everything set-based; ``--check`` reports drift.

Reading
-------
``aggregation`` is the one service the dashboard, lists, exports and API use: ``summary``,
``breakdown`` by any dimension (child unit, group, course, kind, year — a training plan joins as
one more), ``completions_by_month``, and ``overview``, the whole dashboard in ten queries; callers
pass the units whose subtrees to report, from ``roots_for_user``. ``cube.Cube`` reads the tallies
split by several dimensions at once and sums any coarser split in Python. ``records`` gives the
enrolments behind the numbers (same subtrees, mapping, filters and statuses) for lists and
row-level exports.
"""
