"""Text normalisation: folding, stemming, compounds, phrases and the thesaurus."""

from __future__ import annotations

from collections import Counter

import pytest

from foerderradar.german.fold import fold
from foerderradar.german.stem import stem
from foerderradar.matcher.text import STOP_STEMS, Analyzer, normalise_name
from foerderradar.matcher.thesaurus import Thesaurus, read_groups


@pytest.mark.parametrize(("text", "folded"), [
    ("Straße", "strasse"), ("Gemeindeübergreifend", "gemeindeuebergreifend"), ("GLASFASER", "glasfaser"),
    ("Café Élysée", "cafe elysee"), ("Öffentlicher Raum", "oeffentlicher raum"), ("E\u2011Akte", "e-akte"),
    ("„Bibliothek digital“ – 2027", "„bibliothek digital“ – 2027"),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(("text", "name"), [
    ("Schloß Holte-Stukenbrock", "schloss holte stukenbrock"), ("Kreis Gütersloh.", "kreis guetersloh"),
    ("  Lippe-Süd / Detmold ", "lippe sued detmold"),
])
def test_normalise_name(text: str, name: str) -> None:
    assert normalise_name(text) == name


@pytest.mark.parametrize("forms", [
    ["schulen", "schule"], ["verwaltung", "verwaltungen", "verwalten"], ["oeffentlichen", "oeffentlich"],
    ["netze", "netzes", "netz"], ["plaetze", "platz"], ["anschluesse", "anschluss"], ["dienste", "diensten"],
    ["schools", "school"], ["devices", "device"],
])
def test_stem_meets_inflected_forms(forms: list[str]) -> None:
    assert len({stem(f) for f in forms}) == 1, [stem(f) for f in forms]


@pytest.mark.parametrize("word", ["dms", "ozg", "akte", "wlan"])
def test_stem_keeps_short_words(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize(("word", "parts"), [
    ("breitbandausbau", ["breitband", "ausbau"]),
    ("breitbandausbaufoerderung", ["breitband", "ausbau", "foerderung"]),
    ("glasfaseranschluesse", ["glasfaser", "anschluesse"]),
    ("glasfaseranbindung", ["glasfaser", "anbindung"]),  # one unknown part: the modifier is what counts
    ("digitalisierungsstrategie", ["digitalisierungs", "strategie"]),  # linking -s
    ("schulden", []), ("kompetenzzentrum", []), ("breitband", []),
])
def test_compound_splitting(word: str, parts: list[str]) -> None:
    analyzer = Analyzer(["Breitband Ausbau Glasfaser Anschlüsse Strategie"])
    assert analyzer.split(word) == parts


def test_the_whole_word_in_the_vocabulary_still_splits() -> None:
    assert Analyzer(["Breitbandausbau", "Breitband", "Ausbau"]).split("breitbandausbau") == ["breitband", "ausbau"]


@pytest.mark.parametrize(("measure_word", "call_word"), [
    ("Glasfaser", "broadband"), ("Glasfaser", "fibre"), ("Breitband", "Gigabitnetze"),
    ("Breitband", "Breitbandausbau"), ("WLAN", "Wi-Fi"), ("WLAN", "WiFi"), ("Schulen", "school"),
    ("Verwaltung", "public administration"), ("E-Akte", "Dokumentenmanagement"), ("E-Akte", "elektronische Akte"),
    ("Online-Dienste", "Onlinedienste"), ("Bibliothek", "public library"), ("interkommunal", "intermunicipal"),
    ("weiße Flecken", "white areas"), ("Terminvergabe", "appointment booking"), ("Smart City", "Smart-City"),
])
def test_thesaurus_stemming_and_compounds_bridge_words(measure_word: str, call_word: str) -> None:
    analyzer = Analyzer([measure_word, call_word])
    assert set(analyzer.terms(measure_word)) & set(analyzer.terms(call_word))


@pytest.mark.parametrize(("a", "b"), [
    ("Kreis", "interkommunal"), ("mobile Endgeräte", "Mobilfunk"), ("Konzept", "Strategie"),
    ("Schüler", "Schulden"), ("Verwaltung", "Wartung"),
])
def test_false_friends_stay_apart(a: str, b: str) -> None:
    analyzer = Analyzer([a, b])
    assert not set(analyzer.terms(a)) & set(analyzer.terms(b))


@pytest.mark.parametrize("text", ["Förderung", "Zuschüsse für Kommunen", "Digitalisierung", "Antrag", "der die das"])
def test_boilerplate_yields_no_terms(text: str) -> None:
    assert Analyzer([]).terms(text) == []


def test_a_phrase_replaces_its_words() -> None:
    analysed = list(Analyzer([]).analyse("Modernising public administration services"))
    assert ("§verwaltung", "public administration") in analysed
    assert all(word not in ("public", "administration") for _, word in analysed)


def test_analyse_reports_the_written_word() -> None:
    terms = dict(Analyzer(["Glasfaser"]).analyse("Förderung der Glasfaseranschlüsse"))
    assert terms["§breitband"] == "Glasfaseranschlüsse"


def test_thesaurus_file_is_consistent() -> None:
    """One word belongs to one concept, and no entry is a stop word (it would never be seen)."""
    groups = read_groups()
    thesaurus = Thesaurus.from_groups(groups)
    entries = Counter(e for g in groups for e in {stem(fold(str(t)).replace("-", "")) for t in g if " " not in str(t)})
    assert [e for e, n in entries.items() if n > 1] == []
    assert not {stem(w) for w in thesaurus.words} & STOP_STEMS
    assert len(thesaurus.concepts) > 100 and thesaurus.phrases


def test_a_custom_thesaurus() -> None:
    analyzer = Analyzer([], Thesaurus.from_groups([["streuobst", "orchard"]]))
    assert analyzer.terms("orchard") == ["§streuobst"]
    assert "§streuobst" in analyzer.terms("Streuobstwiesen")
