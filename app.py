"""Streamlit app: `streamlit run app.py` opens on the bundled sample data (data/mau)."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from scoring import CriteriaSet, Dataset, ScoreResult, load_criteria, score, validate_dataset
from scoring.overview import member_ratings_by_year, organisations_by_level, target_board

ROOT = Path(__file__).parent
SAMPLE = ROOT / "data" / "mau"
CRITERIA = ROOT / "criteria" / "hai_chan_ba_mui.yaml"

st.set_page_config(page_title="Thi đua Hai chân – Ba mũi", layout="wide")


@st.cache_resource(show_spinner="Đang đọc và kiểm tra dữ liệu mẫu…")
def load_sample() -> tuple[Dataset | None, str, pd.DataFrame, CriteriaSet]:
    dataset, report = validate_dataset(SAMPLE)
    return dataset, report.summary(), report.display_table(), load_criteria(CRITERIA)


@st.cache_resource(show_spinner="Đang chấm điểm…")
def scored(year: int) -> ScoreResult:
    dataset, _, _, criteria = load_sample()
    assert dataset is not None
    return score(dataset, criteria, year)


st.title("Thi đua xây dựng chi bộ trong sạch, vững mạnh — «Hai chân – Ba mũi»")
dataset, summary, table, criteria = load_sample()
st.caption(f"Dữ liệu: {SAMPLE.relative_to(ROOT)} (bộ dữ liệu mẫu một Đảng bộ Khối) · Tiêu chí: {criteria.label}")

if dataset is None:
    st.error(summary)
    st.dataframe(table, hide_index=True)
    st.stop()

st.success(summary)
year = st.selectbox("Năm", dataset.years[::-1])
result = scored(int(year))
st.subheader(f"Chỉ tiêu của Đảng bộ cấp trên cơ sở, năm {year}")
st.dataframe(target_board(result), hide_index=True, width="stretch")

left, right = st.columns([1, 2])
with left:
    st.subheader("Tổ chức đảng theo cấp")
    st.dataframe(organisations_by_level(dataset), hide_index=True)
with right:
    st.subheader("Xếp loại đảng viên qua các năm")
    ratings = member_ratings_by_year(dataset)
    chart = (
        alt.Chart(ratings)
        .mark_bar()
        .encode(
            x=alt.X("Năm:O"),
            y=alt.Y("Tỷ lệ:Q", axis=alt.Axis(format="%"), stack="normalize"),
            color=alt.Color("Xếp loại:N", sort=None),
            tooltip=["Năm", "Xếp loại", "Số đảng viên", alt.Tooltip("Tỷ lệ:Q", format=".1%")],
        )
    )
    st.altair_chart(chart, width="stretch")
st.info(
    "Xếp hạng, phiếu điểm từng đơn vị, tải dữ liệu lên và khen thưởng sẽ có ở các trang tiếp theo. "
    "Dòng lệnh: thidua score data/mau --criteria criteria/hai_chan_ba_mui.yaml --nam 2025 --out kq"
)
