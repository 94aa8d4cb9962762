"""Read an import file the way the worker does, in a process of its own, and print how long it
took, how far the process's peak resident memory rose above what it held before, and the error
(JSON). Used by test_import_bombs and bench/import_bombs.py (Linux: reads /proc/self)."""

import json
import os
import sys
import time


def _status(field):
    """A line of /proc/self/status in MiB (VmRSS: resident now, VmHWM: the peak since the reset)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def main(path, name):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    import django

    django.setup()
    from django.utils import translation

    from lms.people.imports import reader

    translation.activate("vi")
    with open(path, "rb") as handle:
        data = handle.read()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets the peak (VmHWM) to what is resident now
    before = _status("VmRSS")
    started = time.monotonic()
    error, rows = None, 0
    try:
        rows = len(reader.read_records(data, name))
    except reader.ImportFileError as refused:
        error = str(refused)
    seconds = time.monotonic() - started
    grown = _status("VmHWM") - before
    print(json.dumps({"seconds": seconds, "grown_mb": grown, "error": error, "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
