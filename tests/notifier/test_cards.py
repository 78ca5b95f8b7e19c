"""One card per programme (notifier/cards.py): grouping, bands, the per-band layout rule, and the
matcher's reasons as phrases a person reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from foerderradar.model import Match
from foerderradar.notifier import formatting as fmt
from foerderradar.notifier.cards import layout, mark_command, readable
from foerderradar.notifier.digest import build_digest
from foerderradar.notifier.render import render_html, render_text
from foerderradar.settings import AppSettings, Config, MeasuresFile
from foerderradar.storage.tables import CallRecord

AS_OF = date(2026, 11, 23)
LAST = datetime(2026, 11, 16, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reasons", "why", "checks", "notes"),
    [
        (["Treffer im Titel: Online-Diensten, Onlinezugangsgesetz", "Antragsberechtigt: Kommune", "Region: NRW",
          "Frist: 15.02.2027 (noch 72 Tage)"],
         ("im Titel „Online-Diensten“, „Onlinezugangsgesetz“",), (), ()),
        # at most two terms in all, aliases kept with their term
        (["Treffer im Titel: business parks (≈ Gewerbegebieten), Gigabit", "Treffer im Kurztext: a, b, c"],
         ("im Titel „business parks“ (≈ Gewerbegebieten), „Gigabit“",), (), ()),
        (["Treffer im Titel: Gigabit", "Treffer im Kurztext: a, b, c", "Treffer in der Beschreibung: d"],
         ("im Titel „Gigabit“", "im Kurztext „a“"), (), ()),
        # caveats a person must check, without the "(bitte prüfen)" tail
        (["Treffer in den Themen: Smart Cities (≈ Smart City)",
          "Nur für Kommunen mit bis zu 50.000 Einwohnern; Einwohnerzahl steht nicht im Profil (bitte prüfen)"],
         ("in den Themen „Smart Cities“ (≈ Smart City)",),
         ("Nur für Kommunen mit bis zu 50.000 Einwohnern; Einwohnerzahl steht nicht im Profil",), ()),
        # confirmations of the eligibility gates are not repeated; other facts stay as notes
        (["Gebiet: Kreis Gütersloh ist genannt", "Einwohnergrenze: bis 50.000; X hat 27.000",
          "Laut Text antragsberechtigt: kreisangehörige Kommunen", "Öffnet am 01.02.2027", "Schließt bald"],
         (), (), ("Öffnet am 01.02.2027",)),
        # the matcher's core/frame line: the core is what "Warum" shows; a halved frame-only match is
        # worth a check, one in a digitalisation programme is not; what marks taught stays a note
        (["Treffer im Titel: Sensoren", "Passt zum Kern: Sensoren"], ("im Titel „Sensoren“",), (), ()),
        (["Treffer im Titel: Bauhof", "Nur Rahmen: Bauhof, Winterdienst – kein Kernbegriff der Maßnahme, "
          "Wertung halbiert"],
         ("im Titel „Bauhof“",), ("trifft nur den Rahmen der Maßnahme (Bauhof, Winterdienst), nicht ihren Kern",), ()),
        (["Nur Rahmen: Stadtgebiet – in einem Digitalisierungsprogramm, Wertung × 0,8",
          "Ähnlich wie von Ihnen markierte Aufrufe: Mängelmelder"],
         (), (), ("Ähnlich wie von Ihnen markierte Aufrufe: Mängelmelder",)),
        # a call for another field of work is worth a check; the funding type is on the card anyway
        (["Für einen anderen Bereich: Schulen – die Maßnahme nennt ihn nicht, Wertung halbiert (bitte prüfen)",
          "Förderart: Darlehen, kein Zuschuss – Wertung × 0,9"],
         (), ("Für einen anderen Bereich: Schulen – die Maßnahme nennt ihn nicht, Wertung halbiert",), ()),
        ([], (), (), ()),
    ],
)
def test_reasons_read_as_phrases(reasons: list[str], why: tuple[str, ...], checks: tuple[str, ...],
                                 notes: tuple[str, ...]) -> None:
    assert readable(reasons) == (why, checks, notes)


@pytest.mark.parametrize(
    ("band", "state", "expected"),
    [
        ("stark", "new", "full"), ("stark", "changed", "full"), ("stark", "existing", "line"),
        ("moeglich", "new", "compact"), ("moeglich", "changed", "compact"), ("moeglich", "existing", "hidden"),
    ],
)
def test_the_per_band_rule(band: str, state: str, expected: str) -> None:
    assert layout(band, state) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("Kommunen erhalten Zuschüsse für WLAN. Antragsberechtigt sind …", "Kommunen erhalten Zuschüsse für WLAN."),
        # abbreviations and ordinal numbers do not end a sentence
        ("Gefördert wird z. B. WLAN in Schulen. Mehr im Text.", "Gefördert wird z. B. WLAN in Schulen."),
        ("Bis zu 80 %, max. 200.000 € je Vorhaben. Zweiter Satz.", "Bis zu 80 %, max. 200.000 € je Vorhaben."),
        ("Ab dem 1. Januar fördert das Land Breitband. Zweiter Satz.", "Ab dem 1. Januar fördert das Land Breitband."),
        ("  Zeilen\n umbrochen   und ohne Punkt", "Zeilen umbrochen und ohne Punkt"),
        ("Wort " * 60, ("Wort " * 25).strip() + "…"),
    ],
)
def test_first_sentence(text: str | None, expected: str | None) -> None:
    assert fmt.first_sentence(text, limit=130) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Bundesministerium des Innern (BMI)", "BMI"),
        ("Land NRW (NRW.BANK)", "NRW.BANK"),
        ("Ministerium für Digitales (Beispiel)", "Ministerium für Digitales (Beispiel)"),
        ("European Commission (Digital Europe Programme)", "European Commission (Digital Europe Programme)"),
        ("Bezirksregierung Detmold", "Bezirksregierung Detmold"),
    ],
)
def test_short_body(name: str, expected: str) -> None:
    assert fmt.short_body(name) == expected


@pytest.mark.parametrize(
    ("rate", "expected"), [(80, "Eigenanteil ab 20\u00a0%"), (87.5, "Eigenanteil ab 12,5\u00a0%"), (100, None)]
)
def test_own_share(rate: float, expected: str | None) -> None:
    assert fmt.own_share_label(rate) == expected


@pytest.mark.parametrize(
    ("day", "expected"), [(date(2026, 12, 5), "KW\u00a049/2026"), (date(2027, 1, 1), "KW\u00a053/2026")]
)
def test_week_label(day: date, expected: str) -> None:
    assert fmt.week_label(day) == expected


def test_mark_command_is_shell_safe() -> None:
    assert mark_command("K7Q2M", "breitband", None) == "foerderradar calls mark K7Q2M relevant --measure breitband"
    assert mark_command("a b", "x", "verl") == "foerderradar calls mark 'a b' relevant --measure x --kommune verl"


# -- the digest built from cards ------------------------------------------------------------------------


def config(tmp_path: Path) -> Config:
    measures = MeasuresFile.model_validate({
        "city": {"name": "Teststadt", "region": "DE-NW", "applicant_types": ["kommune"]},
        "measures": [
            {"id": "wlan", "title": "WLAN in Schulen", "owner": "schule@teststadt.example"},
            {"id": "rathaus", "title": "Digitales Rathaus"},
            {"id": "ruhig", "title": "Maßnahme ohne Treffer"},
        ],
    })
    return Config(tmp_path, measures, [], AppSettings())


def stored(cid: str, title: str, first_seen: datetime, **fields: object) -> CallRecord:
    return CallRecord(id=cid, source="t", source_id=cid, url=f"https://example.org/{cid}", title=title,
                      first_seen=first_seen, last_seen=first_seen, changed_at=first_seen, content_hash="0" * 64,
                      version=1, **fields)


def test_a_programme_fitting_two_measures_is_one_card_listing_both(tmp_path: Path) -> None:
    new = LAST + timedelta(days=2)
    records = {
        "t:a": stored("t:a", "Digitale Schulen und Rathäuser", new, summary="Gefördert werden WLAN und E-Akte. Mehr.",
                      funding_rate_pct=75, funding_type=["zuschuss"], deadline=date(2026, 12, 1)),
        "t:b": stored("t:b", "Bekanntes starkes Programm", LAST - timedelta(days=30)),
        "t:c": stored("t:c", "Bekanntes schwaches Programm", LAST - timedelta(days=30)),
    }
    matches = [
        Match("wlan", "t:a", "Digitale Schulen und Rathäuser", "https://example.org/t:a", 91, True, date(2026, 12, 1),
              "open", ["Treffer im Titel: Schulen"]),
        Match("rathaus", "t:a", "Digitale Schulen und Rathäuser", "https://example.org/t:a", 44, True,
              date(2026, 12, 1), "open", ["Treffer im Titel: Rathäuser"]),
        Match("rathaus", "t:b", "Bekanntes starkes Programm", "https://example.org/t:b", 70, True, None, "open", []),
        Match("wlan", "t:c", "Bekanntes schwaches Programm", "https://example.org/t:c", 35, True, None, "open", []),
    ]
    digest = build_digest(config(tmp_path), records, matches, AS_OF, LAST)

    assert [c.call_id for c in digest.cards] == ["t:a", "t:b", "t:c"]
    card = digest.cards[0]
    assert [(m.measure_id, m.band, m.owner) for m in card.measures] == [
        ("wlan", "stark", "schule@teststadt.example"), ("rathaus", "moeglich", None)]
    assert card.layout == "full" and card.what == "Gefördert werden WLAN und E-Akte."
    assert card.facts == "Zuschuss bis 75\u00a0% (Eigenanteil ab 25\u00a0%)"
    assert [c.call_id for c in digest.line_cards] == ["t:b"] and digest.hidden_count == 1
    assert [line.title for line in digest.soon] == ["Digitale Schulen und Rathäuser"]
    assert [c.call_id for c in digest.top_new] == ["t:a"]
    assert digest.quiet_measures == ("Maßnahme ohne Treffer",)

    html, text = render_html(digest), render_text(digest)
    # one card: the title is linked once, each measure named with its band
    assert html.count(">Digitale Schulen und Rathäuser</a>") == 1
    assert "stark 91/100</span> <strong>WLAN in Schulen</strong>" in html and "möglich 44/100" in html
    assert "Zuständig: schule@teststadt.example" in html
    assert "Passt zu: WLAN in Schulen (stark, 91/100), zuständig: schule@teststadt.example" in text
    assert "Passt zu: Digitales Rathaus (möglich, 44/100)" in text
    assert "Markieren: foerderradar calls mark t:a relevant --measure wlan" in text
    # the known strong one is one line, the known weak one only counted
    assert "Weiterhin passend" in text and "Bekanntes starkes Programm – Frist keine Angabe" in text
    assert "Bekanntes schwaches Programm" not in text and "1 weiterer möglicher Treffer ohne Änderung" in text
    assert "Wochenbericht KW 48/2026" in text and "Ohne Treffer: Maßnahme ohne Treffer" in text
    # the frist is printed once per card
    assert text.split("[NEU] Digitale Schulen", 1)[1].split("Kennung", 1)[0].count("01.12.2026") == 1


def test_strong_score_must_not_be_below_min_score() -> None:
    from pydantic import ValidationError

    from foerderradar.settings import DigestSettings

    with pytest.raises(ValidationError, match="strong_score \\(20\\) liegt unter min_score \\(30\\)"):
        DigestSettings(strong_score=20)
