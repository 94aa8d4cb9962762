"""A Celery worker in which chosen functions stop for a long while after some calls, so that a
test can kill it (SIGKILL) in the middle of a job: ``python -m tests.slow_worker -A lms worker …``.

``LMS_TEST_SLOW`` lists ``module|attribute|calls|marker`` entries separated by ``;``: after
``calls`` calls of ``module.attribute``, the next call creates the file ``marker`` (the test waits
for it) and sleeps for ten minutes instead of returning."""

import functools
import importlib
import os
import pathlib
import sys
import time


def _slow_down(spec):
    module_name, attribute, calls, marker = spec.split("|")
    module = importlib.import_module(module_name)
    real = getattr(module, attribute)
    seen = {"calls": 0}

    @functools.wraps(real)
    def slowed(*args, **kwargs):
        seen["calls"] += 1
        if seen["calls"] > int(calls):
            pathlib.Path(marker).touch()
            time.sleep(600)
        return real(*args, **kwargs)

    setattr(module, attribute, slowed)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    import django

    django.setup()
    for spec in filter(None, os.environ.get("LMS_TEST_SLOW", "").split(";")):
        _slow_down(spec)
    from celery.bin.celery import main as celery_main

    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(celery_main())


if __name__ == "__main__":
    main()
