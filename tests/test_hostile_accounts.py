"""Hostile accounts against the workflow's library: a cấp ủy cơ sở filling, sending and approving a chi
bộ's report alone (four eyes), a forged or stale `Account` object (roles are read from the database
on every call), telling known user names from unknown ones by the time a login takes, 40 concurrent
guesses against the lockout, an approval that would put a member in two chi bộ, and an assessment
that names other units' members. On SQLite, and on PostgreSQL when THIDUA_TEST_PG_URL names a server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import event, text, update

from scoring.store import PermissionDenied, Store, StoreError, accounts, service
from scoring.store.accounts import MAX_FAILURES, SYSTEM, Account
from scoring.store.models import TaiKhoan
from scoring.store.service import FOUR_EYES_SETTING, four_eyes_setting
from tests import test_store
from tests.test_store import TREE, payload, who

store, sqlite_template = test_store.store, test_store.sqlite_template  # the same fixtures, both databases
ROOT = Path(__file__).resolve().parents[1]
#: a unit outside the cấp ủy D's scope, with members nobody else may see
KIN = pd.DataFrame([("KIN", "Chi bộ Phòng Kín", "chi_bo_co_so", "K", "co_quan_hanh_chinh")], columns=TREE.columns)
HIDDEN_TREE = pd.concat([TREE, KIN], ignore_index=True)
SHARED = {"ma_dang_vien": "DV-CHUNG", "ho_ten": "Nguyễn Văn An", "xep_loai": "HTTNV", "vi_pham": "0",
          "quan_triet": "x", "doi_tuong": "cong_chuc"}  # fmt: skip
SECRETS = ("KIN", "Phòng Kín", "Trần Bí Mật", "DV-RIENG-2")


def _hidden_unit(store: Store) -> None:
    """KIN's approved report of 2025 lists DV-CHUNG (as «Trần Bí Mật») and DV-RIENG-2."""
    store.import_tree(SYSTEM, HIDDEN_TREE)
    members = [{**SHARED, "ho_ten": "Trần Bí Mật"}, {**SHARED, "ma_dang_vien": "DV-RIENG-2", "ho_ten": "Lê Kín Đáo"}]
    store.import_approved(SYSTEM, [("KIN", 2025, {**payload("KIN"), "dang_vien": members})])


def _sent(store: Store, by: str, unit: str, members: list[dict[str, Any]] | None = None) -> int:
    """The unit's report of 2025, saved and sent by `by`: its version."""
    data = payload(unit) if members is None else {**payload(unit), "dang_vien": members}
    saved = store.save_draft(who(by, store), unit, 2025, data, None)
    return store.submit(who(by, store), unit, 2025, saved.phien_ban).phien_ban


def _log(store: Store, action: str) -> pd.DataFrame:
    log = store.audit(SYSTEM)
    return log[log["hanh_dong"] == action]


# --- four eyes ---------------------------------------------------------------------------------------


def test_a_cap_uy_cannot_fill_send_and_approve_a_chi_bo_report_alone(store: Store) -> None:
    version = _sent(store, "capuy_d", "D1")
    with pytest.raises(PermissionDenied, match="không tự duyệt nó \\(quy tắc hai người\\)"):
        store.approve(who("capuy_d", store), "D1", 2025, version)
    now = store.get(SYSTEM, "D1", 2025)
    assert now is not None and (now.trang_thai, now.phien_ban) == ("da_gui", version)  # nothing changed
    refused = _log(store, "duyet")
    assert refused[["tai_khoan", "doi_tuong", "duoc_phep"]].values.tolist() == [["capuy_d", "D1/2025", False]]
    assert "quy tắc hai người" in refused["ghi_chu"].iloc[0]
    assert store.approve(who("quantri", store), "D1", 2025, version).trang_thai == "da_duyet"  # a second person


