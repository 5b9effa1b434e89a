"""The cấp trên cơ sở and chi bộ criteria of criteria/hai_chan_ba_mui.yaml in DuckDB SQL: the peer a
data engineer would write, used to time the engine and to check that both give the same values."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

RANK = "CASE {col} WHEN 'KHTNV' THEN 0 WHEN 'HTNV' THEN 1 WHEN 'HTTNV' THEN 2 WHEN 'HTXSNV' THEN 3 END"


def _tree_sql(data: Path) -> str:
    return f"""
    CREATE OR REPLACE TABLE org AS SELECT * FROM read_parquet('{data}/to_chuc.parquet');
    CREATE OR REPLACE TABLE dv AS SELECT * FROM read_parquet('{data}/dang_vien.parquet');
    CREATE OR REPLACE TABLE dvn AS SELECT * FROM read_parquet('{data}/don_vi_nam.parquet');
    -- every organisation with each of its ancestors (itself included), at any depth
    CREATE OR REPLACE TABLE anc AS
    WITH RECURSIVE up(ma, ancestor) AS (
        SELECT ma_to_chuc, ma_to_chuc FROM org
        UNION ALL
        SELECT up.ma, org.ma_cap_tren FROM up JOIN org ON org.ma_to_chuc = up.ancestor
        WHERE org.ma_cap_tren IS NOT NULL
    )
    SELECT up.ma, up.ancestor, org.cap AS ancestor_cap FROM up JOIN org ON org.ma_to_chuc = up.ancestor;
    """


def cap_tren_values(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """One row per (cấp trên cơ sở, criterion): the value, as the engine's `gia_tri`."""
    r = RANK.format(col="u.xep_loai")
    sql = f"""
    WITH top AS (SELECT ma, ancestor AS k FROM anc WHERE ancestor_cap = 'cap_tren_co_so'),
    units AS (
        SELECT top.k, o.cap, u.* FROM dvn u JOIN org o ON o.ma_to_chuc = u.ma_to_chuc
        JOIN top ON top.ma = u.ma_to_chuc WHERE u.nam = {year} AND top.ma <> top.k
    ),
    tccsd AS (SELECT * FROM units WHERE cap IN ('dang_bo_co_so', 'chi_bo_co_so')),
    members AS (
        SELECT top.k, m.xep_loai, m.quan_triet, m.vi_pham FROM dv m JOIN top ON top.ma = m.ma_chi_bo
        WHERE m.nam = {year}
    ),
    members_before AS (
        SELECT top.k, avg(m.vi_pham::DOUBLE) AS rate FROM dv m JOIN top ON top.ma = m.ma_chi_bo
        WHERE m.nam = {year - 1} GROUP BY top.k
    ),
    own AS (SELECT ma_to_chuc AS k, {r} AS rating FROM dvn u WHERE nam = {year}),
    t AS (
        SELECT k,
          avg(CASE WHEN xep_loai IN ('HTTNV','HTXSNV') THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN'
              THEN 0.0 END) AS tccsd_htt,
          avg(CASE WHEN xep_loai = 'HTXSNV' THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN' THEN 0.0 END)
              AS tccsd_htxs,
          sum(CASE WHEN xep_loai = 'KHTNV' THEN 1 ELSE 0 END) AS tccsd_khtnv,
          sum(CASE WHEN so_quan_chung IS NOT NULL AND so_quan_chung_quan_triet IS NOT NULL
              THEN so_quan_chung_quan_triet END)::DOUBLE
            / sum(CASE WHEN so_quan_chung IS NOT NULL AND so_quan_chung_quan_triet IS NOT NULL
              THEN so_quan_chung END) AS quan_chung,
          sum(CASE WHEN vi_pham_don_vi THEN 1 ELSE 0 END) AS khong_vi_pham,
          sum(CASE WHEN kiem_tra_ke_hoach IS NOT NULL AND kiem_tra_thuc_hien IS NOT NULL
              THEN kiem_tra_thuc_hien END)::DOUBLE
            / sum(CASE WHEN kiem_tra_ke_hoach IS NOT NULL AND kiem_tra_thuc_hien IS NOT NULL
              THEN kiem_tra_ke_hoach END) AS kiem_tra,
          sum(don_thu_ton_dong) AS don_thu
        FROM tccsd GROUP BY k
    ),
    c AS (
        SELECT k,
          avg(CASE WHEN xep_loai IN ('HTTNV','HTXSNV') THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN'
              THEN 0.0 END) AS chi_bo_htt,
          avg(CASE WHEN xep_loai = 'HTXSNV' THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN' THEN 0.0 END)
              AS chi_bo_htxs
        FROM units WHERE cap = 'chi_bo_truc_thuoc' GROUP BY k
    ),
    m AS (
        SELECT k,
          avg(CASE WHEN xep_loai IN ('HTTNV','HTXSNV') THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN'
              THEN 0.0 END) AS dang_vien_htt,
          avg(CASE WHEN xep_loai = 'HTXSNV' THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN' THEN 0.0 END)
              AS dang_vien_htxs,
          avg(quan_triet::DOUBLE) AS dang_vien_quan_triet,
          avg(vi_pham::DOUBLE) AS giam_vi_pham
        FROM members GROUP BY k
    )
    SELECT own.k AS ma, own.rating AS cap_tren_htt, t.*, c.*, m.* EXCLUDE (k)
    FROM own JOIN org o ON o.ma_to_chuc = own.k AND o.cap = 'cap_tren_co_so'
    LEFT JOIN t ON t.k = own.k LEFT JOIN c ON c.k = own.k LEFT JOIN m ON m.k = own.k
    """
    wide = con.execute(sql).df().drop(columns=["k", "k_1"], errors="ignore")
    names = {
        "cap_tren_htt": "chan1.cap_tren_htt",
        "tccsd_htt": "chan1.tccsd_htt",
        "tccsd_htxs": "chan1.tccsd_htxs",
        "tccsd_khtnv": "chan1.tccsd_khtnv",
        "chi_bo_htt": "chan1.chi_bo_htt",
        "chi_bo_htxs": "chan1.chi_bo_htxs",
        "dang_vien_htt": "chan2.dang_vien_htt",
        "dang_vien_htxs": "chan2.dang_vien_htxs",
        "dang_vien_quan_triet": "mui1.dang_vien_quan_triet",
        "quan_chung": "mui1.quan_chung_quan_triet",
        "khong_vi_pham": "mui1.khong_vi_pham",
        "kiem_tra": "mui2.kiem_tra",
        "giam_vi_pham": "mui2.giam_vi_pham",
        "don_thu": "mui2.don_thu",
    }
    wide = wide[["ma", *names]].rename(columns=names)
    return wide.melt(id_vars="ma", var_name="ma_tieu_chi", value_name="gia_tri")


