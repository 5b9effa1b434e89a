"""Hostile plan, rules and case files: the attacks of tests/hostile/plans_*.yaml (and larger ones built
here) are each refused with a Vietnamese problem naming the line, within 10 seconds and 1 GiB; and a fuzz
of random files, YAML documents and metrics, from which only the tool's own errors may come out."""

from __future__ import annotations

import copy
import re
import resource
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.cases import check_case_file
from scoring.plans import Problem, check_criteria
from scoring.plans.bundled import cases_folder, default_plan, plan_files, rules_folder
from scoring.plans.expr import (
    AGGREGATIONS,
    CODE_CONSTANTS,
    FUNCTIONS,
    MAX_METRIC_CHARS,
    MEMBER,
    POPULATIONS,
    ROW_COLUMNS,
    TASK,
    UNIT,
    ExprError,
    Logic,
    parse,
)
from scoring.plans.rating_rules import RulesError, check_rules, is_rules_file, rules_for_year
from scoring.plans.yaml_source import MAX_FILE_BYTES, MAX_NODES
from tests.conftest import ROOT

HOSTILE = ROOT / "tests" / "hostile"
EXPECT: dict[str, dict[str, Any]] = yaml.safe_load((HOSTILE / "plans_expect.yaml").read_text(encoding="utf-8"))
SECONDS = 10
MEMORY = 1024**3
#: A Vietnamese message has a letter with a diacritic (or the «» quotes the messages use).
VIETNAMESE = re.compile("[À-ỹ«]")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

T = TypeVar("T")


def _bounded(call: Callable[[], T]) -> T:
    """The call's result, asserting it took under 10 s and raised the process's memory by under 1 GiB
    (its peak resident size, so that no tracing slows the call being timed)."""
    before = _resident()
    start = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert seconds < SECONDS, f"{seconds:.1f} s"
    assert grown < MEMORY, f"{grown / 2**20:.0f} MiB"
    return result


def _resident() -> int:
    """The process's resident memory now, in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def _own(problems: list[Problem]) -> str:
    """Every problem is the tool's own: a Problem with a Vietnamese message; all of them as text."""
    for problem in problems:
        assert isinstance(problem, Problem), problem
        assert VIETNAMESE.search(problem.message), problem
    return "\n".join(str(p) for p in problems)


def _plan(metric: str = "share(tccsd, xep_loai >= HTTNV)", target: str = "> 80%") -> str:
    """A one-criterion plan around `metric`; the metric is on line 12."""
    return (
        'title: Thử\ndocument: Thử\nin_force: {from: 2021, to: 2025}\nversion: "1"\ngroups:\n  chan1: Chân 1\n'
        "criteria:\n  - id: chan1.thu\n    title: Thử\n    level: cap_tren_co_so\n    group: chan1\n"
        f'    metric: {metric}\n    target: "{target}"\n    points: 10\n'
        "    source: {document: KH 51, section: II.1, quote: trên 80%}\n"
    )


# --- the attacks, one file each ------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(EXPECT))
def test_hostile_file_is_refused_with_line_key_and_message(kind: str) -> None:
    want = EXPECT[kind]
    file = HOSTILE / f"plans_{kind}.yaml"
    checks: list[Callable[[], list[Problem]]] = [lambda: check_criteria(file)[1]]
    if want.get("moi_loai_tep"):
        checks += [lambda: check_rules(file)[1], lambda: check_case_file(file)[1]]
    for check in checks:
        problems = _bounded(check)
        shown = _own(problems)
        assert any(
            p.line == want["line"] and want["key"] in p.key and want["message"] in p.message for p in problems
        ), shown


def test_every_hostile_plan_file_has_its_expectation() -> None:
    files = {p.stem.removeprefix("plans_") for p in HOSTILE.glob("plans_*.yaml")} - {"expect"}
    assert files == set(EXPECT)


# --- larger attacks, built here ------------------------------------------------------------------

