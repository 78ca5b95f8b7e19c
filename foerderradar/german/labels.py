"""German words for the canonical model's codes (level, funding type): one table for every surface
that shows them — exports, the web app and the digest's cards."""

from __future__ import annotations

LEVEL_DE = {"eu": "EU", "bund": "Bund", "land": "Land", "regional": "regional"}
FUNDING_TYPE_DE = {
    "zuschuss": "Zuschuss", "darlehen": "Darlehen", "buergschaft": "Bürgschaft", "beteiligung": "Beteiligung",
    "preis": "Preis/Wettbewerb", "beratung": "Beratung", "sonstiges": "sonstige",
}  # fmt: skip
