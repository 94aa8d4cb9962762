"""How higher apps plug into the ledger, from their ``AppConfig.ready``: notifications knows
recipients and keys, not courses, so the apps that do say what a key means and when it is due.

``register_topic(topic, describe)``
    ``describe(object_ids) -> {object_id: facts | None}`` is called once per topic per batch (a
    page of the list, a chunk of recipients to e-mail), so its queries must not depend on the
    number of ids. ``facts`` is a dict for ``rendering`` (keys: ``course``, ``plan``, ``reason``,
    ``due_date``, ``expires_on``, ``unit``, ``items``, ``count``, ``days``, ``url``); ``None`` (or a
    missing id) means the notification has become obsolete (the obligation was completed, the
    certificate revoked…): it is not e-mailed and not listed.
``register_source(name, collect)``
    ``collect(day) -> int`` records the ledger rows due on ``day`` (their nominal days may be
    earlier, for a catch-up) and returns how many it recorded. ``services.run_day`` calls every
    source, in the order they were registered, then delivers.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Facts = dict[str, Any]
Describe = Callable[[list[int]], dict[int, Facts | None]]
Collect = Callable[[datetime.date], int]

_topics: dict[str, Describe] = {}
_sources: dict[str, Collect] = {}


class Keyed(Protocol):
    pk: Any
    topic: str
    object_id: int


def register_topic(topic: str, describe: Describe) -> None:
    _topics[topic] = describe


def register_source(name: str, collect: Collect) -> None:
    _sources[name] = collect


def topics() -> dict[str, Describe]:
    return dict(_topics)


def sources() -> dict[str, Collect]:
    return dict(_sources)


def describe(notifications: Iterable[Keyed]) -> dict[Any, Facts | None]:
    """The facts of each notification, by its pk: one ``describe`` call per topic. A topic that no
    app registers (any more) describes nothing: its notifications are obsolete."""
    by_topic: dict[str, set[int]] = defaultdict(set)
    rows = list(notifications)
    for row in rows:
        by_topic[row.topic].add(row.object_id)
    described: dict[str, dict[int, Facts | None]] = {}
    for topic, ids in by_topic.items():
        describe_topic = _topics.get(topic)
        if describe_topic is None:
            logger.warning("No app describes the notification topic %r", topic)
            described[topic] = {}
        else:
            described[topic] = describe_topic(sorted(ids))
    return {row.pk: described[row.topic].get(row.object_id) for row in rows}
