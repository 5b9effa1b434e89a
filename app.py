"""Streamlit app: `streamlit run app.py` opens on the bundled sample data (data/mau)."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import streamlit as st

from scoring import Dataset, validate_dataset
from scoring.overview import member_ratings_by_year, organisations_by_level

SAMPLE = Path(__file__).parent / "data" / "mau"

st.set_page_config(page_title="Thi đua Hai chân – Ba mũi", layout="wide")


@st.cache_resource(show_spinner="Đang đọc và kiểm tra dữ liệu mẫu…")
def load_sample() -> tuple[Dataset | None, str, object]:
    dataset, report = validate_dataset(SAMPLE)
    return dataset, report.summary(), report.display_table()


st.title("Thi đua xây dựng chi bộ trong sạch, vững mạnh — «Hai chân – Ba mũi»")
dataset, summary, table = load_sample()
st.caption(f"Dữ liệu: {SAMPLE.relative_to(Path(__file__).parent)} (bộ dữ liệu mẫu một Đảng bộ Khối)")

if dataset is None:
    st.error(summary)
    st.dataframe(table, hide_index=True)
    st.stop()

st.success(summary)
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
st.info("Chấm điểm theo tiêu chí, xếp hạng và khen thưởng sẽ có ở các trang tiếp theo.")
