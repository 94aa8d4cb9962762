"""Read an import file the way the worker does, in a process of its own, and print how long it
took, how much the process's peak memory grew and the error (JSON). Used by test_import_bombs."""

import json
import os
import resource
import sys
import time


def main(path, name):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    import django

    django.setup()
    from django.utils import translation

    from lms.people.imports import reader

    translation.activate("vi")
    with open(path, "rb") as handle:
        data = handle.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    error, rows = None, 0
    try:
        rows = len(reader.read_records(data, name))
    except reader.ImportFileError as refused:
        error = str(refused)
    seconds = time.monotonic() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # KiB → MiB
    print(json.dumps({"seconds": seconds, "grown_mb": grown, "error": error, "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