def test_whoever_saved_the_figures_of_this_round_cannot_approve_them_but_may_return_them(store: Store) -> None:
    capuy = who("capuy_d", store)
    draft = store.save_draft(capuy, "D1", 2025, payload("D1"), None)  # the cấp ủy writes the figures…
    sent = store.submit(who("chibo_d1", store), "D1", 2025, draft.phien_ban)  # …the chi bộ only sends them
    with pytest.raises(PermissionDenied, match="quy tắc hai người"):
        store.approve(capuy, "D1", 2025, sent.phien_ban)
    back = store.return_(capuy, "D1", 2025, sent.phien_ban, "Chi bộ tự nhập lại")  # returning makes nothing count
    chi_bo = who("chibo_d1", store)
    fixed = store.save_draft(chi_bo, "D1", 2025, payload("D1"), back.phien_ban)
    again = store.submit(chi_bo, "D1", 2025, fixed.phien_ban)
    assert store.approve(capuy, "D1", 2025, again.phien_ban).trang_thai == "da_duyet"  # a new round, by others
    assert _log(store, "duyet")["duoc_phep"].astype(bool).tolist() == [True, False]  # newest first


def test_four_eyes_off_lets_one_person_approve_and_the_audit_line_says_so(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FOUR_EYES_SETTING, "0")
    alone = Store(store.engine)  # a tiny unit: the setting is read when the store is made
    assert alone.four_eyes is False
    version = _sent(alone, "capuy_d", "D1")
    assert alone.approve(who("capuy_d", alone), "D1", 2025, version).trang_thai == "da_duyet"
    note = _log(alone, "duyet")["ghi_chu"].iloc[0]
    assert f"quy tắc hai người đang tắt ({FOUR_EYES_SETTING}=0)" in note and "người duyệt cũng là người lập" in note
    other = _sent(alone, "chibo_a", "A")
    alone.approve(who("quantri", alone), "A", 2025, other)  # even by a second person, the line says the rule was off
    assert "đang tắt" in _log(alone, "duyet")["ghi_chu"].iloc[0]
    assert four_eyes_setting({}) is True and four_eyes_setting({FOUR_EYES_SETTING: "1"}) is True
    with pytest.raises(StoreError, match=f"{FOUR_EYES_SETTING}=«có lẽ» không hiểu được: dùng 1 .* hoặc 0"):
        four_eyes_setting({FOUR_EYES_SETTING: "có lẽ"})


# --- roles from the database, not from the object ----------------------------------------------------

#: every public method that takes the acting account
CALLS: dict[str, Callable[[Store, Account], object]] = {
    "import_tree": lambda s, a: s.import_tree(a, TREE),
    "current_account": lambda s, a: s.current_account(a),
    "scope": lambda s, a: s.scope(a),
    "require_scope": lambda s, a: s.require_scope(a, "A", "xem_danh_gia"),
    "editable": lambda s, a: s.editable(a),
    "reviewable": lambda s, a: s.reviewable(a),
    "create_account": lambda s, a: s.create_account(a, "moi_moi", "mat-khau-dai", "xem"),
    "reset_password": lambda s, a: s.reset_password(a, "chibo_a", "mat-khau-moi-9"),
    "accounts": lambda s, a: s.accounts(a),
    "get": lambda s, a: s.get(a, "A", 2025),
    "save_draft": lambda s, a: s.save_draft(a, "A", 2025, payload("A"), None),
    "submit": lambda s, a: s.submit(a, "A", 2025, 1),
    "return_": lambda s, a: s.return_(a, "A", 2025, 2, "lý do"),
    "approve": lambda s, a: s.approve(a, "A", 2025, 2),
    "import_approved": lambda s, a: s.import_approved(a, [("A", 2024, payload("A"))]),
    "history": lambda s, a: s.history(a, "A", 2025),
    "versions": lambda s, a: s.versions(a, "A", 2025),
    "board": lambda s, a: s.board(a, 2025),
    "approved": lambda s, a: s.approved(a, 2025),
    "audit": lambda s, a: s.audit(a),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_an_account_that_is_not_in_the_database_is_refused_by_every_method(store: Store, call: str) -> None:
    _sent(store, "chibo_a", "A")
    for forged in (Account("ke_gia", "quan_tri"), replace(SYSTEM)):  # an equal copy of SYSTEM is not SYSTEM
        with pytest.raises(PermissionDenied, match=rf"không có hoặc đã bị khóa \(«{forged.ten_dang_nhap}»\)"):
            CALLS[call](store, forged)
    log = store.audit(SYSTEM)
    denied = log[log["tai_khoan"].isin(["ke_gia", "he_thong"]) & ~log["duoc_phep"].astype(bool)]
    assert denied["tai_khoan"].tolist() == ["he_thong", "ke_gia"]  # each refusal is in the log (newest first)
    assert set(denied["ghi_chu"]) == {"tài khoản không có hoặc đã bị khóa"}


def test_a_forged_role_on_a_real_name_gets_the_stored_role(store: Store) -> None:
    forged = Account("chibo_a", "quan_tri", None)  # the chi bộ A's secretary claims to be an admin
    assert store.scope(forged) == {"A"} and store.editable(forged) == ["A"] and store.reviewable(forged) == []
    assert store.current_account(forged) == who("chibo_a", store)
    for attempt in (
        lambda: store.get(forged, "D1", 2025),
        lambda: store.audit(forged),
        lambda: store.create_account(forged, "tay_trong", "mat-khau-dai", "quan_tri"),
        lambda: store.import_tree(forged, TREE),
        lambda: store.save_draft(Account("chibo_a", "chi_bo", "D1"), "D1", 2025, payload("D1"), None),
    ):
        with pytest.raises(PermissionDenied, match=r"\(chibo_a — Chi bộ, đơn vị A\)\.$"):  # the stored role and unit
            attempt()
    assert len(store.board(Account("xem", "chi_bo", "A"), 2025)) == len(TREE)  # the stored role: the whole board
    with pytest.raises(StoreError, match="dành cho dòng lệnh"):
        store.create_account(SYSTEM, "he_thong", "mat-khau-dai", "quan_tri")


def _depth(text: str) -> int:
    """How deep the brackets of `text` nest (1: brackets, none inside another)."""
    deepest = level = 0
    for char in text:
        level += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, level)
    return deepest