BUILT: dict[str, tuple[Callable[[], str], int, str]] = {
    # name: (the file's text, line, message)
    "not_5000": (lambda: _plan("share(tccsd, " + "not " * 5000 + "vi_pham_don_vi)"), 12, "công thức quá dài"),
    "and_8000": (lambda: _plan("share(tccsd, " + " and ".join(["vi_pham_don_vi"] * 8000) + ")"), 12, "quá dài"),
    "tep_qua_lon": (lambda: "title: '" + "a" * MAX_FILE_BYTES + "'\n", 0, "tệp quá lớn"),
    "qua_nhieu_gia_tri": (lambda: "title: [" + "1, " * MAX_NODES + "1]\n", 1, "tệp có quá nhiều giá trị"),
    "ngoac_5000": (lambda: "title: " + "[" * 5000 + "]" * 5000 + "\n", 1, "YAML lồng quá sâu"),
    "khoa_1000_tang": (
        lambda: "".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "v\n",
        21,
        "YAML lồng quá sâu",
    ),
    "bi_danh_chu_dai": (
        lambda: "a: &dai '" + "x" * 100_000 + "'\nb: [*dai, *dai, *dai]\n",
        2,
        "200.000 ký tự",
    ),
}
#: attacks on a metric: a rules or case file reading the same file only has to refuse it without a crash
METRIC_ATTACKS = {"not_5000", "and_8000"}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_attack_is_refused(tmp_path: Path, name: str) -> None:
    text, line, message = BUILT[name]
    file = tmp_path / f"{name}.yaml"
    file.write_text(text(), encoding="utf-8")
    for check in (check_criteria, check_rules, check_case_file):
        problems = _bounded(lambda check=check: check(file)[1])  # type: ignore[misc]
        shown = _own(problems)
        if check is check_criteria or name not in METRIC_ATTACKS:
            assert any(p.line == line and message in p.message for p in problems), shown


def test_a_long_flat_metric_is_checked_in_linear_time() -> None:
    """800 operands of `and` (before: every operand printed the whole metric again, 800 × 9,600 characters)."""
    text = " and ".join(["vi_pham"] * 800)
    assert len(text) <= MAX_METRIC_CHARS
    start = time.perf_counter()
    node = parse(text, MEMBER)
    assert time.perf_counter() - start < 1
    assert isinstance(node, Logic) and len(node.parts) == 800
    with pytest.raises(ExprError, match="phải là điều kiện đúng/sai") as error:
        parse(text + " and so_sang_kien", MEMBER)
    assert len(str(error.value)) < 400  # a long metric is quoted shortened
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not " * 5000 + "vi_pham", "công thức quá dài"),
        ("not " * 60 + "vi_pham", "lồng quá sâu"),
        ("-" * 3000 + "so_sang_kien < 1", "lồng quá sâu"),  # Python's own parser gives up first
        ("(" * 300 + "vi_pham" + ")" * 300, "lồng quá sâu"),
        (" + ".join(["so_sang_kien"] * 400) + " > 1", "lồng quá sâu"),
        ("so_sang_kien in [" + "1," * 2100 + "1]", "công thức quá lớn"),
        ("so_sang_kien > " + "9" * 400, "số quá lớn"),
        ("so_sang_kien > " + "9" * 5000, "số quá lớn"),
        ("so_sang_kien > 1e400", "số quá lớn (vô cực)"),
        ("so_sang_kien > 1e13", "số quá lớn"),
        ("vi_pham\x00", "sai cú pháp"),
        ("vi_pham == \ud800", "ký tự không đọc được"),
    ],
    ids=lambda v: v[:20] if isinstance(v, str) else v,
)
def test_metric_bounds(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=re.escape(message)):
        _bounded(lambda: parse(text, MEMBER))


def test_metric_numbers_within_bounds_still_parse() -> None:
    assert parse("so_sang_kien > 1000000000000", MEMBER).type.value == "đúng/sai"
    assert parse("so_sang_kien >= 0.000001", MEMBER).type.value == "đúng/sai"


# --- a rules folder ------------------------------------------------------------------------------


def _rules_copy(folder: Path) -> Path:
    folder.mkdir()
    for file in rules_folder().glob("*.yaml"):
        shutil.copy(file, folder / file.name)
    return folder


