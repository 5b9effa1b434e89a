"""The approved reports kept up to date by the reports that change (`scoring.store.baseline`) equal a
full rebuild after any sequence of saves, sends, returns, approvals and imports: the same rows, the
same values, the same types (members, unit figures and the reports' Nhiệm vụ rows). On SQLite, and
on PostgreSQL when THIDUA_TEST_PG_URL names a server (in a schema of its own, so it does not disturb
other tests' tables)."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select, text

from benchmarks.pg_schema import fresh_schema
from scoring.input.dataset import Dataset, dataset_from_frames
from scoring.sample.generate import generate
from scoring.store import Store, connect
from scoring.store import baseline as cache
from scoring.store.accounts import SYSTEM
from scoring.store.assemble import approved_dataset
from scoring.store.errors import StoreError
from scoring.store.models import BaoCao
from scoring.store.workflow import submissions_from_dataset

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("THIDUA_TEST_PG_URL") else [])
PG_SCHEMA = "thidua_incremental"
YEARS = [2024, 2025]


@pytest.fixture(scope="module")
def sample() -> Dataset:
    raw = generate(400, YEARS, seed=11)
    dataset, report = dataset_from_frames({name: table.to_pandas() for name, table in raw.items()})
    assert dataset is not None, report.to_text()
    return dataset


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path, sample: Dataset) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'thidua.db'}"
    else:
        url = fresh_schema(os.environ["THIDUA_TEST_PG_URL"], PG_SCHEMA)
    engine = connect(url)
    result = Store(engine)
    result.import_tree(SYSTEM, sample.to_chuc.astype(object))
    result.create_account(SYSTEM, "quantri", "mat-khau-dai", "quan_tri")
    cache.forget(result)
    yield result
    cache.forget(result)
    engine.dispose()


def _rebuilt(store: Store) -> Dataset | None:
    """The approved reports read and validated from scratch, as before this cache."""
    with store.engine.connect() as db:
        rows = db.execute(
            select(BaoCao.ma_to_chuc, BaoCao.nam, BaoCao.du_lieu).where(BaoCao.trang_thai == "da_duyet")
        ).all()
    dataset, _ = cache.validated(store.tree(), [(r.ma_to_chuc, int(r.nam), dict(r.du_lieu)) for r in rows])
    return dataset


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def _same(incremental: Dataset | None, full: Dataset | None) -> None:
    assert (incremental is None) == (full is None)
    if incremental is None or full is None:
        return
    pd.testing.assert_frame_equal(
        _sorted(incremental.dang_vien, ["nam", "ma_dang_vien"]), _sorted(full.dang_vien, ["nam", "ma_dang_vien"])
    )
    pd.testing.assert_frame_equal(
        _sorted(incremental.don_vi_nam, ["nam", "ma_to_chuc"]), _sorted(full.don_vi_nam, ["nam", "ma_to_chuc"])
    )
    keys = ["nam", "ma_to_chuc", "ma_nhiem_vu"]
    pd.testing.assert_frame_equal(_sorted(incremental.nhiem_vu, keys), _sorted(full.nhiem_vu, keys))


def _tasks(year: int, rng: random.Random) -> list[dict[str, Any]]:
    """A few Nhiệm vụ rows as a report carries them (none at times; optional cells sometimes left out)."""
    rows = []
    for number in rng.sample(range(1, 9), rng.choice([0, 1, 2, 3])):
        done = rng.random() < 0.6
        row = {"ma_nhiem_vu": f"nv{number:02d}", "han": rng.choice(["thường xuyên", f"31/03/{year}"])}
        row["ket_qua"] = "Hoàn thành" if done else "Chưa thực hiện"
        if done and rng.random() < 0.5:
            row["ngay_hoan_thanh"] = f"{rng.randint(1, 28):02d}/02/{year}"
        if rng.random() < 0.5:
            row["ten_nhiem_vu"] = f"Nhiệm vụ {number}"
        rows.append(row)
    return rows


def _with_tasks(report: tuple[str, int, dict[str, Any]], rng: random.Random) -> tuple[str, int, dict[str, Any]]:
    unit, year, data = report
    tasks = _tasks(year, rng)
    return unit, year, {**data, "nhiem_vu": tasks} if tasks else data


def _altered(data: dict[str, Any], year: int, rng: random.Random) -> dict[str, Any]:
    """The same report with a few figures changed (a rating, a member dropped, other Nhiệm vụ rows)."""
    members = list(data.get("dang_vien") or [])
    if len(members) > 1 and rng.random() < 0.5:
        members.pop(rng.randrange(len(members)))
    unit = dict(data.get("don_vi") or {})
    unit["xep_loai"] = rng.choice(["HTNV", "HTTNV", "HTXSNV"])
    tasks = _tasks(year, rng) if rng.random() < 0.7 else list(data.get("nhiem_vu") or [])
    return {"don_vi": unit, "dang_vien": members, **({"nhiem_vu": tasks} if tasks else {})}


_SENDABLE: list[tuple[pd.DataFrame, set[tuple[str, int]]]] = []  # a stored tree, (unit, year) of the reports it takes


def _sendable(store: Store, sample: Dataset) -> list[tuple[str, int, dict[str, Any]]]:
    """The sample's reports that pass the checks of a sent report against the stored tree, in their order.
    Each check validates a whole report, so the verdicts are kept for a tree equal to this one (every
    test stores the sample's tree, on either backend)."""
    from scoring.store.submission import check_submission

    tree, reports = store.tree(), submissions_from_dataset(sample)
    verdicts = next((kept for seen, kept in _SENDABLE if seen.equals(tree)), None)
    if verdicts is None:
        verdicts = {(u, y) for u, y, data in reports if check_submission(tree, u, y, data).ok}
        _SENDABLE.append((tree, verdicts))
    return [r for r in reports if (r[0], r[1]) in verdicts]


@pytest.mark.parametrize("seed", [1, 2])
def test_random_changes_keep_the_cache_equal_to_a_full_rebuild(store: Store, sample: Dataset, seed: int) -> None:
    rng = random.Random(seed)
    ok = [_with_tasks(r, rng) for r in _sendable(store, sample)]
    rng.shuffle(ok)
    held, loaded = ok[:12], ok[12:]
    store.import_approved(SYSTEM, loaded)
    admin = store.current_account(type(SYSTEM)("quantri", "quan_tri"))
    _same(cache.baseline(store).dataset, _rebuilt(store))
    before = cache.counts()
    versions: dict[tuple[str, int], int | None] = {(u, y): None for u, y, _ in held}
    figures = {(u, y): d for u, y, d in held}
    assert any(d.get("nhiem_vu") for d in figures.values())
    for _ in range(40):
        action = rng.choice(["save", "send", "return", "approve", "approve", "import"])
        key = rng.choice(list(versions))
        unit, year = key
        try:
            if action == "save":
                versions[key] = store.save_draft(admin, unit, year, figures[key], versions[key]).phien_ban
            elif action == "send" and versions[key] is not None:
                versions[key] = store.submit(admin, unit, year, versions[key]).phien_ban  # type: ignore[arg-type]
            elif action == "return" and versions[key] is not None:
                versions[key] = store.return_(SYSTEM, unit, year, versions[key], "sửa lại").phien_ban  # type: ignore[arg-type]
            elif action == "approve" and versions[key] is not None:
                versions[key] = store.approve(SYSTEM, unit, year, versions[key]).phien_ban  # type: ignore[arg-type]
            elif action == "import":
                replaced = rng.choice(loaded)
                changed = _altered(replaced[2], replaced[1], rng)
                store.import_approved(SYSTEM, [(replaced[0], replaced[1], changed)], overwrite=True)
        except StoreError:
            pass  # a move the workflow refuses (wrong state, stale version): nothing changed
        _same(cache.baseline(store).dataset, _rebuilt(store))
    after = cache.counts()
    assert after["incremental"] > before["incremental"]  # updated, not rebuilt
    assert after["full"] == before["full"]
    dataset, report = approved_dataset(store, admin)
    _same(dataset, _rebuilt(store))
    assert report.ok
    assert dataset is not None and not dataset.nhiem_vu.empty


def test_a_member_in_two_approved_reports_is_found_as_a_rebuild_finds_it(store: Store, sample: Dataset) -> None:
    reports = [r for r in submissions_from_dataset(sample) if r[1] == 2025]
    store.import_approved(SYSTEM, reports)
    assert cache.baseline(store).dataset is not None
    chi_bo = [r for r in reports if r[2]["dang_vien"]]
    first, second = chi_bo[0], chi_bo[1]
    moved = {**second[2], "dang_vien": [*second[2]["dang_vien"], first[2]["dang_vien"][0]]}
    store.import_approved(SYSTEM, [(second[0], 2025, moved)], overwrite=True)  # an import does not check this
    base = cache.baseline(store)
    assert base.dataset is None and _rebuilt(store) is None
    assert "hai chi bộ" in base.report.to_text()
    store.import_approved(SYSTEM, [second], overwrite=True)  # put right: the dataset comes back
    _same(cache.baseline(store).dataset, _rebuilt(store))
    assert cache.baseline(store).dataset is not None


def test_a_rewritten_history_is_read_again(store: Store, sample: Dataset) -> None:
    reports = [r for r in submissions_from_dataset(sample) if r[1] == 2025]
    store.import_approved(SYSTEM, reports[:10])
    cache.baseline(store)
    full = cache.counts()["full"]
    with store.engine.begin() as db:  # as a restore would: the same ids, other contents
        db.execute(text("DELETE FROM bao_cao_phien_ban"))
        db.execute(text("DELETE FROM bao_cao"))
    store.import_approved(SYSTEM, reports[10:15])
    _same(cache.baseline(store).dataset, _rebuilt(store))
    assert cache.counts()["full"] == full + 1


def test_a_report_deleted_without_a_version_row_is_noticed(store: Store, sample: Dataset) -> None:
    reports = [r for r in submissions_from_dataset(sample) if r[1] == 2025]
    store.import_approved(SYSTEM, reports[:10])
    cache.baseline(store)
    with store.engine.begin() as db:  # as an undone import might: the report and its versions go
        gone = db.scalar(select(BaoCao.id).where(BaoCao.ma_to_chuc == reports[0][0], BaoCao.nam == 2025))
        db.execute(text("DELETE FROM bao_cao_phien_ban WHERE bao_cao_id = :id"), {"id": gone})
        db.execute(text("DELETE FROM bao_cao WHERE id = :id"), {"id": gone})
    store.import_approved(SYSTEM, reports[10:12])
    _same(cache.baseline(store).dataset, _rebuilt(store))
    assert (reports[0][0], 2025) not in cache.baseline(store).reports


def test_threads_share_one_consistent_cache(store: Store, sample: Dataset) -> None:
    reports = submissions_from_dataset(sample)
    store.import_approved(SYSTEM, reports[:-20])
    seen: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(5):
                seen.append(cache.baseline(store).stamp)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for unit, year, data in reports[-20:-10]:
        store.import_approved(SYSTEM, [(unit, year, data)])
    for t in threads:
        t.join()
    assert not errors
    _same(cache.baseline(store).dataset, _rebuilt(store))


def test_the_first_and_last_nhiem_vu_rows_are_spliced_as_a_rebuild_reads_them(store: Store, sample: Dataset) -> None:
    reports = [r for r in submissions_from_dataset(sample) if r[1] == 2025]
    store.import_approved(SYSTEM, reports[:10])
    assert cache.baseline(store).dataset is not None
    rng = random.Random(3)
    unit, year, data = reports[3]
    tasks = next(t for t in (_tasks(year, rng) for _ in range(5)) if t)
    store.import_approved(SYSTEM, [(unit, year, {**data, "nhiem_vu": tasks})], overwrite=True)
    with_tasks = cache.baseline(store).dataset
    assert with_tasks is not None and len(with_tasks.nhiem_vu) == len(tasks)
    _same(with_tasks, _rebuilt(store))
    store.import_approved(SYSTEM, [(unit, year, data)], overwrite=True)  # the tasks go again
    without = cache.baseline(store).dataset
    assert without is not None and without.nhiem_vu.empty
    _same(without, _rebuilt(store))
    assert cache.counts()["incremental"] >= 2


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as text, rows sorted: the same figures whatever the row order."""
    text = frame.astype(str)
    return text.sort_values(list(text.columns), kind="stable").reset_index(drop=True)


def _same_figures(kept: Any, fresh: Any) -> None:
    assert kept.years == fresh.years
    for year in fresh.years:
        for name in ("ket_qua_tieu_chi", "ket_qua_to_chuc", "xep_hang_to_chuc", "xep_hang_dang_vien", "tong_diem"):
            got, want = getattr(kept.results[year], name), getattr(fresh.results[year], name)
            pd.testing.assert_frame_equal(_canonical(got), _canonical(want), obj=f"{name} {year}")
        got_r, want_r = kept.rating_report(year).ratings, fresh.rating_report(year).ratings
        pd.testing.assert_frame_equal(_canonical(got_r.members), _canonical(want_r.members), obj=f"members {year}")
        pd.testing.assert_frame_equal(_canonical(got_r.units), _canonical(want_r.units), obj=f"units {year}")
        if fresh.criteria.awards:
            got_s, want_s = kept.shortlist(year).table, fresh.shortlist(year).table
            pd.testing.assert_frame_equal(_canonical(got_s), _canonical(want_s), obj=f"shortlist {year}")


def test_the_ranking_figures_after_a_change_rescore_that_year_and_later_only(
    store: Store, sample: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an approved report of the last year changes, the pages' figures (scores, rating check,
    shortlist) of the earlier years are kept and only that year is scored again; after a change of
    the first year, every year is. Either way they equal figures computed from scratch."""
    from scoring import load_criteria
    from scoring.plans.bundled import default_plan
    from scoring.store import figures, scoped

    criteria = load_criteria(default_plan())
    reports = _sendable(store, sample)
    store.import_approved(SYSTEM, reports)
    admin = store.current_account(type(SYSTEM)("quantri", "quan_tri"))
    scoped.clear_cache()
    first = scoped.scoped_data(store, admin, criteria)
    assert first is not None
    _same_figures(first, first)  # every year's figures computed (a page reads them as it needs them)
    scored: list[int] = []
    real = figures.score

    def counted(dataset: Dataset, plan: Any, year: int) -> Any:
        scored.append(year)
        return real(dataset, plan, year)

    monkeypatch.setattr(figures, "score", counted)
    rng = random.Random(3)
    for year, expected in ((YEARS[-1], [YEARS[-1]]), (YEARS[0], YEARS)):
        unit, _, data = next(r for r in reports if r[1] == year and r[2].get("dang_vien"))
        store.import_approved(SYSTEM, [(unit, year, _altered(data, year, rng))], overwrite=True)
        scored.clear()
        kept = scoped.scoped_data(store, admin, criteria)
        assert kept is not None
        _same_figures(kept, kept)
        assert sorted(scored) == expected
        scoped.clear_cache()  # from scratch: the approved reports read again, every year scored
        fresh = scoped.scoped_data(store, admin, criteria)
        assert fresh is not None
        _same_figures(kept, fresh)
