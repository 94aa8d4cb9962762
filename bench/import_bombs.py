"""Benchmark: hostile import files against the bounded reader, and honest XLSX files against
openpyxl, the reader the import used before.

    python bench/import_bombs.py [--rows 100000] [--repeat 3] [--openpyxl-bombs]

* Each hostile file of ``tests/people/test_import_bombs.py`` is generated, then read the way the
  worker reads it in a process of its own (``tests/people/bomb_probe.py``): seconds, growth of the
  peak resident memory, the message. With ``--openpyxl-bombs`` the same files are also read by
  openpyxl in read-only mode, each for at most 60 s (they ran for minutes before).
* An honest file of --rows officials (8 columns, shared strings and real dates, as Excel writes
  it), read --repeat times by each reader, interleaved: medians and their ratio.
Nothing leaves this machine; files are written to a temporary folder and deleted.
"""

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")

OPENPYXL_PROBE = """
import resource, sys, time
from openpyxl import load_workbook
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
rows = 0
for row in load_workbook(__import__("io").BytesIO(data), read_only=True, data_only=True).worksheets[0].iter_rows(values_only=True):
    rows += 1
print(time.monotonic() - started, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def honest_xlsx(rows):
    from openpyxl import Workbook

    from lms.people.imports.columns import COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([column.header for column in COLUMNS])
    for n in range(rows):
        sheet.append(
            [
                f"MS-{n:06d}",
                f"Nguyễn Thị Lan {n}",
                f"lan{n}@minhson.example",
                f"09{n:08d}",
                f"B-X{n % 2000:05d}",
                "cong-chuc",
                datetime.date(1970 + n % 30, 1 + n % 12, 1 + n % 28),
                datetime.date(2025, 7, 1),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_bounded(data):
    from lms.people.imports import reader

    return len(reader.read_records(data, "can-bo.xlsx"))


def read_openpyxl(data):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    return sum(1 for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)) - 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openpyxl-bombs", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import translation

    from tests.people.test_import_bombs import BOMBS, probe

    translation.activate("vi")
    print(f"{'file':32} {'size':>9} {'seconds':>8} {'+MB':>7}  message")
    with tempfile.TemporaryDirectory() as folder:
        for name, (make, extension, _message) in BOMBS.items():
            path = make(Path(folder) / f"{name}.{extension}")
            outcome = probe(path, path.name)
            size = path.stat().st_size / 1e6
            print(f"{name:32} {size:7.2f}MB {outcome['seconds']:8.3f} {outcome['grown_mb']:7.1f}  {outcome['error']}")
            if args.openpyxl_bombs and extension == "xlsx":
                try:
                    out = subprocess.run(
                        [sys.executable, "-c", OPENPYXL_PROBE, str(path)], capture_output=True, text=True, timeout=60
                    )
                    line = out.stdout.strip() or out.stderr.strip().splitlines()[-1]
                    print(f"{'  openpyxl':32} {'':9} {line}")
                except subprocess.TimeoutExpired:
                    print(f"{'  openpyxl':32} {'':9} still reading after 60 s")
            path.unlink()

    data = honest_xlsx(args.rows)
    print(f"\nhonest XLSX: {args.rows} rows, {len(data) / 1e6:.2f} MB")
    times = {"bounded": [], "openpyxl": []}
    for _ in range(args.repeat):
        for label, read in (("bounded", read_bounded), ("openpyxl", read_openpyxl)):
            started = time.perf_counter()
            count = read(data)
            times[label].append(time.perf_counter() - started)
            assert count == args.rows, (label, count)
    medians = {label: statistics.median(values) for label, values in times.items()}
    for label, value in medians.items():
        print(f"  {label:9} median {value:.2f} s ({args.rows / value:,.0f} rows/s)")
    print(f"  bounded / openpyxl time: {medians['bounded'] / medians['openpyxl']:.2f}")
    print(json.dumps(medians))


if __name__ == "__main__":
    main()
