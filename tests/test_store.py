"""The workflow's storage: permissions by role and unit (every role × action, own unit vs another),
denied attempts logged, the Nháp → Đã gửi → Trả lại / Đã duyệt cycle with its history, stale saves
refused, 50 concurrent saves losing nothing, a crash mid-save keeping the last good version, and
the migrations. Runs on SQLite; on PostgreSQL too when THIDUA_TEST_PG_URL names a server."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from scoring.domain.numbers import format_moment
from scoring.store import Account, PermissionDenied, StaleVersion, Store, StoreError, connect
from scoring.store.accounts import SYSTEM
from scoring.store.models import BaoCao, BaoCaoPhienBan, Base

TREE = pd.DataFrame(
    [
        ("K", "Đảng bộ Khối", "cap_tren_co_so", None),
        ("D", "Đảng bộ Sở Tài chính", "dang_bo_co_so", "K"),
        ("D1", "Chi bộ Phòng Ngân sách", "chi_bo_truc_thuoc", "D"),
        ("D2", "Chi bộ Văn phòng", "chi_bo_truc_thuoc", "D"),
        ("A", "Chi bộ Sở Tư pháp", "chi_bo_co_so", "K"),
    ],
    columns=["ma_to_chuc", "ten_to_chuc", "cap", "ma_cap_tren"],
).assign(
    loai_hinh=lambda t: t["cap"].map({"dang_bo_co_so": "co_quan_hanh_chinh", "chi_bo_co_so": "co_quan_hanh_chinh"})
)
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("THIDUA_TEST_PG_URL") else [])


_PG_MIGRATED: dict[str, bool] = {}  # url -> the schema was dropped and migrated in this run


def _fresh_postgres(url: str) -> str:
    """A clean database for each test: the schema is dropped and migrated once per run, then emptied
    (TRUNCATE) between tests — much faster than migrating each time, and just as clean."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as db:
        if not _PG_MIGRATED.get(url):
            db.execute(text("DROP SCHEMA public CASCADE"))
            db.execute(text("CREATE SCHEMA public"))
        else:
            tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
            db.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    _PG_MIGRATED[url] = True
    return url


ACCOUNT_ROWS = (
    ("quantri", "quan_tri", None),
    ("capuy_d", "cap_uy_co_so", "D"),
    ("chibo_d1", "chi_bo", "D1"),
    ("chibo_a", "chi_bo", "A"),
    ("xem", "xem", None),
)


