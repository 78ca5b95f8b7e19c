"""The YAML examples of a section of docs/portal-kinds.md, as portal entries: the docs are tested."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DOCS = Path(__file__).resolve().parents[1] / "docs" / "portal-kinds.md"


def docs_section(section: str) -> str:
    """The text of ``## <section>`` up to the next section; AssertionError when there is none."""
    text = DOCS.read_text(encoding="utf-8")
    assert f"\n## {section}\n" in text, f"docs/portal-kinds.md has no section '## {section}'"
    return text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]


def doc_examples(section: str) -> list[dict[str, Any]]:
    blocks = re.findall(r"```yaml\n(.*?)```", docs_section(section), re.S)
    return [entry for block in blocks for entry in yaml.safe_load(block)["portals"]]
