"""A PostgreSQL schema of one's own, emptied: for a benchmark or a test that must not disturb the tables of
the others on the same server (tests reset the public schema)."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text


def fresh_schema(base_url: str, schema: str) -> str:
    """`base_url` with `schema` first on the search path, after dropping and creating it (empty)."""
    base = make_url(base_url)
    engine = create_engine(base)
    try:
        with engine.begin() as db:
            db.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            db.execute(text(f"CREATE SCHEMA {schema}"))
    finally:
        engine.dispose()
    return base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
