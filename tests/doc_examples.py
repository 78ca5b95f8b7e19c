"""The YAML examples of a section of docs/portal-kinds.md, as portal entries: the docs are tested."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DOCS = Path(__file__).resolve().parents[1] / "docs" / "portal-kinds.md"


def doc_examples(section: str) -> list[dict[str, Any]]:
    text = DOCS.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", body, re.S)
    return [entry for block in blocks for entry in yaml.safe_load(block)["portals"]]
