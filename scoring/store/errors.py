"""The refusals of the store, in a module of their own so that every part of it (accounts, the workflow,
imports, backups) raises the same ones without importing each other."""

from __future__ import annotations


class StoreError(Exception):
    """A refused action; the message is Vietnamese and says why."""


class PermissionDenied(StoreError):
    pass


class StaleVersion(StoreError):
    pass
