"""Every registered portal kind is complete where a person looks for it (data-driven over KINDS).

A kind is its package ``foerderradar/crawler/kinds/<kind>/`` (config model + spider), one line in
the registry, a section in docs/portal-kinds.md and its keys in the header of config/portals.yaml,
which is what city IT reads. A kind added without one of them fails here, naming what is missing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
import scrapy
from config_files import write_portals
from doc_examples import doc_examples, docs_section
from pydantic import ValidationError

from foerderradar.crawler.entry.base import PortalBase
from foerderradar.crawler.entry.mapping import IDENTITY_FIELDS, CallDefaults
from foerderradar.crawler.registry import KINDS, PortalKind
from foerderradar.model import FundingCall
from foerderradar.settings import load_portals

PROJECT = Path(__file__).resolve().parents[2]
SHIPPED = (PROJECT / "config" / "portals.yaml").read_text(encoding="utf-8")
HEADER = SHIPPED.split("\nportals:", 1)[0]  # the comment block above the entries

ALL_KINDS = sorted(KINDS)


def own_keys(kind: PortalKind) -> list[str]:
    return [key for key in kind.config_model.model_fields if key not in PortalBase.model_fields]


def header_keys(name: str) -> set[str]:
    """The keys the header of config/portals.yaml lists under ``#   <name> — …``.

    ``#       url, defaults, filter: wie bei feed`` lists three keys.
    """
    block = re.search(rf"^#   {re.escape(name)} — .*?(?=^#   [a-z_]+ — |\Z)", HEADER, re.S | re.M)
    assert block is not None, f"config/portals.yaml: the header describes no kind '{name}'"
    lines = re.findall(r"^#\s{5,}([a-z_]+(?:, [a-z_]+)*):", block.group(0), re.M)
    return {key for line in lines for key in line.split(", ")}


def test_all_kinds_are_checked() -> None:
    """The checks below run over KINDS: a kind missing from the registry would escape them."""
    shipped = {"foerderdatenbank", "foerderdatenbank_export", "eu_sedia", "feed", "json", "csv", "html", "watch"}
    assert shipped <= set(ALL_KINDS)


@pytest.mark.parametrize("name", ALL_KINDS)
def test_config_model_names_its_kind(name: str) -> None:
    kind = KINDS[name]
    assert kind.name == name
    assert get_args(kind.config_model.model_fields["kind"].annotation) == (name,)
    assert issubclass(kind.config_model, PortalBase)
    assert kind.config_model.__module__ == f"foerderradar.crawler.kinds.{name}.config"


@pytest.mark.parametrize("name", ALL_KINDS)
def test_spider_is_importable_from_the_registry(name: str) -> None:
    spider = KINDS[name].spider_class()
    assert issubclass(spider, scrapy.Spider)
    assert spider.__module__ == f"foerderradar.crawler.kinds.{name}.spider"


@pytest.mark.parametrize("name", ALL_KINDS)
def test_docs_section_lists_every_own_key(name: str) -> None:
    body = docs_section(name)
    missing = [key for key in own_keys(KINDS[name]) if f"| `{key}` |" not in body]
    assert not missing, f"docs/portal-kinds.md ## {name}: no table row for {missing}"


@pytest.mark.parametrize("name", ALL_KINDS)
def test_shipped_header_lists_every_own_key(name: str) -> None:
    missing = [key for key in own_keys(KINDS[name]) if key not in header_keys(name)]
    assert not missing, f"config/portals.yaml header, kind {name}: {missing} not described"



# The kinds whose docs section shows portals.yaml examples (the others document one fixed source).
DOCUMENTED_BY_EXAMPLE = ["csv", "feed", "foerderdatenbank_export", "html", "json", "watch"]
# The kinds config/portals.yaml ships only as disabled examples: their addresses and selectors are not
# verified against the live sites, so city IT switches them on after ``portals check``.
SHIPPED_DISABLED = ["feed", "html", "json", "watch"]


@pytest.mark.parametrize("name", DOCUMENTED_BY_EXAMPLE)
def test_documented_examples_are_valid(tmp_path: Path, name: str) -> None:
    examples = doc_examples(name)
    assert examples, f"docs/portal-kinds.md ## {name}: no yaml example"
    loaded = load_portals(write_portals(tmp_path, *examples))
    assert loaded and all(isinstance(p, KINDS[name].config_model) for p in loaded)


@pytest.mark.parametrize("name", SHIPPED_DISABLED)
def test_shipped_example_entries_are_valid_and_disabled(name: str) -> None:
    shipped = [p for p in load_portals(PROJECT / "config") if p.kind == name]
    assert shipped and not any(p.enabled for p in shipped)


def test_loading_the_config_imports_no_scrapy() -> None:
    """Loading portals.yaml (every kind's model) must stay light: spiders only when a crawl asks."""
    code = (
        "import sys\n"
        "from foerderradar.settings import load_config\n"
        "from foerderradar.crawler.registry import KINDS\n"
        f"config = load_config({str(PROJECT / 'config')!r})\n"
        "assert {p.kind for p in config.portals}, 'no portals loaded'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout


# -- CallDefaults: FundingCall's fields minus the identity, with FundingCall's types --------------


def test_call_defaults_follow_funding_call() -> None:
    unmapped = {"source", "links", *IDENTITY_FIELDS}  # links: read by the kinds that know a portal's link lists
    assert list(CallDefaults.model_fields) == [name for name in FundingCall.model_fields if name not in unmapped]
    for name, info in CallDefaults.model_fields.items():
        original = FundingCall.model_fields[name]
        assert info.default is None and not info.is_required(), name
        assert info.metadata == original.metadata, name  # ge/le/max_length come along
        assert set(get_args(info.annotation)) >= {type(None)}, name


DEFAULT_VALUES: list[tuple[str, Any, Any]] = [
    # field, value in portals.yaml, value used (None: refused when the file is loaded)
    ("level", "bund", "bund"),
    ("level", "gemeinde", None),
    ("applicants", "kommune", ["kommune"]),
    ("applicants", ["gemeinde"], None),
    ("funding_type", ["zuschuss", "darlehen"], ["zuschuss", "darlehen"]),
    ("regions", "de-nw", ["DE-NW"]),
    ("regions", ["Nordrhein-Westfalen"], None),
    ("language", "de", "de"),
    ("language", "deutsch-schweiz", None),
    ("max_amount_eur", 50000, 50000.0),
    ("max_amount_eur", -1, None),
    ("funding_rate_pct", 101, None),
    ("deadline", "2027-03-31", date(2027, 3, 31)),
    ("deadline", "31.03.2027", None),
    ("status", "closed", "closed"),
    ("status", "offen", None),
    ("summary", "  Für Kommunen  ", "Für Kommunen"),
]


@pytest.mark.parametrize(("field", "value", "expected"), DEFAULT_VALUES)
def test_call_defaults_values(field: str, value: Any, expected: Any) -> None:
    if expected is None:
        with pytest.raises(ValidationError):
            CallDefaults.model_validate({field: value})
        return
    assert CallDefaults.model_validate({field: value}).values() == {field: expected}


@pytest.mark.parametrize("field", ["source", *IDENTITY_FIELDS, "unknown"])
def test_call_defaults_refuse_identity_and_unknown_keys(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        CallDefaults.model_validate({field: "x"})
    assert [(e["loc"], e["type"]) for e in info.value.errors()] == [((field,), "extra_forbidden")]
