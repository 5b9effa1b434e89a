"""Storage of the self-assessment workflow (SQLAlchemy): accounts, the organisation tree, submissions
with their versions, and the audit log. SQLite by default, PostgreSQL when THIDUA_DB_URL says so."""

from scoring.store.accounts import ROLES, Account
from scoring.store.db import connect, database_url
from scoring.store.errors import PermissionDenied, StaleVersion, StoreError
from scoring.store.service import STATES, Store

__all__ = [
    "ROLES",
    "STATES",
    "Account",
    "PermissionDenied",
    "StaleVersion",
    "Store",
    "StoreError",
    "connect",
    "database_url",
]
