"""Hostile inputs built at test time: bombs are made here in a second from a few bytes of recipe,
never committed. Each builder writes into a folder and returns the path to hand to validate_dataset."""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

VALID = Path(__file__).resolve().parents[1] / "data" / "hop_le"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_TITLES = {"to_chuc": "Tổ chức", "dang_vien": "Đảng viên", "don_vi_nam": "Đơn vị năm"}
MIB = 1 << 20


def valid_rows(name: str) -> list[list[str]]:
    with (VALID / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


Sheet = tuple[str, list[list[object]], str]  # title, rows, state (visible, hidden, veryHidden)


def valid_sheets() -> list[Sheet]:
    return [
        (title, [[int(v) if v.isdigit() else (v or None) for v in row] for row in valid_rows(name)], "visible")
        for name, title in SHEET_TITLES.items()
    ]


def valid_workbook(path: Path, sheets: list[Sheet] | None = None) -> Path:
    """The valid dataset as one workbook written as Excel writes it (shared strings, a <dimension>):
    sheet1 Tổ chức, sheet2 Đảng viên, sheet3 Đơn vị năm, unless `sheets` says otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    day = book.add_format({"num_format": "dd/mm/yyyy"})
    for title, rows, state in valid_sheets() if sheets is None else sheets:
        sheet = book.add_worksheet(title)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(r, c, value, day)
                elif value is not None:
                    sheet.write(r, c, value)
        if state == "hidden":
            sheet.hide()
        elif state == "veryHidden":
            sheet.very_hidden()
    book.close()
    return path


def valid_csv_folder(folder: Path) -> Path:
    shutil.copytree(VALID, folder)
    return folder


def rezip(path: Path, replace: dict[str, bytes]) -> Path:
    """Rewrite a workbook with some members' content replaced (compressed as usual)."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
    return path


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


# --- bombs: a deflate stream of one block repeated, written as a zip member by hand ----------------


def repeated_deflate(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + chunk * times + tail, in a size ~1/1000 of the output and a second of
    work: after a full flush the compressor starts afresh, so the same chunk compresses to the same
    bytes every time and is copied rather than compressed again. Returns (data, crc32, size)."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    again = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = again.compress(chunk) + again.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    finish = end.compress(tail) + end.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return start + block * times + finish, crc, len(head) + len(chunk) * times + len(tail)


def raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip of already-deflated members (name, data, crc32, uncompressed size), no zip64."""
    body, directory = bytearray(), bytearray()
    for name, data, crc, size in members:
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        body += encoded + data
        directory += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0, 0, 0, 0, 0, offset
        )
        directory += encoded
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))
    return path


def deflated(data: bytes) -> tuple[bytes, int, int]:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def bomb_workbook(path: Path, bomb_member: str, head: bytes, chunk: bytes, times: int, tail: bytes) -> Path:
    """The valid workbook with one member replaced by a repeated-block bomb."""
    plain = valid_workbook(path)
    members = []
    with zipfile.ZipFile(plain) as z:
        for info in z.infolist():
            if info.filename == bomb_member:
                members.append((info.filename, *repeated_deflate(head, chunk, times, tail)))
            else:
                members.append((info.filename, *deflated(z.read(info.filename))))
    return raw_zip(path, members)


def sheet_bomb(folder: Path, gib: float = 3) -> Path:
    """Đảng viên sheet without <dimension>, of 200-cell rows: 3 GiB unpacked from an 8 MB file."""
    cells = b"<c><v>1</v></c>" * 200
    row = b"<row>" + cells + b"</row>"
    chunk = row * (MIB // len(row))
    head = f'<?xml version="1.0"?><worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    tail = b"</sheetData></worksheet>"
    return bomb_workbook(folder / "du_lieu.xlsx", "xl/worksheets/sheet2.xml", head, chunk, int(gib * 1024), tail)


def sheet_ratio_bomb(folder: Path) -> Path:
    """The same, 200 MiB: under the size limit of a part, far over the ratio of a real sheet."""
    return sheet_bomb(folder, 200 / 1024)


def shared_strings_bomb(folder: Path) -> Path:
    """sharedStrings.xml of 200 MiB (12 million one-letter strings) from a 0.5 MB file."""
    chunk = b"<si><t>a</t></si>" * (MIB // 17)
    head = f'<?xml version="1.0"?><sst xmlns="{MAIN_NS}">'.encode()
    return bomb_workbook(folder / "du_lieu.xlsx", "xl/sharedStrings.xml", head, chunk, 200, b"</sst>")


# --- broken workbooks ---------------------------------------------------------------------------------


def truncated_sheet(folder: Path) -> Path:
    path = valid_workbook(folder / "du_lieu.xlsx")
    xml = member(path, "xl/worksheets/sheet2.xml")
    return rezip(path, {"xl/worksheets/sheet2.xml": xml[: len(xml) // 2]})


def corrupt_deflate(folder: Path) -> Path:
    """Bytes in the middle of the Đảng viên sheet's compressed stream overwritten."""
    path = valid_workbook(folder / "du_lieu.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    data[middle : middle + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    return path


def shared_string_out_of_range(folder: Path) -> Path:
    path = valid_workbook(folder / "du_lieu.xlsx")
    xml = member(path, "xl/worksheets/sheet2.xml").decode()
    at = xml.index('t="s"><v>', xml.index('r="B3"'))
    end = xml.index("</v>", at)
    xml = xml[: at + len('t="s"><v>')] + "987654" + xml[end:]
    return rezip(path, {"xl/worksheets/sheet2.xml": xml.encode()})


def password_workbook(folder: Path) -> Path:
    """What Excel saves with a password: an OLE compound file (its magic bytes), not a zip."""
    folder.mkdir(parents=True)
    path = folder / "du_lieu.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    return path


def encrypted_part(folder: Path) -> Path:
    """The «encrypted» flag set on every part in the zip directory (zipfile then raises RuntimeError)."""
    path = valid_workbook(folder / "du_lieu.xlsx")
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 8] |= 1  # general purpose flags, bit 0: encrypted
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


def entity_expansion(folder: Path) -> Path:
    """The classic «billion laughs»: a DTD whose entities expand to gigabytes."""
    path = valid_workbook(folder / "du_lieu.xlsx")
    laughs = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    xml = f'<?xml version="1.0"?><!DOCTYPE sst [{laughs}]><sst xmlns="{MAIN_NS}"><si><t>&a9;</t></si></sst>'
    return rezip(path, {"xl/sharedStrings.xml": xml.encode()})


def dimension_lies(folder: Path) -> Path:
    """<dimension ref="A1:I3"> on a sheet of 10 rows: every row must still be read, not the first two."""
    path = valid_workbook(folder / "du_lieu.xlsx")
    xml = member(path, "xl/worksheets/sheet2.xml").decode()
    start = xml.index("<dimension")
    xml = xml[:start] + '<dimension ref="A1:I3"/>' + xml[xml.index("/>", start) + 2 :]
    return rezip(path, {"xl/worksheets/sheet2.xml": xml.encode()})


def row_beyond_excel(folder: Path) -> Path:
    """A row numbered 50 000 000 (Excel stops at 1 048 576) after the real rows."""
    path = valid_workbook(folder / "du_lieu.xlsx")
    xml = member(path, "xl/worksheets/sheet2.xml").decode()
    extra = '<row r="50000000"><c r="A50000000" t="inlineStr"><is><t>DV99</t></is></c></row>'
    xml = xml.replace("</sheetData>", extra + "</sheetData>")
    return rezip(path, {"xl/worksheets/sheet2.xml": xml.encode()})


def wide_header(folder: Path) -> Path:
    sheets = valid_sheets()
    sheets[1][1][0].extend([None] * 5000 + ["Cột thêm"])
    return valid_workbook(folder / "du_lieu.xlsx", sheets)


def hidden_twin(folder: Path) -> Path:
    """«Đảng viên» visible and «Dang vien» hidden after it: two sheets for one table."""
    sheets = valid_sheets()
    twin = [[v.replace("HTXSNV", "KHTNV") if isinstance(v, str) else v for v in row] for row in sheets[1][1]]
    return valid_workbook(folder / "du_lieu.xlsx", [*sheets, ("Dang vien", twin, "hidden")])


def hidden_table(folder: Path) -> Path:
    sheets = valid_sheets()
    sheets[2] = (sheets[2][0], sheets[2][1], "veryHidden")
    return valid_workbook(folder / "du_lieu.xlsx", sheets)


def date_in_id(folder: Path) -> Path:
    sheets = valid_sheets()
    sheets[1][1][3][0] = datetime.datetime(2024, 3, 15)  # DV03's member id, turned into a date by Excel
    return valid_workbook(folder / "du_lieu.xlsx", sheets)


# --- CSV --------------------------------------------------------------------------------------------


def csv_huge_cell(folder: Path) -> Path:
    valid_csv_folder(folder)
    path = folder / "dang_vien.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("Lê Minh Cường", "x" * (10 * MIB))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def csv_long_quoted_cell(folder: Path) -> Path:
    """A 200 000-character quoted cell: within one line's limit, over Python's csv field limit and
    over Excel's cell limit."""
    valid_csv_folder(folder)
    path = folder / "dang_vien.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("Lê Minh Cường", '"' + "y" * 200_000 + '"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def csv_nul_late(folder: Path) -> Path:
    """A NUL byte inside a member id, after the first 4 KB."""
    valid_csv_folder(folder)
    path = folder / "dang_vien.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    padding = [f"DV{n:03d},Người Thứ {n},CB1,2023,HTTNV,,x,cong_chuc," for n in range(100, 200)]
    rows = rows + padding
    rows[-1] = rows[-1].replace("DV199", "DV1\x0099")
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


def csv_utf16(folder: Path) -> Path:
    """Excel's «Unicode Text»: UTF-16 with a byte-order mark, a NUL after every ASCII letter."""
    valid_csv_folder(folder)
    path = folder / "dang_vien.csv"
    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-16")
    return folder


def csv_too_big(folder: Path) -> Path:
    """A 3 GiB dang_vien.csv: sparse, so it costs no disk and no time to make."""
    valid_csv_folder(folder)
    with (folder / "dang_vien.csv").open("r+b") as f:
        f.truncate(3 << 30)
    return folder


# --- Parquet ------------------------------------------------------------------------------------------


def parquet_folder(folder: Path, members: pa.Table) -> Path:
    folder.mkdir(parents=True)
    for name in ("to_chuc", "don_vi_nam"):
        rows = valid_rows(name)
        table = pa.table({h: pa.array([r[i] or None for r in rows[1:]], pa.string()) for i, h in enumerate(rows[0])})
        pq.write_table(table, folder / f"{name}.parquet")
    pq.write_table(members, folder / "dang_vien.parquet")
    return folder


def parquet_too_many_rows(folder: Path) -> Path:
    """60 million rows of one constant: a few kilobytes on disk."""
    n = 60_000_000
    members = pa.table({"nam": pa.nulls(n, pa.int16())})
    return parquet_folder(folder, members)


def parquet_too_many_columns(folder: Path) -> Path:
    return parquet_folder(folder, pa.table({f"c{i}": pa.array([1], pa.int8()) for i in range(5000)}))


def parquet_string_bomb(folder: Path) -> Path:
    """Every column of the member table present, one 4 000-character name repeated 2 million times
    (dictionary-encoded): ~1 MB on disk, 8 GB once decoded."""
    n = 2_000_000

    def repeated(value: str) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))

    columns = {h: repeated(v or "x") for h, v in zip(*valid_rows("dang_vien")[:2], strict=True)}
    columns["ho_ten"] = repeated("x" * 4000)
    return parquet_folder(folder, pa.table(columns))


def parquet_date_ids(folder: Path) -> Path:
    rows = valid_rows("dang_vien")
    columns = {h: pa.array([r[i] or None for r in rows[1:]], pa.string()) for i, h in enumerate(rows[0])}
    columns["ma_dang_vien"] = pa.array([datetime.date(2024, 1, i + 1) for i in range(len(rows) - 1)])
    return parquet_folder(folder, pa.table(columns))
