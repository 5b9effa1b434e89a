"""Hostile backup archives, built in the test from a real backup and the recipe of one attack in
backup_attacks.yaml (nothing large is ever stored: a 3 GB zip bomb is 3 MB of repeated deflate blocks).

The zip is written by hand (local headers, central directory, end record) so that an attack can say
what zipfile would refuse to write: a name twice, a size that lies, the encryption flag, a compression
method nobody uses, tens of thousands of members."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1 << 20


@dataclass
class Member:
    name: str
    payload: bytes  # as stored (deflated unless `method` is 0)
    size: int  # declared uncompressed size (central directory and local header)
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def deflated(name: str, data: bytes) -> Member:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, packer.compress(data) + packer.flush(), len(data), zlib.crc32(data))


def zeros_stream(size: int) -> bytes:
    """A raw deflate stream that inflates to `size` zero bytes (a multiple of 1 MiB): one 1 MiB block
    ending on a full flush (byte-aligned, no reference before it), repeated, then an empty final block."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(b"\0" * MIB) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * (size // MIB) + b"\x03\x00"


def raw_zip(members: list[Member]) -> bytes:
    body, directory = bytearray(), bytearray()
    for m in members:
        name = m.name.encode("utf-8")
        flags = m.flags | (0x800 if not m.name.isascii() else 0)
        fields = (m.method, 0, 0x21, m.crc, len(m.payload), m.size, len(name))  # 0x21: 1 January 1980
        offset = len(body)
        body += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, flags, *fields, 0) + name + m.payload
        directory += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, flags, *fields, 0, 0, 0, 0, 0, offset) + name
    count = len(members)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


def members_of(backup: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(backup) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def build(recipe: dict[str, Any], base: dict[str, bytes]) -> bytes:
    """The archive an attack describes, from the members of a real backup (`members_of`)."""
    if "tep" in recipe:
        content = recipe["tep"]
        return content if isinstance(content, bytes) else content.encode("utf-8")
    files = dict(base)
    for name in recipe.get("bo", []):
        del files[name]
    if "sua_manifest" in recipe:
        manifest = json.loads(files["manifest.json"])
        manifest.update(recipe["sua_manifest"])
        files["manifest.json"] = json.dumps(manifest).encode()
    if "sua_dong" in recipe:
        change = recipe["sua_dong"]
        rows = json.loads(files[f"{change['bang']}.json"])
        row = rows[change.get("dong", 0)]
        row.update(change.get("dat", {}))
        for column in change.get("bo_cot", []):
            del row[column]
        files[f"{change['bang']}.json"] = json.dumps(rows, ensure_ascii=False).encode()
    for name, content in {**recipe.get("them", {}), **recipe.get("thay", {})}.items():
        files[name] = content if isinstance(content, bytes) else content.encode("utf-8")
    if "lap" in recipe:
        repeat = recipe["lap"]
        files[repeat["ten"]] = (repeat["mau"] * repeat["so_lan"]).encode()
    members = [deflated(name, data) for name, data in files.items()]
    members += [deflated(f"rong_{i}.json", b"") for i in range(recipe.get("so_tep", 0))]
    for m in members:
        if m.name == recipe.get("ma_hoa"):
            m.flags |= 0x1
        if m.name == recipe.get("nen", {}).get("ten"):
            m.method = recipe["nen"]["phuong_thuc"]
    if "trung" in recipe:
        members.append(deflated(recipe["trung"], files[recipe["trung"]]))
    if "bom" in recipe:
        bomb = recipe["bom"]
        declared = bomb["khai_bao"]
        crc = zlib.crc32(b"\0" * declared) if declared <= 64 * MIB else 0
        members = [m for m in members if m.name != bomb["ten"]]
        members.append(Member(bomb["ten"], zeros_stream(bomb["giai_nen"]), declared, crc))
    archive = raw_zip(members)
    return archive[: recipe["cat"]] if "cat" in recipe else archive
