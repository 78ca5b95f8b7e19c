"""One programme on several portals: the rule that decides (``rule.py``) and the regrouping of the
stored calls that applies it (``regroup.py``).

Outside storage on purpose: the rule reads German text with the matcher's analyser, and storage is
a leaf that imports neither crawler nor matcher (docs/architecture.md, *Layers*). The store only
reads the columns and writes ``calls.duplicate_of``.
"""

from foerderradar.grouping.regroup import GroupStats, regroup, representative_key

__all__ = ["GroupStats", "regroup", "representative_key"]