@pytest.mark.parametrize(
    ("account", "label"),
    [
        (Account("chibo_a", "chi_bo", "A", "Nguyễn Văn A"), "Nguyễn Văn A — Chi bộ, đơn vị A"),
        (Account("chibo_a", "chi_bo", "A"), "chibo_a — Chi bộ, đơn vị A"),  # no full name: the user name
        (Account("capuy_d", "cap_uy_co_so", "D", "Trần Thị B"), "Trần Thị B — Cấp ủy cơ sở, đơn vị D"),
        (Account("quantri", "quan_tri", None, "Lê C"), "Lê C — Quản trị, Ban Tuyên giáo"),
        (Account("xem", "xem"), "xem — Chỉ xem"),
        (Account("la", "?"), "la — ?"),  # a role the app does not know: as stored
        # hostile full names are kept as written (the pages escape them), never cut or re-bracketed
        (
            Account("u1", "chi_bo", "A", "Ngô (Bí thư) [x](http://evil)"),
            "Ngô (Bí thư) [x](http://evil) — Chi bộ, đơn vị A",
        ),
        (Account("u2", "xem", None, "**đậm** _nghiêng_ <b>x</b>"), "**đậm** _nghiêng_ <b>x</b> — Chỉ xem"),
        (Account("u3", "xem", None, "Đặng " * 60), "Đặng " * 59 + "Đặng — Chỉ xem"),  # long: whole, trimmed
        (Account("u4", "xem", None, "   "), "u4 — Chỉ xem"),
    ],
)
def test_an_account_reads_as_an_office_names_it_without_brackets_of_its_own(account: Account, label: str) -> None:
    assert account.label == label
    if "(" not in account.ho_ten:
        assert _depth(account.label) == 0


def test_refusals_quoting_an_account_never_nest_brackets(store: Store) -> None:
    said = []
    for name, page in (("chibo_a", "Quản trị"), ("quantri", "Tự đánh giá"), ("xem", "Quản trị")):
        with pytest.raises(PermissionDenied) as refused:
            store.require_page(who(name, store), page, ["chi_bo"] if name == "quantri" else ["quan_tri"])
        said.append(str(refused.value))
    for attempt in (lambda: store.audit(who("chibo_a", store)), lambda: store.get(who("chibo_a", store), "D1", 2025)):
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        said.append(str(refused.value))
    assert [_depth(s) for s in said] == [1, 0, 1, 1, 1], said  # «Quản trị (Ban Tuyên giáo)» is the one bracket
    assert said[0] == (
        "Tài khoản đang đăng nhập không dùng được trang này; trang chỉ dành cho: Quản trị (Ban Tuyên giáo). "
        "Tài khoản: chibo_a — Chi bộ, đơn vị A."
    )
    assert said[1].endswith("Tài khoản: quantri — Quản trị, Ban Tuyên giáo.")
    assert said[3].startswith("Không được phép: ") and said[3].endswith("(chibo_a — Chi bộ, đơn vị A).")