def _populate(store: Store) -> None:
    store.import_tree(SYSTEM, TREE)
    for name, role, unit in ACCOUNT_ROWS:
        store.create_account(SYSTEM, name, "mat-khau-dai", role, unit)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and populated SQLite file (migrations and password hashing are slow by design);
    each test works on a copy."""
    path = tmp_path_factory.mktemp("mau") / "thidua.db"
    engine = connect(f"sqlite:///{path}")
    _populate(Store(engine))
    engine.dispose()  # the last connection closing folds the WAL file into the database file
    assert not path.with_name("thidua.db-wal").exists()
    return path


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        copy = tmp_path / "thidua.db"
        shutil.copyfile(sqlite_template, copy)
        engine = connect(f"sqlite:///{copy}")
        result = Store(engine)
    else:
        engine = connect(_fresh_postgres(os.environ["THIDUA_TEST_PG_URL"]))
        result = Store(engine)
        _populate(result)
    yield result
    engine.dispose()


def who(name: str, store: Store) -> Account:
    """The account as the login gives it (the password check itself is tested once, below)."""
    row = next(r for r in ACCOUNT_ROWS if r[0] == name)
    return Account(row[0], row[1], row[2])


MEMBERS = [
    {"ma_dang_vien": "DV1", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTTNV", "vi_pham": "0", "quan_triet": "x",
     "doi_tuong": "cong_chuc"},
]  # fmt: skip
DATA = {"don_vi": {"xep_loai": "HTTNV", "so_quan_chung": 20, "so_quan_chung_quan_triet": 18}, "dang_vien": MEMBERS}


def payload(unit: str) -> dict[str, object]:
    """A valid submission: a chi bộ sends its members; a đảng bộ only its own figures."""
    members = [{**MEMBERS[0], "ma_dang_vien": f"{unit}-1"}] if unit in ("D1", "D2", "A") else []
    return {**DATA, "dang_vien": members}


#: (account, unit) pairs allowed to read / edit (save, submit) and to review (return, approve); the rest is denied
EDIT = (
    {("quantri", u) for u in ("K", "D", "D1", "D2", "A")}
    | {("capuy_d", u) for u in ("D", "D1", "D2")}
    | {("chibo_d1", "D1"), ("chibo_a", "A")}
)
REVIEW = {("quantri", u) for u in ("K", "D", "D1", "D2", "A")} | {("capuy_d", "D1"), ("capuy_d", "D2")}
ACCOUNTS = ("quantri", "capuy_d", "chibo_d1", "chibo_a", "xem")
UNITS = ("K", "D", "D1", "D2", "A")


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("name", ACCOUNTS)
def test_permissions_matrix_read_save_submit(store: Store, name: str, unit: str) -> None:
    actor = who(name, store)
    allowed = (name, unit) in EDIT
    actions = [
        lambda: store.get(actor, unit, 2025),
        lambda: store.save_draft(actor, unit, 2025, payload(unit), None),
        lambda: store.submit(actor, unit, 2025, 1),
    ]
    for action in actions:
        if allowed:
            action()
        else:
            with pytest.raises(PermissionDenied, match="Không được phép"):
                action()
    log = store.audit(SYSTEM)
    denied = log[(log["tai_khoan"] == name) & ~log["duoc_phep"].astype(bool)]
    assert len(denied) == (0 if allowed else 3)  # every denied attempt is in the log
    if not allowed:
        assert set(denied["doi_tuong"]) == {f"{unit}/2025"}


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("name", ACCOUNTS)
def test_permissions_matrix_return_and_approve(store: Store, name: str, unit: str) -> None:
    admin = SYSTEM  # prepared by someone else than any reviewer: four eyes (tests/test_hostile_accounts.py)
    store.save_draft(admin, unit, 2025, payload(unit), None)
    store.submit(admin, unit, 2025, 1)
    actor = who(name, store)
    if (name, unit) in REVIEW:
        returned = store.return_(actor, unit, 2025, 2, "thiếu số liệu quần chúng")
        assert returned.trang_thai == "tra_lai" and returned.ly_do_tra_lai == "thiếu số liệu quần chúng"
        store.submit(admin, unit, 2025, 3)
        assert store.approve(actor, unit, 2025, 4).trang_thai == "da_duyet"
    else:
        with pytest.raises(PermissionDenied, match="cấp trên"):
            store.return_(actor, unit, 2025, 2, "lý do")
        with pytest.raises(PermissionDenied):
            store.approve(actor, unit, 2025, 2)
        assert store.get(admin, unit, 2025).trang_thai == "da_gui"  # type: ignore[union-attr]


def test_viewer_sees_states_not_member_data(store: Store) -> None:
    admin, viewer = who("quantri", store), who("xem", store)
    store.save_draft(admin, "A", 2025, DATA, None)
    board = store.board(viewer, 2025)
    assert set(board["ma_to_chuc"]) == set(UNITS)
    assert dict(zip(board["ma_to_chuc"], board["trang_thai"], strict=True))["A"] == "Nháp"
    assert (board.drop(columns=["ma_to_chuc"]).map(str).apply(lambda c: c.str.contains("DV1")).sum().sum()) == 0
    assert store.approved(viewer, 2025) == {}
    with pytest.raises(PermissionDenied):
        store.history(viewer, "A", 2025)
    with pytest.raises(PermissionDenied):
        store.audit(viewer)


def test_submit_return_resubmit_approve_keeps_every_version(store: Store) -> None:
    chi_bo, cap_uy = who("chibo_d1", store), who("capuy_d", store)
    first = store.save_draft(chi_bo, "D1", 2025, DATA, None)
    sent = store.submit(chi_bo, "D1", 2025, first.phien_ban)
    with pytest.raises(StoreError, match="Đã gửi"):  # a sent report is not edited until it is returned
        store.save_draft(chi_bo, "D1", 2025, DATA, sent.phien_ban)
    back = store.return_(cap_uy, "D1", 2025, sent.phien_ban, "Số quần chúng được quán triệt lớn hơn tổng số")
    fixed = store.save_draft(chi_bo, "D1", 2025, {**DATA, "sua": 1}, back.phien_ban)
    again = store.submit(chi_bo, "D1", 2025, fixed.phien_ban)
    done = store.approve(cap_uy, "D1", 2025, again.phien_ban)
    assert done.trang_thai == "da_duyet" and done.du_lieu["sua"] == 1
    history = store.history(chi_bo, "D1", 2025)
    assert history["trang_thai"].tolist() == ["Nháp", "Đã gửi", "Trả lại", "Nháp", "Đã gửi", "Đã duyệt"]
    assert history["ly_do_tra_lai"].tolist()[2] == "Số quần chúng được quán triệt lớn hơn tổng số"
    assert history["boi"].tolist() == ["chibo_d1", "chibo_d1", "capuy_d", "chibo_d1", "chibo_d1", "capuy_d"]
    assert set(store.approved(cap_uy, 2025)) == {"D1"}
    assert store.approved(who("chibo_a", store), 2025) == {}  # another unit's approved data stays hidden
    log = store.audit(SYSTEM)
    assert log[log["doi_tuong"] == "D1/2025"]["hanh_dong"].tolist()[::-1] == [
        "luu_nhap", "gui", "tra_lai", "luu_nhap", "gui", "duyet",
    ]  # fmt: skip


def test_return_needs_a_reason(store: Store) -> None:
    admin = who("quantri", store)
    store.save_draft(admin, "A", 2025, DATA, None)
    store.submit(admin, "A", 2025, 1)
    with pytest.raises(StoreError, match="lý do"):
        store.return_(admin, "A", 2025, 2, "  ")


def test_a_stale_save_is_refused_not_overwritten(store: Store) -> None:
    admin, cap_uy = who("quantri", store), who("capuy_d", store)
    opened = store.save_draft(cap_uy, "D2", 2025, DATA, None)
    store.save_draft(admin, "D2", 2025, {"cua": "quan tri"}, opened.phien_ban)  # someone saves first
    with pytest.raises(StaleVersion, match="tải lại") as refused:
        store.save_draft(cap_uy, "D2", 2025, {"cua": "cap uy"}, opened.phien_ban)
    saved_at = store.get(admin, "D2", 2025).cap_nhat_luc  # type: ignore[union-attr]
    assert f"lưu lúc {format_moment(saved_at)} " in str(refused.value)  # the office's clock, as pages show
    assert store.get(admin, "D2", 2025).du_lieu == {"cua": "quan tri"}  # type: ignore[union-attr]
    with pytest.raises(StaleVersion):  # a first save when one exists is stale too
        store.save_draft(cap_uy, "D2", 2025, DATA, None)


def test_fifty_concurrent_saves_lose_nothing(store: Store) -> None:
    """50 threads save the same report, each retrying on a stale version until its save lands: every
    save is in the history exactly once, in version order, and the last one is current."""
    admin = who("quantri", store)
    store.save_draft(admin, "A", 2025, {"luot": -1}, None)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            while True:
                current = store.get(admin, "A", 2025)
                assert current is not None
                try:
                    store.save_draft(admin, "A", 2025, {"luot": number}, current.phien_ban)
                    return
                except StaleVersion:
                    continue
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    history = store.history(admin, "A", 2025)
    assert history["phien_ban"].tolist() == list(range(1, 52))
    with store.engine.connect() as db:
        saved = [r.du_lieu["luot"] for r in db.execute(BaoCaoPhienBan.__table__.select().order_by("phien_ban"))]
    assert sorted(saved[1:]) == list(range(50))  # each of the 50 saves landed once
    assert store.get(admin, "A", 2025).du_lieu["luot"] == saved[-1]  # type: ignore[union-attr]


def test_fifty_concurrent_first_saves_on_different_units(store: Store) -> None:
    admin = who("quantri", store)
    extra = pd.DataFrame(
        {"ma_to_chuc": [f"X{i}" for i in range(50)], "ten_to_chuc": "Chi bộ", "cap": "chi_bo_co_so", "ma_cap_tren": "K"}
    ).assign(loai_hinh="co_quan_hanh_chinh")
    store.import_tree(SYSTEM, pd.concat([TREE, extra], ignore_index=True))
    threads = [
        threading.Thread(target=store.save_draft, args=(admin, f"X{i}", 2025, {"i": i}, None)) for i in range(50)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert store.count(BaoCao) == 50
    assert {store.get(admin, f"X{i}", 2025).du_lieu["i"] for i in range(50)} == set(range(50))  # type: ignore[union-attr]


def test_a_crash_mid_save_keeps_the_last_good_version(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    admin = who("quantri", store)
    good = store.save_draft(admin, "A", 2025, {"ban": "tot"}, None)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise OSError("mất điện")

    monkeypatch.setattr(Store, "_log", staticmethod(crash))  # fails after the update, before the commit
    with pytest.raises(OSError):
        store.save_draft(admin, "A", 2025, {"ban": "do dang"}, good.phien_ban)
    monkeypatch.undo()
    after = store.get(admin, "A", 2025)
    assert after is not None and after.phien_ban == good.phien_ban and after.du_lieu == {"ban": "tot"}
    assert store.history(admin, "A", 2025)["phien_ban"].tolist() == [1]


def test_wrong_password_is_refused_and_logged(store: Store) -> None:
    with pytest.raises(StoreError, match="Sai tên đăng nhập hoặc mật khẩu"):
        store.authenticate("chibo_a", "sai-mat-khau")
    with pytest.raises(StoreError, match="Sai tên đăng nhập hoặc mật khẩu"):
        store.authenticate("khong_co", "mat-khau-dai")
    log = store.audit(SYSTEM)
    failed = log[(log["hanh_dong"] == "dang_nhap") & ~log["duoc_phep"].astype(bool)]
    assert set(failed["tai_khoan"]) == {"chibo_a", "khong_co"}
    with store.engine.connect() as db:  # stored hashed, never as typed
        stored = db.execute(text("SELECT mat_khau_bam FROM tai_khoan WHERE ten_dang_nhap = 'chibo_a'")).scalar_one()
    assert "mat-khau-dai" not in stored and stored.startswith("$argon2")


def test_only_admins_manage_accounts_and_bad_accounts_are_refused(store: Store) -> None:
    with pytest.raises(PermissionDenied):
        store.create_account(who("capuy_d", store), "moi", "mat-khau-dai", "chi_bo", "D1")
    with pytest.raises(StoreError) as refused:
        store.create_account(SYSTEM, "chibo_a", "ngan", "thu_ky", None)
    message = str(refused.value)  # every problem at once
    assert "vai trò «thu_ky» không có" in message and "ít nhất 8 ký tự" in message and "đã có" in message
    with pytest.raises(StoreError, match="không có trong cây tổ chức"):
        store.create_account(SYSTEM, "moi", "mat-khau-dai", "chi_bo", "KHONG_CO")


def test_migrations_create_the_schema_once(store: Store) -> None:
    from alembic.script import ScriptDirectory

    from scoring.store.db import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with store.engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    again = connect(str(store.engine.url.render_as_string(hide_password=False)))  # connecting twice is harmless
    with again.connect() as db:
        assert db.execute(text("SELECT count(*) FROM tai_khoan")).scalar_one() == 5
    again.dispose()


def test_backup_and_restore_round_trip_all_or_nothing(store: Store, tmp_path: Path) -> None:
    from scoring.store.backup import backup, restore

    admin = who("quantri", store)
    saved = store.save_draft(admin, "A", 2025, DATA, None)
    store.submit(admin, "A", 2025, saved.phien_ban)
    archive = tmp_path / "sao_luu.zip"
    counts = backup(store.engine, archive)
    assert counts["bao_cao"] == 1 and counts["bao_cao_phien_ban"] == 2 and counts["tai_khoan"] == 5
    target = Store(connect(f"sqlite:///{tmp_path / 'khoi_phuc.db'}"))
    restore(target.engine, archive)
    again = target.get(admin, "A", 2025)
    assert again is not None and again.trang_thai == "da_gui" and again.du_lieu == DATA
    assert target.authenticate("chibo_a", "mat-khau-dai").ma_to_chuc == "A"  # hashes restored as they were
    target.save_draft(admin, "D1", 2025, DATA, None)  # ids continue after the restored ones
    with pytest.raises(StoreError, match="--ghi-de"):  # a database with data is not overwritten silently
        restore(target.engine, archive)
    restore(target.engine, archive, overwrite=True)
    assert target.get(admin, "D1", 2025) is None
    broken = tmp_path / "hong.zip"
    broken.write_bytes(b"khong phai zip")
    with pytest.raises(StoreError, match="không phải tệp sao lưu"):
        restore(target.engine, broken, overwrite=True)
    assert target.get(admin, "A", 2025) is not None  # a failed restore changes nothing
    target.engine.dispose()


def test_cli_accounts_tree_and_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from scoring.cli import app

    runner = CliRunner()
    db = ["--csdl", f"sqlite:///{tmp_path / 'thidua.db'}"]
    sample = Path(__file__).resolve().parents[1] / "data" / "mau"
    result = runner.invoke(app, ["nap-to-chuc", str(sample), *db])
    assert result.exit_code == 0 and "Đã nạp 423 tổ chức" in result.output, result.output
    result = runner.invoke(app, ["nap-so-lieu", str(sample), "--nam", "2021", "--nam", "2022", *db])
    assert result.exit_code == 0 and "Đã nạp 846 báo cáo (đã duyệt)." in result.output, result.output
    result = runner.invoke(app, ["nap-so-lieu", str(sample), "--nam", "2022", "--nam", "2019", *db])
    assert result.exit_code == 2 and "không có năm 2019" in result.output, result.output
    result = runner.invoke(app, ["nap-so-lieu", str(sample), "--nam", "2022", *db])
    assert "Đã nạp 0 báo cáo (đã duyệt); giữ nguyên 423 báo cáo đã có" in result.output, result.output
    monkeypatch.setenv("THIDUA_MAT_KHAU", "mat-khau-dai")
    result = runner.invoke(app, ["tai-khoan", "tao", "bithu", "--vai-tro", "chi_bo", "--don-vi", "CB001", *db])
    assert result.exit_code == 0 and "Đã tạo tài khoản" in result.output, result.output
    result = runner.invoke(app, ["tai-khoan", "tao", "bithu", "--vai-tro", "thu_ky", *db])
    assert result.exit_code == 1 and "đã có" in result.output and "vai trò «thu_ky» không có" in result.output
    monkeypatch.setenv("THIDUA_MAT_KHAU", "mat-khau-moi-dai")
    assert runner.invoke(app, ["tai-khoan", "dat-lai-mat-khau", "bithu", *db]).exit_code == 0
    store = Store(connect(db[1]))
    assert store.authenticate("bithu", "mat-khau-moi-dai").ma_to_chuc == "CB001"
    listed = runner.invoke(app, ["tai-khoan", "danh-sach", *db])
    assert "bithu\tChi bộ\tCB001" in listed.output
    archive = tmp_path / "sao_luu.zip"
    assert runner.invoke(app, ["sao-luu", str(archive), *db]).exit_code == 0 and archive.exists()
    refused = runner.invoke(app, ["khoi-phuc", str(archive), *db])
    assert refused.exit_code == 1 and "--ghi-de" in refused.output
    assert runner.invoke(app, ["khoi-phuc", str(archive), "--ghi-de", *db]).exit_code == 0
    store.engine.dispose()


def test_figures_with_errors_are_not_sent_and_say_where(store: Store) -> None:
    chi_bo = who("chibo_a", store)
    bad = {
        "don_vi": {"xep_loai": "Tốt lắm", "so_quan_chung": 10, "so_quan_chung_quan_triet": 12},
        "dang_vien": [{**MEMBERS[0], "doi_tuong": "sinh_vien"}],
    }
    draft = store.save_draft(chi_bo, "A", 2025, bad, None)  # a draft may be incomplete
    with pytest.raises(StoreError) as refused:
        store.submit(chi_bo, "A", 2025, draft.phien_ban)
    message = str(refused.value)
    assert "Chưa gửi được" in message and "Tốt lắm" in message and "sinh_vien" in message
    assert "lớn hơn tổng số quần chúng" in message  # every problem at once
    assert store.get(chi_bo, "A", 2025).trang_thai == "nhap"  # type: ignore[union-attr]


def test_approved_submissions_make_the_dataset_the_engine_scores(store: Store) -> None:
    from scoring import load_criteria, score
    from scoring.store.assemble import approved_dataset

    admin = who("quantri", store)
    for unit in ("K", "D", "D1", "D2", "A"):
        saved = store.save_draft(SYSTEM, unit, 2025, payload(unit), None)  # prepared by another: four eyes
        sent = store.submit(SYSTEM, unit, 2025, saved.phien_ban)
        if unit != "D2":  # D2 is sent but not approved: it stays out
            store.approve(admin, unit, 2025, sent.phien_ban)
    dataset, report = approved_dataset(store, admin)
    assert dataset is not None, report.to_text()
    assert sorted(dataset.don_vi_nam["ma_to_chuc"].astype(str)) == ["A", "D", "D1", "K"]
    assert sorted(dataset.dang_vien["ma_chi_bo"].astype(str)) == ["A", "D1"]
    result = score(
        dataset, load_criteria(Path(__file__).resolve().parents[1] / "criteria" / "hai_chan_ba_mui.yaml"), 2025
    )
    assert "K" in set(result.ket_qua_tieu_chi["ma"].astype(str))
    own, _ = approved_dataset(store, who("chibo_a", store))  # a chi bộ assembles only its own approved figures
    assert own is not None and set(own.don_vi_nam["ma_to_chuc"].astype(str)) == {"A"}


def _denied(store: Store, account: str, action: str) -> int:
    audit = store.audit(who("quantri", store))
    return int(((audit["tai_khoan"] == account) & (audit["hanh_dong"] == action) & ~audit["duoc_phep"]).sum())


def test_past_years_come_in_as_approved_reports(store: Store) -> None:
    admin = who("quantri", store)
    draft = store.save_draft(who("chibo_a", store), "A", 2024, payload("A"), None)
    past = [(unit, year, payload(unit)) for unit in ("K", "D", "D1", "D2", "A") for year in (2023, 2024)]
    assert store.import_approved(admin, past) == (9, 1)  # A/2024 has a draft: left alone
    assert store.get(admin, "A", 2024) == draft
    assert store.get(admin, "D1", 2023).trang_thai == "da_duyet"  # type: ignore[union-attr]
    assert store.history(admin, "D1", 2023)["boi"].tolist() == ["quantri"]
    assert store.import_approved(admin, past[-1:], overwrite=True) == (1, 0)
    assert store.get(admin, "A", 2024).trang_thai == "da_duyet"  # type: ignore[union-attr]
    assert store.history(admin, "A", 2024)["trang_thai"].tolist() == ["Nháp", "Đã duyệt"]
    with pytest.raises(StoreError, match="chưa có trong cây tổ chức: X9"):
        store.import_approved(admin, [("X9", 2024, payload("A"))])
    with pytest.raises(PermissionDenied):
        store.import_approved(who("capuy_d", store), past)
    assert _denied(store, "capuy_d", "nap_so_lieu") == 1


def test_the_first_admin_only_on_an_empty_database_and_passwords(store: Store) -> None:
    assert store.has_accounts()
    with pytest.raises(PermissionDenied, match="Đã có tài khoản"):
        store.create_first_admin("ke_la", "mat-khau-dai")
    assert _denied(store, "ke_la", "tao_quan_tri_dau_tien") == 1
    chi_bo = store.authenticate("chibo_a", "mat-khau-dai")
    with pytest.raises(StoreError, match="Mật khẩu hiện tại không đúng"):
        store.change_password(chi_bo, "khong-dung", "mat-khau-moi-1")
    store.change_password(chi_bo, "mat-khau-dai", "mat-khau-moi-1")
    assert store.authenticate("chibo_a", "mat-khau-moi-1") == chi_bo


def test_a_draft_is_assessed_within_scope_and_shows_only_its_unit(store: Store) -> None:
    from scoring import load_criteria
    from scoring.store.workflow import assess, overview

    criteria = load_criteria(Path(__file__).resolve().parents[1] / "criteria" / "hai_chan_ba_mui.yaml")
    admin = who("quantri", store)
    store.import_approved(admin, [(u, 2025, payload(u)) for u in ("K", "D", "D2", "A")])
    chi_bo = who("chibo_d1", store)
    with pytest.raises(PermissionDenied):
        assess(store, chi_bo, "A", 2025, payload("A"), criteria)
    assert _denied(store, "chibo_d1", "xem_danh_gia") == 1
    result = assess(store, chi_bo, "D1", 2025, payload("D1"), criteria)
    assert result.report.ok and result.scored
    assert set(result.members["Mã đảng viên"]) == {"D1-1"}  # its own members, never A's or D2's
    assert result.compared_with == 4
    assert "D1" in set(result.ranks["Điển hình của nhóm"]) | {"D1"}
    assert result.rating["tu_danh_gia"] == "HTTNV"
    broken = assess(store, chi_bo, "D1", 2025, {"don_vi": {"xep_loai": "Tốt lắm"}, "dang_vien": []}, criteria)
    assert not broken.report.ok and not broken.scored
    board = overview(store, who("xem", store), 2025, criteria)  # the viewer: states and unit figures only
    assert set(board["Mã"]) == {"K", "D", "D1", "D2", "A"}
    assert board.set_index("Mã").loc["D1", "Trạng thái"] == "Chưa nộp"
    assert board.set_index("Mã").loc["A", "Tự xếp loại"] == "HTTNV"
    assert not {"ma_dang_vien", "ho_ten", "Mã đảng viên"} & set(board.columns)


def test_an_uploaded_sheet_gives_the_units_rows_or_every_error_with_its_row(tmp_path: Path) -> None:
    from scoring.input.schema import DANG_VIEN, DON_VI_NAM
    from scoring.outputs.views import workbook
    from scoring.store.workflow import read_upload

    units = pd.DataFrame(
        [{"Mã tổ chức": "A", "Năm": 2025, "Xếp loại": "HTTNV", "Số quần chúng": 20},
         {"Mã tổ chức": "D1", "Năm": 2025, "Xếp loại": "HTNV", "Số quần chúng": 5}]
    )  # fmt: skip
    members = pd.DataFrame(
        [{"Mã đảng viên": "A-1", "Họ và tên": "Nguyễn Văn An", "Mã chi bộ": "A", "Năm": 2025, "Xếp loại": "HTXSNV",
          "Vi phạm": "Không", "Quán triệt": "Có", "Đối tượng": "cong_chuc"},
         {"Mã đảng viên": "A-2", "Họ và tên": "Lê Thị Bình", "Mã chi bộ": "A", "Năm": 2025, "Xếp loại": "Giỏi",
          "Vi phạm": "Không", "Quán triệt": "Có", "Đối tượng": "cong_chuc"}]
    )  # fmt: skip
    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook({DON_VI_NAM.title: units, DANG_VIEN.title: members}))
    data, report = read_upload(path, "a.xlsx", "A", "chi_bo_co_so", 2025)
    assert data is None
    errors = report.errors
    assert len(errors) == 1, report.to_text()
    assert errors.iloc[0][["tep", "trang_tinh", "dong", "cot", "gia_tri"]].tolist() == [
        "a.xlsx",
        "Đảng viên",
        3,
        "Xếp loại",
        "Giỏi",
    ]  # fmt: skip  (the upload's own name, the sheet, the row as Excel shows it, the column)
    path.write_bytes(workbook({DON_VI_NAM.title: units, DANG_VIEN.title: members.iloc[:1]}))
    data, report = read_upload(path, "a.xlsx", "A", "chi_bo_co_so", 2025)
    assert data is not None, report.to_text()
    assert data["don_vi"] == {"xep_loai": "HTTNV", "so_quan_chung": 20}
    assert data["dang_vien"] == [
        {"ma_dang_vien": "A-1", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTXSNV", "vi_pham": False, "quan_triet": True,
         "doi_tuong": "cong_chuc"}
    ]  # fmt: skip
    assert "Bỏ qua 1 dòng không thuộc đơn vị A năm 2025" in report.to_text()  # D1's row is not A's to send


def test_repeated_wrong_passwords_make_the_name_wait(store: Store) -> None:
    from scoring.store.accounts import MAX_FAILURES

    for _ in range(MAX_FAILURES):
        with pytest.raises(StoreError, match="Sai tên đăng nhập hoặc mật khẩu"):
            store.authenticate("chibo_a", "doan-mo-mat-khau")
    with pytest.raises(StoreError, match="thử lại sau 15 phút"):
        store.authenticate("chibo_a", "mat-khau-dai")  # even the right password waits
    with pytest.raises(StoreError, match="thử lại sau 15 phút"):
        for _ in range(MAX_FAILURES + 1):  # a name that does not exist gets the same answers
            try:
                store.authenticate("khong_co_ai", "x")
            except StoreError as error:
                if "thử lại" in str(error):
                    raise
    assert store.authenticate("chibo_d1", "mat-khau-dai").ma_to_chuc == "D1"  # other names are not held
    store.reset_password(who("quantri", store), "chibo_a", "mat-khau-moi-2")  # the admin lets the name in again
    assert store.authenticate("ChiBo_A", "mat-khau-moi-2").ma_to_chuc == "A"  # names are not case-sensitive
    for _ in range(MAX_FAILURES - 1):  # a successful login starts the count again
        with pytest.raises(StoreError, match="Sai tên"):
            store.authenticate("chibo_a", "doan-mo-mat-khau")
    store.authenticate("chibo_a", "mat-khau-moi-2")
    with pytest.raises(StoreError, match="Sai tên"):
        store.authenticate("chibo_a", "doan-mo-mat-khau")
    assert store.authenticate("chibo_a", "mat-khau-moi-2").ma_to_chuc == "A"


def test_a_login_that_crashes_while_checking_the_password_still_counts(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attempt is written down, as a failure, before the password is checked: a crash (or a kill)
    in the middle cannot be used to guess without counting."""
    from argon2 import PasswordHasher

    from scoring.store import accounts

    class Crashing(PasswordHasher):
        def verify(self, *_args: object) -> bool:  # type: ignore[override]
            raise OSError("mất điện")

    monkeypatch.setattr(accounts, "_HASHER", Crashing(time_cost=1, memory_cost=8, parallelism=1))
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(OSError):
            store.authenticate("chibo_a", "doan-mo-mat-khau")
    monkeypatch.undo()
    with pytest.raises(StoreError, match="thử lại sau 15 phút"):
        store.authenticate("chibo_a", "mat-khau-dai")
    log = store.audit(SYSTEM)
    assert (log["ghi_chu"] == "đang kiểm tra").sum() == accounts.MAX_FAILURES


