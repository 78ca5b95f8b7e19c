"""Persistence: SQLModel tables, the store and Alembic-managed schema.

A leaf below crawler, matcher and notifier: it imports only the model (docs/architecture.md, *Layers*).
"""

from foerderradar.storage.store import (
    Store,
    StoreError,
    VerdictInputs,
    record_to_call,
    record_to_export,
    record_to_match,
)

__all__ = ["Store", "StoreError", "VerdictInputs", "record_to_call", "record_to_export", "record_to_match"]