def test_a_changed_or_disabled_account_takes_effect_at_once(store: Store) -> None:
    session = store.authenticate("chibo_a", "mat-khau-dai")  # what a page keeps for 30 minutes
    with store.engine.begin() as db:
        db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "chibo_a").values(vai_tro="xem", ma_to_chuc=None))
    with pytest.raises(PermissionDenied, match="Chỉ xem"):
        store.save_draft(session, "A", 2025, payload("A"), None)
    with store.engine.begin() as db:
        db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "chibo_a").values(bi_khoa=True))
    with pytest.raises(PermissionDenied, match="không có hoặc đã bị khóa"):
        store.board(session, 2025)
    with pytest.raises(StoreError, match="Sai tên đăng nhập hoặc mật khẩu"):  # the same answer as a wrong password
        store.authenticate("chibo_a", "mat-khau-dai")


def test_each_call_reads_the_account_once(store: Store) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    chi_bo, admin = who("chibo_a", store), who("quantri", store)
    calls: list[Callable[[], object]] = [
        lambda: store.save_draft(chi_bo, "A", 2025, payload("A"), None),
        lambda: store.submit(chi_bo, "A", 2025, 1),
        lambda: store.get(chi_bo, "A", 2025),
        lambda: store.history(chi_bo, "A", 2025),
        lambda: store.board(chi_bo, 2025),
        lambda: store.approve(admin, "A", 2025, 2),
        lambda: store.approved(chi_bo, 2025),
    ]
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        for call in calls:
            statements.clear()
            call()
            assert sum("FROM tai_khoan" in s for s in statements) == 1, statements
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


# --- login: the same time for every name, and a lockout many threads cannot outrun ---------------------


class CountingHasher(PasswordHasher):
    """The hasher in use, counting the passwords it checks."""

    def __init__(self, base: PasswordHasher) -> None:
        super().__init__(base.time_cost, base.memory_cost, base.parallelism, base.hash_len, base.salt_len)
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # type: ignore[override]
        with self._lock:
            self.checked += 1
        return super().verify(hash, password)


def test_an_unknown_or_disabled_name_is_checked_against_a_hash_of_the_same_cost(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingHasher(accounts._HASHER)
    monkeypatch.setattr(accounts, "_HASHER", counting)
    with store.engine.begin() as db:
        db.execute(update(TaiKhoan).where(TaiKhoan.ten_dang_nhap == "chibo_d1").values(bi_khoa=True))
        stored = db.execute(text("SELECT mat_khau_bam FROM tai_khoan WHERE ten_dang_nhap = 'chibo_a'")).scalar_one()
    for name, password in (("chibo_a", "sai"), ("khong_co_ai", "sai"), ("chibo_d1", "mat-khau-dai")):
        before = counting.checked
        with pytest.raises(StoreError, match=r"^Sai tên đăng nhập hoặc mật khẩu\.$"):
            store.authenticate(name, password)
        assert counting.checked == before + 1, name  # one password check each, whether the name exists or not
    assert extract_parameters(accounts._dummy_hash()) == extract_parameters(stored)
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher())  # the shipped hasher: the dummy follows it
    assert extract_parameters(accounts._dummy_hash()) == PasswordHasher()._parameters