@pytest.mark.parametrize(
    ("username", "role", "unit", "problem"),
    [
        ("", "xem", None, "tên đăng nhập cần 3–64 ký tự"),
        ("Có Dấu Cách", "xem", None, "tên đăng nhập cần 3–64 ký tự"),
        (
            "capuy_d1",
            "cap_uy_co_so",
            "D1",
            "«Cấp ủy cơ sở» gắn với Đảng bộ cơ sở, Chi bộ cơ sở; «D1» là Chi bộ trực thuộc",
        ),
        ("chibo_d", "chi_bo", "D", "«Chi bộ» gắn với Chi bộ cơ sở, Chi bộ trực thuộc; «D» là Đảng bộ cơ sở"),
        ("chibo_x", "chi_bo", None, "vai trò «Chi bộ» cần chọn đơn vị."),
        ("xem_d", "xem", "D", "vai trò «Chỉ xem» không gắn với đơn vị nào"),
    ],
)
def test_an_account_must_fit_its_role_and_unit(store: Store, username: str, role: str, unit: str, problem: str) -> None:
    with pytest.raises(StoreError) as refused:
        store.create_account(who("quantri", store), username, "mat-khau-dai", role, unit)
    assert problem in str(refused.value)
    assert "--" not in str(refused.value)  # no command-line words on the page


