"""Persistence: SQLModel tables, the store and Alembic-managed schema.

A leaf below crawler, matcher and notifier: it imports only the model (docs/architecture.md, *Layers*).
"""

from foerderradar.storage.store import Store, StoreError, UnknownCall, record_to_call, record_to_export

__all__ = ["Store", "StoreError", "UnknownCall", "record_to_call", "record_to_export"]