def chi_bo_values(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    """One row per (chi bộ, criterion) for the chi bộ criteria."""
    r = RANK.format(col="u.xep_loai")
    sql = f"""
    WITH cb AS (SELECT ma_to_chuc FROM org WHERE cap IN ('chi_bo_co_so', 'chi_bo_truc_thuoc')),
    m AS (
        SELECT ma_chi_bo AS ma,
          avg(CASE WHEN xep_loai IN ('HTTNV','HTXSNV') THEN 1.0 WHEN xep_loai IS NOT NULL AND xep_loai <> 'MIEN'
              THEN 0.0 END) AS dv_htt_96,
          avg(quan_triet::DOUBLE) AS dv_quan_triet, avg(vi_pham::DOUBLE) AS giam_vi_pham
        FROM dv WHERE nam = {year} GROUP BY ma_chi_bo
    ),
    u AS (SELECT * FROM dvn WHERE nam = {year})
    SELECT cb.ma_to_chuc AS ma, {r} AS xep_loai, m.dv_htt_96, m.dv_quan_triet,
      u.so_quan_chung_quan_triet::DOUBLE / NULLIF(u.so_quan_chung, 0) AS quan_chung,
      CASE WHEN u.vi_pham_don_vi THEN 1.0 WHEN u.vi_pham_don_vi IS NOT NULL THEN 0.0 END AS khong_vi_pham,
      {RANK.format(col="u.xep_loai_co_quan")} AS co_quan_htt, {RANK.format(col="u.xep_loai_doan_the")} AS doan_the_htt,
      u.kiem_tra_thuc_hien::DOUBLE / NULLIF(u.kiem_tra_ke_hoach, 0) AS kiem_tra,
      u.don_thu_ton_dong::DOUBLE AS don_thu, m.giam_vi_pham
    FROM cb JOIN u ON u.ma_to_chuc = cb.ma_to_chuc LEFT JOIN m ON m.ma = cb.ma_to_chuc
    """
    wide = con.execute(sql).df()
    names = {
        "xep_loai": "chan1.chi_bo_xep_loai",
        "dv_htt_96": "mui1.chi_bo_dv_htt_96",
        "dv_quan_triet": "mui1.chi_bo_dv_quan_triet",
        "quan_chung": "mui1.chi_bo_quan_chung",
        "khong_vi_pham": "mui1.chi_bo_khong_vi_pham",
        "co_quan_htt": "mui1.chi_bo_co_quan_htt",
        "doan_the_htt": "mui1.chi_bo_doan_the_htt",
        "kiem_tra": "mui2.chi_bo_kiem_tra",
        "don_thu": "mui2.chi_bo_don_thu",
        "giam_vi_pham": "mui2.chi_bo_giam_vi_pham",
    }
    wide = wide[["ma", *names]].rename(columns=names)
    return wide.melt(id_vars="ma", var_name="ma_tieu_chi", value_name="gia_tri")


def run(data: Path, year: int) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute(_tree_sql(data))
    return pd.concat([cap_tren_values(con, year), chi_bo_values(con, year)], ignore_index=True)