def test_a_rules_folder_reports_a_file_it_cannot_read(tmp_path: Path) -> None:
    """Before: a broken .yaml in the folder was skipped silently (is_rules_file said False)."""
    folder = _rules_copy(tmp_path / "quy_dinh")
    assert rules_for_year(2024, folder).title
    (folder / "qd999_hong.yaml").write_text("kind: quy_dinh_xep_loai\ntitle: [chưa đóng ngoặc\n", encoding="utf-8")
    with pytest.raises(RulesError) as error:
        rules_for_year(2024, folder)
    assert any(p.file.endswith("qd999_hong.yaml") and "YAML sai cú pháp" in p.message for p in error.value.problems)


def test_a_rules_folder_reports_a_file_of_another_kind(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path / "quy_dinh")
    shutil.copy(default_plan(), folder / "ke_hoach.yaml")
    with pytest.raises(RulesError) as error:
        rules_for_year(2024, folder)
    assert [p.message.split(":")[0] for p in error.value.problems] == ["đây là tệp tiêu chí"]
    assert "kind: quy_dinh_xep_loai" in str(error.value)


def test_a_rules_folder_refuses_billion_laughs_quickly(tmp_path: Path) -> None:
    folder = _rules_copy(tmp_path / "quy_dinh")
    shutil.copy(HOSTILE / "plans_billion_laughs.yaml", folder / "qd000.yaml")
    assert not _bounded(lambda: is_rules_file(folder / "qd000.yaml"))
    with pytest.raises(RulesError, match="viết ra đầy đủ"):
        _bounded(lambda: rules_for_year(2024, folder))


# --- fuzz: only the tool's own errors come out -----------------------------------------------------

PLAN_KEYS = [
    *("title", "document", "in_force", "from", "to", "version", "points_note", "groups", "criteria", "awards"),
    *("yearly", "consecutive", "quota", "minimum", "years", "tasks", "han", "required", "section", "quote"),
    *("id", "level", "group", "metric", "target", "points", "partial", "deduction", "per", "max", "phrase"),
    *("source", "note", "kind", "rules", "base", "method", "score", "bands", "when", "rank", "rating"),
    *("at_most", "at_least", "lifts", "reading", "rounding", "share", "tinh_huong", "ten", "nam", "to_chuc"),
    *("dang_vien", "tieu_chi", "quy_dinh", "ket_qua", "ma", "cap", "<<"),
]
WORDS = [
    *ROW_COLUMNS[UNIT],
    *ROW_COLUMNS[MEMBER],
    *ROW_COLUMNS[TASK],
    *POPULATIONS,
    *FUNCTIONS,
    *CODE_CONSTANTS,
    *("True", "False", "and", "or", "not", "in", "lambda", "__import__", "if", "else", "for"),
]
SYMBOLS = ["(", ")", "[", "]", ",", "+", "-", "*", "/", "**", "%", "==", "!=", "<", "<=", ">", ">=", "≥", "≤", "≠"]
NUMBERS = ["0", "1", "0.96", "80", "1e400", "1e-400", "9" * 400, "0x1F", "1_000", "1j", "-1", ".5", "1e12"]
STRINGS = ['"kl21.03"', "'chữ'", '""', '"[x]"', "b'x'", "f'{x}'"]
METRIC_TOKENS = st.sampled_from([*WORDS, *SYMBOLS, *NUMBERS, *STRINGS, ".", ":", "=", "lambda x: x"])
METRICS = st.one_of(
    st.lists(METRIC_TOKENS, max_size=25).map(" ".join),
    st.lists(METRIC_TOKENS, max_size=25).map("".join),
    st.text(max_size=60),
)
TARGETS = st.one_of(
    st.sampled_from(["> 80%", "≥ 96%", "15%..20%", "= 0", "≥ HTTNV", "đúng", "giảm 2%/năm", "từ 1 đến 2"]),
    st.text(alphabet="0123456789,.%<>=≥≤ –-đếntừtrên", max_size=30),
    st.just("> " + "9" * 400),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**400, -(10**30), 2**63]),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(PLAN_KEYS),
    METRICS,
    TARGETS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(PLAN_KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)
