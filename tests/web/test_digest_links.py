"""The digest carries the web app's feedback links (``[web] base_url`` + FOERDERRADAR_SECRET_KEY):
per item and measure a signed link per mark and the call's page. Opening one records nothing; the
confirmation page's POST records exactly the mark the link names, for its municipality."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import requests
from web_site import SECRET, VERL_DM, Site, csrf_of, get, post

from foerderradar import signing
from foerderradar.jobs import run_digest
from foerderradar.settings import Config

ACTIONS = ["Relevant", "Verwerfen", "Beantragt", "Im Förderradar öffnen"]


def with_base_url(site: Site, base_url: str | None) -> Config:
    web = site.config.settings.web.model_copy(update={"base_url": base_url})
    return site.config.replace(settings=site.config.settings.model_copy(update={"web": web})).for_kommune("verl")


def preview(site: Site, tmp_path: Path, base_url: str | None) -> tuple[str, str]:
    run_digest(site.store, with_base_url(site, base_url), date.today(), preview_dir=tmp_path)
    return (tmp_path / "digest.html").read_text(encoding="utf-8"), (tmp_path / "digest.txt").read_text(encoding="utf-8")


def item_links(page: str, title: str) -> dict[str, str]:
    """label → href of the feedback links in the HTML card of ``title``."""
    card = page.split(f">{title}</a>", 1)[1].split("</td>", 1)[0]
    return {html.unescape(label): html.unescape(href)
            for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', card)}


def test_a_digest_link_confirms_and_its_post_records_that_mark(
    site: Site, signed_in: Callable[[str], requests.Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(signing.SECRET_ENV, SECRET)
    page, text = preview(site, tmp_path, site.base_url)
    found = item_links(page, "Gigabit Glasfaser für Gewerbegebiete")
    assert [label for label in ACTIONS if label in found] == ACTIONS
    for label in ACTIONS:  # the plain-text part carries the same addresses
        assert f"{label}: {found[label]}" in text

    link = signing.read(signing.link_key(SECRET), found["Verwerfen"].rsplit("/", 1)[1])
    assert link == signing.MarkLink("verl", "nrw:gigabit", "breitband", "dismissed")
    assert found["Im Förderradar öffnen"] == site.url("/k/verl/aufruf/nrw:gigabit")

    client = signed_in(VERL_DM)
    confirm = get(client, found["Verwerfen"])
    assert confirm.status_code == 200 and "verworfen" in confirm.text
    assert site.marks() == []  # opening the link (a mail scanner does) records nothing
    assert post(client, found["Verwerfen"], {"csrf_token": csrf_of(confirm.text)}).status_code == 303
    assert site.marks() == [("verl", "breitband", "nrw:gigabit", "dismissed")]
    assert get(client, found["Im Förderradar öffnen"]).status_code == 200

    page, _ = preview(site, tmp_path / "after", site.base_url)  # the next digest leaves it out
    assert "Gigabit Glasfaser für Gewerbegebiete" not in page


@pytest.mark.parametrize(
    ("base_url", "secret", "warned"),
    [
        (None, SECRET, False),  # no web app address: nothing to link to
        ("https://foerderradar.example", None, True),  # an address but no secret: no links, a warning
        ("https://foerderradar.example", "zu-kurz", True),
    ],
)
def test_without_address_or_secret_the_digest_goes_out_without_links(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    base_url: str | None, secret: str | None, warned: bool,
) -> None:
    if secret is None:
        monkeypatch.delenv(signing.SECRET_ENV, raising=False)
    else:
        monkeypatch.setenv(signing.SECRET_ENV, secret)
    with caplog.at_level(logging.WARNING, logger="foerderradar.signing"):
        page, text = preview(site, tmp_path, base_url)
    assert "Gigabit Glasfaser für Gewerbegebiete" in page
    assert "Bewerten" not in page and "/rueckmeldung/" not in text
    assert any("ohne Bewertungs-Links" in r.getMessage() for r in caplog.records) == warned
