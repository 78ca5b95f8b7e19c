"""Persistence: SQLModel tables, the store and Alembic-managed schema."""

from foerderradar.storage.store import Store, StoreError, record_to_call, record_to_export

__all__ = ["Store", "StoreError", "record_to_call", "record_to_export"]