def test_a_known_and_an_unknown_name_take_as_long(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrong logins of known and unknown names, interleaved (4 per name: under the lockout), compared
    by their fastest (load on the machine only adds time). The hash costs 32 MiB here (~50 ms): with the
    tests' cheap hasher (~0.03 ms) a login is all database time, so a name not verified at all would
    pass too — the test above checks with that hasher that every name is verified once."""
    monkeypatch.setattr(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=32 * 1024, parallelism=1))
    known = [f"co_that_{i}" for i in range(2)]
    for name in known:
        store.create_account(SYSTEM, name, "mat-khau-dai", "xem")
    unknown = [f"khong_co_{i}" for i in range(2)]

    def timed(name: str) -> float:
        start = time.perf_counter()
        with pytest.raises(StoreError, match="Sai tên"):
            store.authenticate(name, "doan-mo")
        return time.perf_counter() - start

    timed("khoi_dong")  # the dummy hash is made on the first attempt
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(MAX_FAILURES - 1):
        for a, b in zip(known, unknown, strict=True):
            times[True].append(timed(a))
            times[False].append(timed(b))
    ratio = min(times[True]) / min(times[False])
    assert 0.5 <= ratio <= 2, (ratio, times)


def test_forty_concurrent_guesses_check_at_most_five_passwords(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    counting = CountingHasher(accounts._HASHER)
    monkeypatch.setattr(accounts, "_HASHER", counting)
    answers: list[str] = []
    start = threading.Barrier(40)

    def guess(number: int) -> None:
        start.wait()
        try:
            store.authenticate("chibo_a", f"doan-{number}")
        except StoreError as error:
            answers.append(str(error))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 40  # every guess refused
    assert counting.checked == MAX_FAILURES  # only the first five were checked at all
    assert sum("Sai tên đăng nhập" in a for a in answers) == MAX_FAILURES
    assert sum("thử lại sau 15 phút" in a for a in answers) == 40 - MAX_FAILURES
    with pytest.raises(StoreError, match="thử lại sau 15 phút"):
        store.authenticate("chibo_a", "mat-khau-dai")  # the right password waits too, unchecked
    assert counting.checked == MAX_FAILURES
    log = store.audit(SYSTEM)
    attempts = log[(log["doi_tuong"] == "chibo_a") & log["hanh_dong"].str.startswith("dang_nhap")]
    assert attempts["hanh_dong"].value_counts().to_dict() == {"dang_nhap_bi_chan": 36, "dang_nhap": MAX_FAILURES}
    assert set(attempts.loc[attempts["hanh_dong"] == "dang_nhap", "ghi_chu"]) == {"sai mật khẩu"}


# --- one member, one chi bộ: approvals re-check, assessments do not tell ------------------------------


def test_an_approval_that_would_put_a_member_in_two_chi_bo_is_refused_naming_the_other_unit(store: Store) -> None:
    from scoring.store.assemble import approved_dataset

    _hidden_unit(store)
    version = _sent(store, "chibo_d1", "D1", [SHARED])
    with pytest.raises(StoreError) as refused:
        store.approve(who("capuy_d", store), "D1", 2025, version)
    message = str(refused.value)
    assert "Chưa duyệt được báo cáo D1/2025: 1 đảng viên đã có trong báo cáo đã duyệt của đơn vị khác" in message
    assert "Nguyễn Văn An (DV-CHUNG): KIN «Chi bộ Phòng Kín»" in message  # the other unit by code and name
    assert "Trần Bí Mật" not in message and "DV-RIENG-2" not in message  # nothing of the other unit's members
    now = store.get(SYSTEM, "D1", 2025)
    assert now is not None and (now.trang_thai, now.phien_ban) == ("da_gui", version)
    assert set(store.approved(SYSTEM, 2025)) == {"KIN"}
    line = _log(store, "duyet").iloc[0]
    assert not line["duoc_phep"] and line["ghi_chu"] == "trùng đảng viên với báo cáo đã duyệt của KIN"
    assert line["sau"] == {"trung_dang_vien": {"DV-CHUNG": ["KIN"]}}
    dataset, report = approved_dataset(store, SYSTEM)  # the approved figures still make a dataset
    assert dataset is not None, report.to_text()


def test_two_conflicting_approvals_at_the_same_moment_let_one_through(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    d1 = _sent(store, "chibo_d1", "D1", [SHARED])
    d2 = _sent(store, "capuy_d", "D2", [SHARED])
    start, outcomes = threading.Barrier(2), {}
    compare = service.shared_members

    def slowly(*args: Any) -> dict[str, list[str]]:  # both approvals would read «no conflict» before either commits
        found = compare(*args)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(service, "shared_members", slowly)

    def approve(name: str, unit: str, version: int) -> None:
        start.wait()
        try:
            outcomes[unit] = store.approve(who(name, store), unit, 2025, version).trang_thai
        except StoreError as error:
            outcomes[unit] = str(error)

    threads = [
        threading.Thread(target=approve, args=("capuy_d", "D1", d1)),
        threading.Thread(target=approve, args=("quantri", "D2", d2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o == "da_duyet" for o in outcomes.values()) == [False, True], outcomes
    assert len(store.approved(SYSTEM, 2025)) == 1


def _criteria() -> Any:
    from scoring import load_criteria

    return load_criteria(ROOT / "criteria" / "hai_chan_ba_mui.yaml")


def _shown(result: Any) -> str:
    """Everything an assessment would put on the screen, as text."""
    parts = [result.report.to_text(), result.conflicts.to_text() if result.conflicts is not None else ""]
    if result.conflicts is not None:
        parts.append(result.conflicts.table.to_string())
    parts += [frame.to_string() for frame in (result.scorecard, result.ranks, result.members)]
    return "\n".join(parts)


def test_an_assessment_names_the_units_own_member_never_the_other_unit(store: Store) -> None:
    from scoring.store.workflow import assess

    _hidden_unit(store)
    own = {**SHARED, "ma_dang_vien": "D1-1"}
    draft = {**payload("D1"), "dang_vien": [own, SHARED]}
    for name in ("chibo_d1", "capuy_d"):  # the cấp ủy may not see KIN either
        result = assess(store, who(name, store), "D1", 2025, draft, _criteria())
        assert result.conflicts is not None and not result.scored
        errors = result.conflicts.errors
        assert errors[["dong", "cot", "gia_tri"]].values.tolist() == [[2, "Mã đảng viên", "DV-CHUNG"]]  # its own row
        assert "đã có trong báo cáo đã duyệt của đơn vị khác năm 2025" in errors["van_de"].iloc[0]
        shown = _shown(result)
        assert not [s for s in SECRETS if s in shown], shown
    admin = assess(store, who("quantri", store), "D1", 2025, draft, _criteria())
    assert admin.conflicts is not None
    assert "của đơn vị khác: KIN «Chi bộ Phòng Kín» năm 2025" in admin.conflicts.errors["van_de"].iloc[0]
    second = {**SHARED, "ma_dang_vien": "DV-HAI", "ho_ten": "Phạm Văn Hai"}
    store.import_approved(SYSTEM, [("D2", 2025, {**payload("D2"), "dang_vien": [second]})])
    both = assess(store, who("capuy_d", store), "D1", 2025, {**draft, "dang_vien": [SHARED, second]}, _criteria())
    assert both.conflicts is not None
    said = dict(zip(both.conflicts.errors["gia_tri"], both.conflicts.errors["van_de"], strict=True))
    assert "của đơn vị khác: D2 «Chi bộ Văn phòng» năm 2025" in said["DV-HAI"]  # D2 is under the cấp ủy…
    assert "của đơn vị khác năm 2025" in said["DV-CHUNG"]  # …KIN is not


def test_broken_approved_figures_are_explained_only_to_an_admin(store: Store) -> None:
    """Two approved reports listing one member (brought in by an admin's import, which does not check
    across reports): a chi bộ's assessment says the approved figures have errors, and nothing more."""
    from scoring.store.workflow import assess

    _hidden_unit(store)
    store.import_approved(SYSTEM, [("D2", 2025, {**payload("D2"), "dang_vien": [SHARED]})])
    result = assess(store, who("chibo_d1", store), "D1", 2025, payload("D1"), _criteria())
    assert result.conflicts is not None and not result.conflicts.ok
    shown = _shown(result)
    assert "Số liệu đã duyệt của các đơn vị đang có lỗi" in shown
    assert not [s for s in (*SECRETS, "DV-CHUNG", "D2") if s in shown], shown
    admin = assess(store, who("quantri", store), "D1", 2025, payload("D1"), _criteria())
    assert admin.conflicts is not None and "Một đảng viên thuộc hai chi bộ" in admin.conflicts.to_text()