DOCUMENTS = st.dictionaries(st.sampled_from(PLAN_KEYS), VALUES, max_size=8)
YAML_TOKENS = st.sampled_from(
    [
        *(
            "&a ",
            "*a",
            "&b ",
            "*b",
            "<<: ",
            "!!python/object/apply:os.system ",
            "!!binary ",
            "!!set ",
            "!!int ",
            "!!bool ",
        ),
        *("!foo ", "[", "]", "{", "}", "- ", ": ", ", ", "\n", "  ", "'", '"', "|", ">", "#", "---", "...", "? "),
        *("%YAML 1.1\n", "2022-02-30", "2022-01-01", ".inf", ".nan", "~", "9" * 400, "1e400", "\t", "\\", "\x00"),
        *("\ufeff", "\r\n", "é", "«", *PLAN_KEYS),
    ]
)
YAML_TEXTS = st.one_of(st.lists(YAML_TOKENS, max_size=40).map("".join), st.text(max_size=200))


def _check_everything(file: Path) -> None:
    criteria, problems = check_criteria(file)
    assert (criteria is None) == bool(problems)
    _own(problems)
    rules, problems = check_rules(file)
    assert (rules is None) == bool(problems)
    _own(problems)
    _own(check_case_file(file)[1])


@FUZZ
@given(content=st.one_of(st.binary(max_size=300), YAML_TEXTS.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_fuzz_random_bytes_as_a_file(tmp_path: Path, content: bytes) -> None:
    file = tmp_path / "tep.yaml"
    file.write_bytes(content)
    _check_everything(file)


@FUZZ
@given(document=DOCUMENTS)
def test_fuzz_random_yaml_documents(tmp_path: Path, document: dict[str, Any]) -> None:
    file = tmp_path / "tep.yaml"
    file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    _check_everything(file)


SHIPPED = {
    f"{p.parent.name}_{p.name}": yaml.safe_load(p.read_text(encoding="utf-8"))
    for p in [*plan_files(), *rules_folder().glob("*.yaml"), *cases_folder().glob("*.yaml")]
}
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # the test's own writing, fast when libyaml is there


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        found += [p for key, item in value.items() for p in _paths(item, (*path, key))]
    elif isinstance(value, list):
        found += [p for index, item in enumerate(value) for p in _paths(item, (*path, index))]
    return found


@settings(FUZZ, max_examples=40)
@given(data=st.data(), name=st.sampled_from(sorted(SHIPPED)))
def test_fuzz_shipped_files_with_one_value_changed(tmp_path: Path, data: st.DataObject, name: str) -> None:
    """A shipped plan, rules or case file with one value replaced: reaches the checks deep inside (metrics,
    targets, points, rules, the tables of a case), which a random document seldom does."""
    document = copy.deepcopy(SHIPPED[name])
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    parent[last] = data.draw(st.one_of(VALUES, METRICS, TARGETS) if last in ("metric", "when", "target") else VALUES)
    file = tmp_path / name
    file.write_text(yaml.dump(document, Dumper=_DUMPER, allow_unicode=True), encoding="utf-8")
    if "tinh_huong" in SHIPPED[name]:
        cases, problems = check_case_file(file)
        assert bool(cases) != bool(problems)
    else:
        found, problems = check_rules(file) if "kind" in SHIPPED[name] else check_criteria(file)
        assert (found is None) == bool(problems)
    _own(problems)


@settings(max_examples=300, deadline=None)
@given(text=METRICS, context=st.sampled_from([UNIT, MEMBER, TASK]))
def test_fuzz_metrics(text: str, context: str) -> None:
    try:
        node = parse(text, context)
    except ExprError as exc:
        assert VIETNAMESE.search(str(exc)), str(exc)
    else:
        assert node.type is not None


def test_the_fuzz_vocabulary_is_the_language() -> None:
    assert set(AGGREGATIONS) <= set(WORDS)
