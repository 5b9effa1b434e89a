"""Backup and restore (`thidua sao-luu`, `thidua khoi-phuc`): every table as JSON in one zip file,
with the schema revision, so a backup taken on SQLite restores into PostgreSQL and back. The zip is
written to a temporary file and renamed into place; a restore runs in one transaction (all or nothing)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, Table, delete, func, insert, select, text

from scoring.store.db import writer
from scoring.store.models import Base
from scoring.store.service import StoreError

#: parents before children (foreign keys)
TABLE_NAMES = ("to_chuc", "tai_khoan", "bao_cao", "bao_cao_phien_ban", "nhat_ky")


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
    """Load a backup into `engine`'s database (schema already at the newest revision). Refuses a
    database that holds data unless `overwrite`; everything is replaced in one transaction."""
    try:
        with zipfile.ZipFile(source) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            data = {name: json.loads(archive.read(f"{name}.json")) for name in TABLE_NAMES}
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise StoreError(f"«{source}» không phải tệp sao lưu của thidua ({exc}).") from exc
    if manifest.get("dinh_dang") != FORMAT:
        raise StoreError(f"«{source}» không phải tệp sao lưu của thidua (định dạng {manifest.get('dinh_dang')}).")
    if manifest.get("phien_ban_csdl") != _revision(engine):
        raise StoreError(
            f"Tệp sao lưu ở phiên bản cơ sở dữ liệu {manifest.get('phien_ban_csdl')}, cơ sở dữ liệu đích ở "
            f"{_revision(engine)}: dùng bản thidua cùng phiên bản."
        )
    with writer(engine).begin() as db:
        held = sum(int(db.scalar(select(func.count()).select_from(t)) or 0) for t in _tables())
        if held and not overwrite:
            raise StoreError(
                f"Cơ sở dữ liệu đích đã có {held} dòng: khôi phục sẽ xóa chúng. Thêm --ghi-de nếu đúng là muốn vậy."
            )
        for table in reversed(_tables()):
            db.execute(delete(table))
        for table in _tables():
            dates = [c.name for c in table.columns if isinstance(c.type, DateTime)]
            rows = [{**r, **{d: datetime.fromisoformat(r[d]) for d in dates if r.get(d)}} for r in data[table.name]]
            if rows:
                db.execute(insert(table), rows)
        if db.dialect.name == "postgresql":  # identity sequences follow the restored ids
            for table in _tables():
                if "id" in table.columns:
                    db.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
    return {name: len(rows) for name, rows in data.items()}


__all__ = ["backup", "restore"]
