"""Backup and restore (`thidua sao-luu`, `thidua khoi-phuc`): every table as JSON in one zip file,
with the schema revision, so a backup taken on SQLite restores into PostgreSQL and back. The zip is
written to a temporary file and renamed into place. A restore first checks the whole archive without
trusting it (`read_backup`: members, sizes, compression ratio, JSON shape, types, keys), then runs in one
transaction (all or nothing); every refusal is a StoreError in Vietnamese."""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, PrimaryKeyConstraint, Table, UniqueConstraint, delete, func, insert, select, text
from sqlalchemy import types as sql
from sqlalchemy.exc import SQLAlchemyError

from scoring.store.db import writer
from scoring.store.errors import StoreError
from scoring.store.models import Base

#: parents before children (foreign keys)
TABLE_NAMES = (
    "to_chuc", "tai_khoan", "bao_cao", "bao_cao_phien_ban", "nhat_ky", "lan_nhap", "lan_nhap_phien_ban", "tep_cau_hinh",
)  # fmt: skip


def _tables() -> list[Table]:
    return [Base.metadata.tables[name] for name in TABLE_NAMES]


FORMAT = "thidua-sao-luu-1"


def _revision(engine: Engine) -> str:
    with engine.connect() as db:
        return str(db.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def backup(engine: Engine, target: Path) -> dict[str, int]:
    """Write every table to `target` (a .zip); returns the row count per table."""
    if target.suffix.lower() != ".zip":
        raise StoreError(f"Tệp sao lưu phải có đuôi .zip: «{target}».")
    if not target.parent.is_dir():
        raise StoreError(f"Thư mục «{target.parent}» không có.")
    counts: dict[str, int] = {}
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        revision = _revision(engine)
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive, engine.connect() as db:
            for table in _tables():
                rows = [{k: _plain(v) for k, v in row._mapping.items()} for row in db.execute(select(table))]
                counts[table.name] = len(rows)
                archive.writestr(f"{table.name}.json", json.dumps(rows, ensure_ascii=False))
            manifest = {"dinh_dang": FORMAT, "phien_ban_csdl": revision, "luc": datetime.now(UTC).isoformat()}
            archive.writestr("manifest.json", json.dumps({**manifest, "so_dong": counts}, ensure_ascii=False))
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return counts


def restore(engine: Engine, source: Path, overwrite: bool = False) -> dict[str, int]:
    """Load a backup into `engine`'s database (schema already at the newest revision). The archive is
    checked whole first (`read_backup`); then, refusing a database that holds data unless `overwrite`,
    everything is replaced in one transaction: on any failure the database is left as it was."""
    _manifest, data = read_backup(source, _revision(engine))
    try:
        _replace(engine, data, overwrite)
    except SQLAlchemyError as exc:  # what the checks cannot see (a constraint of another database)
        detail = str(getattr(exc, "orig", exc)).splitlines()[0][:200]
        raise StoreError(
            f"Không khôi phục được từ «{source}»: cơ sở dữ liệu đích từ chối dữ liệu ({detail}). "
            "Cơ sở dữ liệu không thay đổi."
        ) from exc
    return {name: len(rows) for name, rows in data.items()}


#: What a restore reads at most. A backup of five years of the sample (423 organisations, 2,115 reports
#: with their versions) holds 12 MB of JSON per table, deflated about 16 times: the limits leave room for
#: decades and stop a zip bomb long before memory runs out.
MAX_ARCHIVE_BYTES = 1 << 30  # the .zip file itself
MAX_MEMBER_BYTES = 256 << 20  # one table's JSON, inflated
MAX_MANIFEST_BYTES = 64 << 10
MAX_TOTAL_BYTES = 1 << 30  # every member, inflated
MAX_RATIO = 100  # inflated / compressed, for members over 1 MiB (real tables: about 16)
MAX_DIRECTORY_BYTES = 64 << 10  # the zip's list of members (six entries take under 1 KiB)
MEMBERS = (*(f"{name}.json" for name in TABLE_NAMES), "manifest.json")
_END = b"PK\x05\x06"  # the zip's end record, and the ZIP64 locator that may stand before it
_END_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"


class _Refused(Exception):
    """Why an archive is refused (Vietnamese); `read_backup` names the file around it."""


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _short(value: Any) -> str:
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return shown if len(shown) <= 60 else shown[:59] + "…"


def read_backup(source: Path, revision: str | None = None) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The manifest and every table's rows of a backup, checked whole before a database is touched:
    a zip of exactly the expected members, sizes and compression ratios bounded (read from the zip's
    directory, then inflated with a hard cap), JSON of the expected shape, each value of its column's
    type, keys unique and references found; with `revision`, the backup's schema revision must be it.
    Every failure is a StoreError saying what is wrong."""
    try:
        if not source.is_file():
            raise _Refused("không có tệp này" if not source.exists() else "đây không phải một tệp")
        size = source.stat().st_size
        if size > MAX_ARCHIVE_BYTES:
            raise _Refused(f"tệp nặng {_n(size)} byte, quá giới hạn {_n(MAX_ARCHIVE_BYTES)} byte của một bản sao lưu")
        _check_directory(source)
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise _Refused(f"không phải tệp sao lưu của thidua (không đọc được như tệp zip: {exc})") from exc
        with archive:
            infos = _check_members(archive)
            manifest = _manifest(_json(_inflate(archive, infos["manifest.json"]), "manifest.json"))
            if revision is not None and manifest["phien_ban_csdl"] != revision:
                raise StoreError(
                    f"Tệp sao lưu ở phiên bản cơ sở dữ liệu {_short(manifest['phien_ban_csdl'])}, cơ sở dữ liệu "
                    f"đích ở {revision}: dùng bản thidua cùng phiên bản."
                )
            data = {
                table.name: _rows(table, _json(_inflate(archive, infos[f"{table.name}.json"]), f"{table.name}.json"))
                for table in _tables()
            }
        _check_references(data)
        for name, rows in data.items():
            if manifest["so_dong"][name] != len(rows):
                raise _Refused(
                    f"manifest.json ghi {_n(manifest['so_dong'][name])} dòng cho {name}, tệp {name}.json có "
                    f"{_n(len(rows))} dòng: bản sao lưu không trọn vẹn"
                )
    except _Refused as exc:
        raise StoreError(f"Không khôi phục được từ «{source}»: {exc}. Cơ sở dữ liệu không thay đổi.") from None
    return manifest, data


def _check_directory(source: Path) -> None:
    """The zip's end record, found as zipfile finds it, must declare a few members and a small directory:
    zipfile would otherwise read a directory of millions of entries into memory."""
    with source.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(size - (_END_SIZE + 0xFFFF), 0))
        tail = file.read()
    if len(tail) >= _END_SIZE and tail[-_END_SIZE:].startswith(_END) and tail.endswith(b"\0\0"):
        at = len(tail) - _END_SIZE
    else:
        at = tail.rfind(_END)
        if at < 0 or len(tail) - at < _END_SIZE:
            return  # no end record: zipfile refuses the file
    if tail[max(at - 20, 0) : at].startswith(_ZIP64_LOCATOR):
        raise _Refused("tệp zip dạng ZIP64 (hàng vạn tệp hoặc tệp trên 4 GB): bản sao lưu của thidua không như vậy")
    entries, directory = struct.unpack_from("<10xHI", tail, at)
    if directory > MAX_DIRECTORY_BYTES or entries > 10 * len(MEMBERS):
        raise _Refused(
            f"tệp zip có {_n(entries)} tệp, danh mục dài {_n(directory)} byte: quá nhiều cho một bản sao lưu "
            f"(cần đúng {len(MEMBERS)} tệp)"
        )


def _check_members(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    problems = [f"thiếu {name}" for name in MEMBERS if name not in names]
    problems += [f"tệp lạ «{_short(name)}»" for name in dict.fromkeys(names) if name not in MEMBERS][:3]
    problems += [f"«{name}» có hai lần" for name in dict.fromkeys(names) if names.count(name) > 1][:3]
    if problems:
        raise _Refused(f"không phải tệp sao lưu của thidua (cần đúng {', '.join(MEMBERS)}): {'; '.join(problems)}")
    for info in infos:
        name, size = info.filename, info.file_size
        cap = MAX_MANIFEST_BYTES if name == "manifest.json" else MAX_MEMBER_BYTES
        if info.flag_bits & 0x1:
            raise _Refused(f"«{name}» được mã hóa (bản sao lưu của thidua không mã hóa)")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"«{name}» nén theo cách {info.compress_type} (bản sao lưu chỉ dùng deflate)")
        if size > cap:
            raise _Refused(f"«{name}» giải nén ra {_n(size)} byte, quá giới hạn {_n(cap)} byte")
        if size > (1 << 20) and size > MAX_RATIO * info.compress_size:
            ratio = size // max(info.compress_size, 1)
            raise _Refused(
                f"«{name}» nén gấp {_n(ratio)} lần, quá mức {MAX_RATIO} lần của một bản sao lưu thật (bom zip?)"
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise _Refused(f"các tệp giải nén ra tổng cộng {_n(total)} byte, quá giới hạn {_n(MAX_TOTAL_BYTES)} byte")
    return {info.filename: info for info in infos}


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, never more than its declared size (already bounded), whatever the data says."""
    parts: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(min(1 << 20, info.file_size + 1 - size)):
                size += len(chunk)
                if size > info.file_size:
                    raise _Refused(f"«{info.filename}» giải nén ra nhiều hơn {_n(info.file_size)} byte đã khai báo")
                parts.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        raise _Refused(f"«{info.filename}»: tệp zip hỏng ({exc})") from exc
    return b"".join(parts)


class _Constant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Constant(name)


def _finite(text_: str) -> float:
    value = float(text_)
    if not math.isfinite(value):
        raise _Constant(text_)
    return value


def _json(raw: bytes, member: str) -> Any:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Refused(f"«{member}» không phải văn bản UTF-8 (byte {_n(exc.start)})") from exc
    try:
        return json.loads(decoded, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise _Refused(f"«{member}» không phải JSON (dòng {_n(exc.lineno)}, cột {_n(exc.colno)})") from exc
    except _Constant as exc:
        raise _Refused(f"«{member}» không phải JSON chuẩn: có {exc} (NaN, Infinity)") from exc
    except RecursionError as exc:
        raise _Refused(f"«{member}» không phải JSON dùng được: lồng nhau quá sâu") from exc
    except ValueError as exc:  # an integer of thousands of digits
        raise _Refused(f"«{member}» không phải JSON dùng được: có số quá dài") from exc


def _manifest(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Refused(f"«manifest.json» phải là một đối tượng JSON (gặp {_kind(value)})")
    if value.get("dinh_dang") != FORMAT:
        raise _Refused(
            f"không phải tệp sao lưu của thidua (định dạng «{_short(value.get('dinh_dang'))}», cần {FORMAT})"
        )
    if not isinstance(value.get("phien_ban_csdl"), str):
        raise _Refused("«manifest.json» thiếu «phien_ban_csdl» (phiên bản cơ sở dữ liệu, một chuỗi)")
    counts = value.get("so_dong")
    if not (
        isinstance(counts, dict)
        and set(counts) == set(TABLE_NAMES)
        and all(type(count) is int for count in counts.values())
    ):
        raise _Refused(f"«manifest.json»: «so_dong» phải ghi số dòng của từng bảng ({', '.join(TABLE_NAMES)})")
    return value


_KINDS = {dict: "đối tượng JSON", list: "danh sách", str: "chuỗi", int: "số nguyên", float: "số thực", bool: "đúng/sai"}


def _kind(value: Any) -> str:
    return "null" if value is None else _KINDS.get(type(value), type(value).__name__)


def _rows(table: Table, value: Any) -> list[dict[str, Any]]:
    """The table's rows, each with exactly its columns, each value of its column's type (dates parsed)."""
    member = f"«{table.name}.json»"
    if not isinstance(value, list):
        raise _Refused(f"{member} phải là danh sách các dòng (gặp {_kind(value)})")
    columns = {column.name: column for column in table.columns}
    rows = []
    for number, row in enumerate(value, start=1):
        where = f"{member} dòng {number}"
        if not isinstance(row, dict):
            raise _Refused(f"{where}: phải là một đối tượng (gặp {_kind(row)})")
        if row.keys() != columns.keys():
            missing = [name for name in columns if name not in row]
            extra = [_short(name) for name in row if name not in columns][:3]
            parts = [f"thiếu cột {', '.join(missing)}"] if missing else []
            parts += [f"cột lạ {', '.join(extra)}"] if extra else []
            raise _Refused(f"{where}: {'; '.join(parts)}")
        rows.append({name: _cell(column, row[name], f"{where}, cột {name}") for name, column in columns.items()})
    _check_unique(table, rows, member)
    return rows


#: JSON columns that hold a list (the years of an import), not an object
_JSON_LISTS = {("lan_nhap", "nam")}
#: per column type: what a JSON value must be, as said in a message
_EXPECTED: tuple[tuple[type[Any], str, Callable[[Any], bool]], ...] = (
    (sql.Boolean, "đúng/sai", lambda value: type(value) is bool),
    (sql.Integer, "số nguyên", lambda value: type(value) is int),
    (sql.DateTime, "ngày giờ (chuỗi)", lambda value: isinstance(value, str)),
    (sql.String, "chuỗi", lambda value: isinstance(value, str)),
    (sql.JSON, "đối tượng JSON", lambda value: isinstance(value, dict)),
)


def _cell(column: Column[Any], value: Any, where: str) -> Any:
    kind = column.type
    if value is None:
        if column.nullable:
            return None
        raise _Refused(f"{where}: không được trống")
    if (column.table.name, column.name) in _JSON_LISTS:
        if not isinstance(value, list):
            raise _Refused(f"{where}: cần danh sách, gặp {_kind(value)} «{_short(value)}»")
        return value
    for sql_type, expected, fits in _EXPECTED:
        if isinstance(kind, sql_type) and not fits(value):
            raise _Refused(f"{where}: cần {expected}, gặp {_kind(value)} «{_short(value)}»")
    if isinstance(kind, sql.Integer) and not -(2**31) <= value < 2**31:
        raise _Refused(f"{where}: {value} ngoài khoảng của một số nguyên")
    if isinstance(value, str):  # a JSON column's own texts are left to the database (any refusal: StoreError)
        if "\0" in value:
            raise _Refused(f"{where}: có ký tự NUL")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _Refused(f"{where}: có ký tự không mã hóa được ({exc.reason})") from exc
    length = getattr(kind, "length", None)
    if isinstance(value, str) and length is not None and len(value) > length:
        raise _Refused(f"{where}: dài {len(value)} ký tự, tối đa {length}")
    if isinstance(kind, sql.DateTime):
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise _Refused(f"{where}: «{_short(value)}» không phải ngày giờ (dạng 2025-01-17T08:30:00+00:00)") from exc
    return value


def _check_unique(table: Table, rows: list[dict[str, Any]], member: str) -> None:
    keys = [c for c in table.constraints if isinstance(c, PrimaryKeyConstraint | UniqueConstraint)]
    for constraint in keys:
        names = [column.name for column in constraint.columns]
        seen: dict[tuple[Any, ...], int] = {}
        for number, row in enumerate(rows, start=1):
            key = tuple(row[name] for name in names)
            if None in key:
                continue
            if key in seen:
                shown = ", ".join(f"{name} = «{_short(row[name])}»" for name in names)
                raise _Refused(f"{member} dòng {number}: {shown} trùng dòng {seen[key]}")
            seen[key] = number


def _check_references(data: dict[str, list[dict[str, Any]]]) -> None:
    for table in _tables():
        for key in table.foreign_keys:
            known = {row[key.column.name] for row in data[key.column.table.name]}
            for number, row in enumerate(data[table.name], start=1):
                value = row[key.parent.name]
                if value is not None and value not in known:
                    raise _Refused(
                        f"«{table.name}.json» dòng {number}, cột {key.parent.name}: «{_short(value)}» không có trong "
                        f"{key.column.table.name}.{key.column.name}"
                    )


def _replace(engine: Engine, data: dict[str, list[dict[str, Any]]], overwrite: bool) -> None:
    with writer(engine).begin() as db:
        held = sum(int(db.scalar(select(func.count()).select_from(t)) or 0) for t in _tables())
        if held and not overwrite:
            raise StoreError(
                f"Cơ sở dữ liệu đích đã có {held} dòng: khôi phục sẽ xóa chúng. Thêm --ghi-de nếu đúng là muốn vậy."
            )
        for table in reversed(_tables()):
            db.execute(delete(table))
        for table in _tables():
            if data[table.name]:
                db.execute(insert(table), data[table.name])
        if db.dialect.name == "postgresql":  # identity sequences follow the restored ids
            for table in _tables():
                if "id" in table.columns:
                    db.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )


__all__ = ["backup", "read_backup", "restore"]