def test_every_member_and_the_unit_must_have_a_rating_in_a_report(store: Store) -> None:
    from scoring.store.submission import check_submission

    members = [MEMBERS[0], {**MEMBERS[0], "ma_dang_vien": "DV2", "ho_ten": "Trần Thị Bé", "xep_loai": None}]
    report = check_submission(store.tree(), "A", 2025, {"don_vi": {"so_quan_chung": 3}, "dang_vien": members})
    errors = report.errors.set_index("trang_tinh")
    assert errors.loc["Đảng viên", ["dong", "cot", "gia_tri"]].tolist() == [2, "Xếp loại", "Trần Thị Bé"]
    assert "Chưa chọn xếp loại của đơn vị" in errors.loc["Đơn vị năm", "van_de"]
    assert "Thiếu cột" not in report.to_text()  # a report always has every column: a blank is a blank cell
    assert not report.warnings["van_de"].str.contains("không có đảng viên nào").any()  # only this unit is judged


def test_what_changed_between_two_versions() -> None:
    from scoring.store.workflow import changes

    before = {
        "don_vi": {"xep_loai": "HTTNV", "so_quan_chung": 20},
        "dang_vien": [MEMBERS[0], {**MEMBERS[0], "ma_dang_vien": "DV2"}],
    }
    after = {
        "don_vi": {"xep_loai": "HTXSNV", "so_quan_chung": 20},
        "dang_vien": [
            {**MEMBERS[0], "xep_loai": "HTXSNV"},
            {**MEMBERS[0], "ma_dang_vien": "DV3", "ho_ten": "Lê Văn Cường"},
        ],
    }
    table = changes(before, after)
    assert table.values.tolist() == [
        ["Đơn vị", "", "Xếp loại", "Hoàn thành tốt nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ"],
        ["Đảng viên", "Nguyễn Văn An (DV1)", "Xếp loại", "Hoàn thành tốt nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ"],
        ["Đảng viên", "Nguyễn Văn An (DV2)", "cả dòng", "có", ""],
        ["Đảng viên", "Lê Văn Cường (DV3)", "cả dòng", "", "có"],
    ]
    assert changes(after, after).empty


def test_the_shipped_password_hasher_is_argon2id_at_its_default_cost() -> None:
    from argon2 import PasswordHasher, Type

    from scoring.store import accounts

    shipped = accounts.PasswordHasher()  # what _HASHER is outside the tests (conftest lowers its cost)
    assert shipped.type is Type.ID and shipped.time_cost >= PasswordHasher().time_cost >= 2
    assert shipped.memory_cost >= 19 * 1024  # at least the OWASP minimum (19 MiB)
