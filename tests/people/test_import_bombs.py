"""Hostile spreadsheets are refused in seconds, in bounded memory. The bombs are made here, written
as a stream into a compressed zip (never held whole), and read by a process of their own the way
the worker reads them (``bomb_probe``), which reports the time and how much its peak memory grew."""

import json
import subprocess
import sys
import zipfile

import pytest
from django.conf import settings

from lms.people.imports.columns import COLUMNS

SECONDS = 10
MEGABYTES = 200
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
SHARED_TYPE = '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
HEADER_ROW = '<row r="1">' + "".join(f'<c t="inlineStr"><is><t>{c.header}</t></is></c>' for c in COLUMNS) + "</row>"


def _write(zf, name, pieces):
    with zf.open(name, "w", force_zip64=True) as member:
        for piece in pieces:
            member.write(piece.encode())


def workbook(path, sheet_pieces, shared_pieces=None):
    """An XLSX at ``path`` whose first sheet is written from ``sheet_pieces`` (and shared strings)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        shared_type = SHARED_TYPE if shared_pieces is not None else ""
        _write(zf, "[Content_Types].xml", [CONTENT_TYPES.replace("</Types>", shared_type + "</Types>")])
        rels = '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        _write(zf, "_rels/.rels", [f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'])
        _write(
            zf,
            "xl/workbook.xml",
            [f'<workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>'],
        )
        wb_rels = '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared_pieces is not None:
            wb_rels += '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            _write(zf, "xl/sharedStrings.xml", shared_pieces)
        _write(zf, "xl/_rels/workbook.xml.rels", [f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{wb_rels}</Relationships>'])
        _write(zf, "xl/worksheets/sheet1.xml", sheet_pieces)
    return path


def sheet(*middle):
    yield f'<worksheet xmlns="{MAIN}"><sheetData>'
    yield HEADER_ROW
    for part in middle:
        yield from part
    yield "</sheetData></worksheet>"


def repeated(text, times, chunk=100_000):
    block = text * chunk
    for _ in range(times // chunk):
        yield block


def one_row_of_millions_of_cells(path, cells=13_000_000):
    return workbook(path, sheet(['<row r="2">'], repeated("<c><v>1</v></c>", cells), ["</row>"]))


def one_row_within_the_part_size(path):
    return one_row_of_millions_of_cells(path, cells=4_000_000)


def millions_of_empty_rows(path):
    def rows():
        for start in range(2, 4_000_002, 100_000):
            yield "".join(f'<row r="{n}"/>' for n in range(start, start + 100_000))

    return workbook(path, sheet(rows()))


def millions_of_blank_cells_in_rows(path):
    """Empty rows whose cells carry only a style: what formatting whole columns leaves."""
    return workbook(path, sheet(repeated('<row><c s="1"/><c s="1"/></row>', 4_000_000)))


def one_huge_shared_string(path):
    shared = [f'<sst xmlns="{MAIN}"><si><t>', *repeated("a", 600_000_000, chunk=10_000_000), "</t></si></sst>"]
    return workbook(path, sheet(['<row r="2"><c t="s"><v>0</v></c></row>']), shared)


def one_huge_inline_cell(path):
    cell = ['<row r="2"><c t="inlineStr"><is><t>', *repeated("b", 150_000_000, chunk=10_000_000), "</t></is></c></row>"]
    return workbook(path, sheet(cell))


def one_huge_attribute(path):
    cell = ['<row r="2"><c r="', *repeated("A", 100_000_000, chunk=10_000_000), '1"/></row>']
    return workbook(path, sheet(cell))


def millions_of_shared_strings(path):
    distinct = ("".join(f"<si><t>{n}</t></si>" for n in range(start, start + 100_000)) for start in range(0, 1_500_000, 100_000))
    shared = [f'<sst xmlns="{MAIN}">', *distinct, "</sst>"]
    return workbook(path, sheet(['<row r="2"><c t="s"><v>0</v></c></row>']), shared)


def entity_bomb(path):
    doctype = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    return workbook(path, [doctype, *sheet(['<row r="2"><c t="inlineStr"><is><t>&lol2;</t></is></c></row>'])])


def csv_one_long_line(path):
    path.write_bytes((",".join(c.header for c in COLUMNS) + "\n" + "a" * 15_000_000 + "\n").encode())
    return path


def csv_millions_of_rows(path):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(",".join(c.header for c in COLUMNS) + "\n")
        line = "X,Y,,,XA,cc,,\n"
        for _ in range(25):
            handle.write(line * 10_000)
    return path


BOMBS = {
    "row-of-13-million-cells": (one_row_of_millions_of_cells, "xlsx", "quá lớn khi giải nén"),
    "row-of-4-million-cells": (one_row_within_the_part_size, "xlsx", "hơn 64 ô"),
    "4-million-empty-rows": (millions_of_empty_rows, "xlsx", "không có dòng dữ liệu"),
    "4-million-styled-empty-rows": (millions_of_blank_cells_in_rows, "xlsx", "không có dòng dữ liệu"),
    "600-mb-shared-string": (one_huge_shared_string, "xlsx", "quá lớn khi giải nén"),
    "150-mb-inline-cell": (one_huge_inline_cell, "xlsx", "dài quá 1000 ký tự"),
    "one-huge-attribute": (one_huge_attribute, "xlsx", "dài quá 1000 ký tự"),
    "1.5-million-shared-strings": (millions_of_shared_strings, "xlsx", "quá nhiều nội dung văn bản"),
    "entity-bomb": (entity_bomb, "xlsx", "khai báo kiểu tài liệu"),
    "csv-15-mb-line": (csv_one_long_line, "csv", "dài quá"),
}


def probe(path, name):
    result = subprocess.run(
        [sys.executable, "-m", "tests.people.bomb_probe", str(path), name],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", list(BOMBS))
def test_a_hostile_file_is_refused_in_seconds_in_bounded_memory(tmp_path, kind):
    make, extension, message = BOMBS[kind]
    path = make(tmp_path / f"bomb.{extension}")
    assert path.stat().st_size < 20 * 1024 * 1024  # it passes the upload's size limit

    outcome = probe(path, path.name)

    assert outcome["error"] and message in outcome["error"], outcome
    assert outcome["seconds"] < SECONDS, outcome
    assert outcome["grown_mb"] < MEGABYTES, outcome


def test_the_csv_row_limit_holds(tmp_path):
    from lms.people.imports import reader

    path = csv_millions_of_rows(tmp_path / "many.csv")
    outcome = probe(path, path.name)
    assert outcome["error"] == f"Tệp có hơn {reader.MAX_ROWS} dòng; vui lòng tách thành nhiều tệp.", outcome
    assert outcome["seconds"] < SECONDS and outcome["grown_mb"] < MEGABYTES, outcome


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    from django.utils import translation

    from lms.people.imports import reader

    too_big = b"Ma can bo,Ho va ten\n" + b"x" * reader.MAX_BYTES
    with translation.override("vi"), pytest.raises(reader.ImportFileError, match="lớn hơn 20 MB"):
        reader.read_records(too_big, "can-bo.csv")
