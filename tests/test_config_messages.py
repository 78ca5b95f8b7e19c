"""The German wording of config mistakes: one row per kind of mistake, broken input → message.

Rows validate the real config models (measures, settings, every portal kind) where a config file
can produce the error type, and small stand-in models for the types no config key has today
(``less_than``, ``too_long``, URLs, strict dates), so a key added later still gets German. Every
message must be German: none may contain pydantic's English ("Input should", "Field required",
"valid …").
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from foerderradar.config_messages import PATTERN_HINTS, css_problem, toml_problem, yaml_problem
from foerderradar.config_reading import _known_keys, _model_in
from foerderradar.crawler.registry import portal_models
from foerderradar.settings import (
    AppSettings,
    ConfigError,
    MeasuresFile,
    format_validation_error,
    load_app_settings,
    load_measures,
    load_portals,
)

PROJECT_CONFIG = Path(__file__).resolve().parents[1] / "config"
KINDS = portal_models()
CITY = {"name": "Bielefeld", "region": "DE-NW", "applicant_types": ["kommune"]}
MEASURE = {"id": "breitband", "title": "Breitband"}
FEED = {"key": "bund", "kind": "feed", "url": "https://www.service.bund.de/feed.xml"}
JSON = {"key": "api", "kind": "json", "url": "https://api.example.org/calls", "items": "data"}
HTML = {"key": "nrw", "kind": "html", "list_urls": ["https://www.example.org/foerderung"], "item": "article"}
WATCH = {"key": "w", "kind": "watch", "urls": ["https://www.example.org/seite"]}
SEDIA = {"key": "eu", "kind": "eu_sedia"}
CSV = {"key": "tabelle", "kind": "csv", "url": "https://daten.example.org/programme.csv"}
CSV_FILE = {"key": "tabelle", "kind": "csv", "file": "daten/programme.csv"}


class Spare(BaseModel):
    """Keys of kinds no config file has yet: their messages must be German all the same."""

    model_config = ConfigDict(extra="forbid")

    below_ten: float = Field(default=0, lt=10)
    at_most_two: list[str] = Field(default_factory=list, max_length=2)
    homepage: HttpUrl | None = None
    since: date | None = None
    code: str = Field(default="AB", pattern=r"^[A-Z]{2}$")
    counts: dict[str, int] = Field(default_factory=dict)


def measures(**change: Any) -> dict[str, Any]:
    return {"city": {**CITY, **change.pop("city", {})}, "measures": [{**MEASURE, **change}]}


# (pydantic error type or our own check, model, data, location, message fragment); data as a JSON
# text is read strictly (how ``date_parsing`` arises).
ROWS: list[tuple[str, type[BaseModel], Any, str, str]] = [
    ("int_parsing", KINDS["feed"], {**FEED, "max_pages": "viele"}, "max_pages",
     "erwartet wird eine ganze Zahl wie 30; hier steht der Text 'viele'"),
    ("int_from_float", KINDS["eu_sedia"], {**SEDIA, "page_size": 2.5}, "page_size",
     "erwartet wird eine ganze Zahl ohne Nachkommastellen wie 30; hier steht die Zahl 2.5"),
    ("int_type", KINDS["feed"], {**FEED, "max_pages": [30]}, "max_pages",
     "erwartet wird eine ganze Zahl wie 30; hier steht eine Liste mit einem Eintrag"),
    ("float_parsing", AppSettings, {"crawler": {"download_delay": "0,7"}}, "crawler.download_delay",
     "erwartet wird eine Zahl wie 30 oder 0.5 (Dezimalpunkt, kein Komma); hier steht der Text '0,7' "
     "(mit Punkt statt Komma schreiben)"),
    ("float_type", AppSettings, {"digest": {"min_score": [30]}}, "digest.min_score",
     "erwartet wird eine Zahl wie 30 oder 0.5"),
    ("bool_parsing", KINDS["feed"], {**FEED, "enabled": "vielleicht"}, "enabled",
     "erwartet wird true oder false; hier steht der Text 'vielleicht'"),
    ("bool_type", AppSettings, {"crawler": {"http_cache": [True]}}, "crawler.http_cache",
     "erwartet wird true oder false; hier steht eine Liste mit einem Eintrag"),
    ("string_type", KINDS["json"], {**JSON, "items": 5}, "items", "erwartet wird ein Text; hier steht die Zahl 5"),
    ("string_type", KINDS["feed"], {**FEED, "url": None}, "url", "erwartet wird ein Text; hier steht nichts (leer)"),
    ("list_type", KINDS["watch"], {**WATCH, "urls": {"url": "https://www.example.org/"}}, "urls",
     "erwartet wird eine Liste, z. B. [a, b] oder eine Zeile '- …' je Eintrag; hier steht ein Abschnitt mit den "
     "Schlüsseln url"),
    ("list_type", MeasuresFile, measures(keywords="Glasfaser"), "measures[0].keywords",
     "erwartet wird eine Liste, z. B. [a, b] oder eine Zeile '- …' je Eintrag; hier steht der Text 'Glasfaser'"),
    ("dict_type", Spare, {"counts": 5}, "counts", "erwartet wird ein Abschnitt mit eigenen Schlüsseln"),
    ("model_type", KINDS["json"], {**JSON, "pagination": "p"}, "pagination",
     "erwartet wird ein Abschnitt mit eigenen Schlüsseln (darunter eingerückt: schlüssel: wert); hier steht der "
     "Text 'p'"),
    ("model_type", MeasuresFile, {"city": "Bielefeld", "measures": [MEASURE]}, "city",
     "erwartet wird ein Abschnitt mit eigenen Schlüsseln"),
    ("model_type", MeasuresFile, [], "(oberste Ebene)", "erwartet wird ein Abschnitt"),
    ("greater_than", AppSettings, {"crawler": {"timeout_s": 0}}, "crawler.timeout_s",
     "muss größer als 0 sein, nicht 0"),
    ("greater_than_equal", KINDS["html"], {**HTML, "max_pages": 0}, "max_pages", "muss mindestens 1 sein, nicht 0"),
    ("greater_than_equal", AppSettings, {"crawler": {"download_delay": -1}}, "crawler.download_delay",
     "muss mindestens 0 sein, nicht -1"),
    ("less_than", Spare, {"below_ten": 10}, "below_ten", "muss kleiner als 10 sein, nicht 10"),
    ("less_than_equal", AppSettings, {"feeds": {"port": 70000}}, "feeds.port",
     "darf höchstens 65535 sein, nicht 70000"),
    ("less_than_equal", KINDS["feed"], {**FEED, "defaults": {"funding_rate_pct": 150}}, "defaults.funding_rate_pct",
     "darf höchstens 100 sein, nicht 150"),
    ("string_too_short", KINDS["eu_sedia"], {**SEDIA, "text": ""}, "text",
     "darf nicht leer sein; einen Text eintragen oder den Schlüssel weglassen"),
    ("string_too_long", KINDS["feed"], {**FEED, "defaults": {"language": "deutschsprachig"}}, "defaults.language",
     "darf höchstens 8 Zeichen lang sein (hier 15); bitte kürzen"),
    ("string_too_long", MeasuresFile, measures(id="a" * 130), "measures[0].id", "darf höchstens 128 Zeichen lang sein"),
    ("too_short", KINDS["watch"], {**WATCH, "urls": []}, "urls",
     "darf nicht leer sein; mindestens einen Eintrag angeben"),
    ("too_short", MeasuresFile, {"city": CITY, "measures": []}, "measures", "darf nicht leer sein"),
    ("too_long", Spare, {"at_most_two": ["a", "b", "c"]}, "at_most_two",
     "darf höchstens 2 Einträge haben, hier stehen 3"),
    ("url_parsing", Spare, {"homepage": "keine adresse"}, "homepage",
     "erwartet wird eine Adresse wie https://www.beispiel.de/seite; hier steht der Text 'keine adresse'"),
    ("url_scheme", Spare, {"homepage": "ftp://x.example.org/"}, "homepage", "erwartet wird eine Adresse wie https://"),
    ("date_parsing", Spare, '{"since": "31.03.2027"}', "since",
     "erwartet wird ein Datum wie 2027-03-31 (Jahr-Monat-Tag); hier steht der Text '31.03.2027'"),
    ("date_from_datetime_parsing", KINDS["feed"], {**FEED, "defaults": {"deadline": "31.03.2027"}},
     "defaults.deadline", "erwartet wird ein Datum wie 2027-03-31 (Jahr-Monat-Tag)"),
    ("datetime_from_date_parsing", KINDS["feed"], {**FEED, "defaults": {"published_at": "gestern"}},
     "defaults.published_at", "erwartet wird ein Zeitpunkt wie 2027-03-31T09:00:00+02:00"),
    ("string_pattern_mismatch", KINDS["feed"], {**FEED, "key": "Bund Feed"}, "key",
     "'Bund Feed' hat nicht die erwartete Form; erwartet wird ein Kürzel aus Kleinbuchstaben a–z"),
    ("string_pattern_mismatch", MeasuresFile, measures(city={"region": "NRW"}), "city.region",
     "'NRW' hat nicht die erwartete Form; erwartet wird ein Kürzel des Landes nach ISO 3166-2"),
    ("string_pattern_mismatch", MeasuresFile, measures(owner="it-kommune.de"), "measures[0].owner",
     "erwartet wird eine E-Mail-Adresse wie name@kommune.de"),
    ("string_pattern_mismatch", Spare, {"code": "abc"}, "code", "erwartet wird ein Text nach dem Muster ^[A-Z]{2}$"),
    ("value_error", MeasuresFile, measures(status="erledgt"), "measures[0].status",
     "'erledgt' ist nicht erlaubt; möglich sind: offen, geplant, erledigt, open, planned, done; "
     "meinten Sie 'erledigt'?"),
    ("literal_error", KINDS["eu_sedia"], {**SEDIA, "programmes": ["ERASMUSPLUS"]}, "programmes[0]",
     "'ERASMUSPLUS' ist nicht erlaubt; möglich sind: DIGITAL, CEF, HORIZON, LIFE, ERASMUS, CERV; "
     "meinten Sie 'ERASMUS'?"),
    ("extra_forbidden", KINDS["feed"], {**FEED, "max_page": 3}, "max_page",
     "unbekannter Schlüssel; Schreibweise prüfen (die möglichen Schlüssel stehen in der Beispieldatei); "
     "meinten Sie 'max_pages'?"),
    ("extra_forbidden", AppSettings, {"crawlr": {}}, "crawlr", "meinten Sie 'crawler'?"),
    ("missing", KINDS["json"], {**JSON, "pagination": {"start": 2}}, "pagination.param",
     "fehlt; dieser Schlüssel muss angegeben werden"),
    ("union", KINDS["html"], {**HTML, "sections": 5}, "sections",
     "erwartet wird true oder false oder ein Text; hier steht die Zahl 5"),
    ("value_error: url", KINDS["feed"], {**FEED, "url": "ftp://x.example.org/f"}, "url",
     "'ftp://x.example.org/f' ist keine http(s)-Adresse; erwartet z. B. https://www.portal.de/pfad"),
    ("value_error: base_url", KINDS["feed"], {**FEED, "base_url": "mirror"}, "base_url",
     "'mirror' ist keine http(s)-Adresse; erwartet z. B. http://127.0.0.1:8000"),
    ("value_error: applicant", MeasuresFile, measures(city={"applicant_types": ["gemeinde"]}), "city.applicant_types",
     "'gemeinde' ist kein bekannter Antragstellertyp; möglich sind: kommune"),
    ("value_error: region", KINDS["feed"], {**FEED, "defaults": {"regions": ["NRW"]}}, "defaults.regions",
     "'NRW' ist kein Regionskürzel nach ISO 3166-2 wie DE, DE-NW oder EU"),
    ("value_error: css", KINDS["html"], {**HTML, "item": "div.teaser["}, "item",
     "'div.teaser[' ist kein gültiger CSS-Selektor: er endet zu früh; fehlt eine schließende Klammer oder ein Name?"),
    ("value_error: css pseudo", KINDS["watch"], {**WATCH, "title": "h1::txt"}, "title",
     "'h1::txt' ist kein gültiger CSS-Selektor: ::txt gibt es nicht; am Ende erlaubt sind ::text und ::attr(name)"),
    ("value_error: css elements", KINDS["watch"], {**WATCH, "ignore": ["nav::text"]}, "ignore[0]",
     "'nav::text' muss Elemente auswählen; ::text bzw. ::attr(…) am Ende entfernen"),
    ("value_error: empty css", KINDS["html"], {**HTML, "item": ""}, "item", "ein CSS-Selektor darf nicht leer sein"),
    ("value_error: same page", KINDS["watch"], {**WATCH, "urls": ["https://a.example.org/",
     "HTTPS://a.example.org/#x"]},
     "urls", "(Eintrag 1) ist dieselbe Seite wie Eintrag 0; einen der beiden löschen"),
    ("value_error: feed element", KINDS["feed"], {**FEED, "fields": {"title": "headline"}}, "fields.title",
     "'headline' ist kein Feed-Element; möglich sind: title, link"),
    ("value_error: source kind", KINDS["json"], {**JSON, "fields": {"topics": 5}}, "fields.topics",
     "erwartet wird ein Punkt-Pfad, eine Liste davon (der Reihe nach versucht) oder {value: …}"),
    ("value_error: literal", KINDS["json"], {**JSON, "fields": {"level": {"value": "kreis"}}}, "fields.level",
     "'kreis' ist nicht erlaubt; möglich sind: eu, bund, land, regional"),
    ("value_error: literal identity", KINDS["html"], {**HTML, "fields": {"url": {"value": "x"}}}, "fields.url",
     "ein fester Wert für url wäre bei jedem Eintrag gleich; url aus einer Quelle lesen"),
    ("value_error: json path", KINDS["json"], {**JSON, "items": "data..results"}, "items",
     "'data..results' ist kein Punkt-Pfad zur Liste der Einträge wie data.results"),
    ("value_error: body", KINDS["json"], {**JSON, "body": {"q": 1}}, "body",
     "body wird nur mit method: POST gesendet; method: POST ergänzen oder body löschen"),
    ("value_error: template", KINDS["json"], {**JSON, "url_template": "https://x.example.org/call"}, "url_template",
     "enthält keinen Platzhalter {pfad}; so bekäme jeder Eintrag dieselbe Adresse"),
    ("value_error: keyword", KINDS["feed"], {**FEED, "filter": [" "]}, "filter",
     "ein Stichwort darf nicht leer sein; leere Einträge aus der Liste löschen"),
    ("value_error: cron", AppSettings, {"schedule": {"crawl": "täglich"}}, "schedule.crawl",
     "'täglich' ist kein Cron-Ausdruck wie '0 7 * * mon' (Minute Stunde Tag Monat Wochentag): 1 statt 5 Feldern"),
    ("value_error: cron range", AppSettings, {"schedule": {"digest": "0 25 * * mon"}}, "schedule.digest",
     ": 25 ist größer als 23"),
    ("value_error: cron weekday", AppSettings, {"schedule": {"digest": "0 7 * * mo"}}, "schedule.digest",
     "unbekannter Wochentag 'mo'"),
    ("value_error: time zone", AppSettings, {"schedule": {"timezone": "Europe/Bielefeld"}}, "schedule.timezone",
     "'Europe/Bielefeld' ist keine bekannte Zeitzone; z. B. Europe/Berlin"),
    ("value_error: alert address", AppSettings, {"health": {"alert_to": ["it-kommune.de"]}}, "health.alert_to",
     "'it-kommune.de' ist keine E-Mail-Adresse wie it@kommune.de"),
    ("value_error: unsubscribe", AppSettings, {"digest": {"unsubscribe": "http://x.example.org"}}, "digest.unsubscribe",
     "ist weder mailto:adresse@kommune.de noch eine https://-Adresse"),
    ("value_error: sedia url", KINDS["eu_sedia"], {**SEDIA, "api_url": "ftp://x"}, "api_url",
     "'ftp://x' ist keine http(s)-Adresse"),
    ("value_error: fdb url", KINDS["foerderdatenbank"], {"key": "f", "kind": "foerderdatenbank", "start_urls": ["x"]},
     "start_urls", "'x' ist keine http(s)-Adresse; erwartet z. B. https://www.foerderdatenbank.de/…"),
    # kind csv: its own keys
    ("value_error: csv source", KINDS["csv"], {"key": "t", "kind": "csv"}, "(oberste Ebene)",
     "url (eine http(s)-Adresse) oder file (ein Pfad zur CSV-Datei) angeben"),
    ("value_error: csv both", KINDS["csv"], {**CSV, "file": "a.csv"}, "(oberste Ebene)",
     "entweder url oder file angeben, nicht beides"),
    ("value_error: csv base_url", KINDS["csv"], {**CSV_FILE, "base_url": "http://127.0.0.1:8000"}, "(oberste Ebene)",
     "base_url gilt nur für url; eine Datei (file) wird direkt gelesen – base_url löschen"),
    ("value_error: csv file url", KINDS["csv"], {**CSV_FILE, "file": "https://x.example.org/a.csv"}, "file",
     "'https://x.example.org/a.csv' ist eine Adresse; file erwartet einen Pfad wie daten/programme.csv"),
    ("value_error: csv url", KINDS["csv"], {**CSV, "url": "file:///etc/passwd"}, "url",
     "'file:///etc/passwd' ist keine http(s)-Adresse"),
    ("string_type", KINDS["csv"], {**CSV_FILE, "file": ["a.csv"]}, "file",
     "erwartet wird ein Text; hier steht eine Liste mit einem Eintrag"),
    ("value_error: csv delimiter", KINDS["csv"], {**CSV, "delimiter": "Strichpunkt"}, "delimiter",
     "'Strichpunkt' ist kein Trennzeichen; erwartet wird ein einzelnes Zeichen wie ';', ',', '|' oder tab"),
    ("value_error: csv encoding", KINDS["csv"], {**CSV, "encoding": "ansi"}, "encoding",
     "'ansi' ist keine bekannte Zeichenkodierung; z. B. utf-8, cp1252 (Windows, Excel) oder latin-1"),
    ("value_error: csv codec", KINDS["csv"], {**CSV, "encoding": "base64"}, "encoding",
     "'base64' ist keine Zeichenkodierung für Text"),
    ("greater_than_equal", KINDS["csv"], {**CSV, "header_row": 0}, "header_row", "muss mindestens 1 sein, nicht 0"),
    ("int_parsing", KINDS["csv"], {**CSV, "header_row": "zwei"}, "header_row",
     "erwartet wird eine ganze Zahl wie 30; hier steht der Text 'zwei'"),
    ("string_too_short", KINDS["csv"], {**CSV, "zip_member": ""}, "zip_member", "darf nicht leer sein"),
    ("value_error: csv column", KINDS["csv"], {**CSV, "fields": {"title": " "}}, "fields.title",
     "ein Spaltenname darf nicht leer sein; den Namen aus der Kopfzeile der Datei eintragen"),
    ("value_error: csv source kind", KINDS["csv"], {**CSV, "fields": {"topics": 5}}, "fields.topics",
     "erwartet wird ein Spaltenname, eine Liste davon (der Reihe nach versucht) oder {value: …}"),
    ("value_error: csv template", KINDS["csv"], {**CSV, "url_template": "https://x.example.org/{ }"},
     "url_template", "in {…} gehört ein Spaltenname, z. B. {id}"),
    ("value_error: csv template twice", KINDS["csv"], {**CSV, "fields": {"url": "link"},
     "url_template": "https://x.example.org/{id}"}, "url_template",
     "entweder url_template oder fields.url angeben, nicht beides"),
    ("dict_type", KINDS["csv"], {**CSV, "where": "deleted"}, "where",
     "erwartet wird ein Abschnitt mit eigenen Schlüsseln"),
    ("value_error: csv where empty", KINDS["csv"], {**CSV, "where": {"deleted": []}}, "where",
     "deleted: mindestens einen Wert angeben, sonst passt keine Zeile"),
    ("value_error: csv where value", KINDS["csv"], {**CSV, "where": {"deleted": {"ist": False}}}, "where",
     "erwartet wird ein Wert wie false, 0 oder ein Text; hier steht ein Abschnitt"),
    ("extra_forbidden", KINDS["csv"], {**CSV, "delimeter": ";"}, "delimeter", "meinten Sie 'delimiter'?"),
]  # fmt: skip

# What pydantic itself would say; none of it may reach city IT.
ENGLISH = ("Input should", "Field required", "valid", "Value error", "Extra inputs", "String should", "List should")


def validate(model: type[BaseModel], data: Any) -> None:
    if isinstance(data, str):
        model.model_validate_json(data, strict=True)
    else:
        model.model_validate(data)


def messages(model: type[BaseModel], data: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        validate(model, data)
    return format_validation_error(Path("datei.yaml"), info.value, model=model)


@pytest.mark.parametrize(("kind", "model", "data", "where", "fragment"), ROWS, ids=[f"{r[0]}:{r[3]}" for r in ROWS])
def test_broken_input_gets_a_german_message(
    kind: str, model: type[BaseModel], data: Any, where: str, fragment: str
) -> None:
    problems = messages(model, data)
    assert any(p.startswith(f"datei.yaml: {where}: ") and fragment in p for p in problems), problems
    for problem in problems:
        assert not any(word.lower() in problem.lower() for word in ENGLISH), problem


def test_the_table_covers_every_mapped_error_type() -> None:
    wanted = {
        "int_parsing", "int_type", "int_from_float", "float_parsing", "float_type", "bool_parsing", "bool_type",
        "string_type", "list_type", "dict_type", "model_type", "greater_than", "greater_than_equal", "less_than",
        "less_than_equal", "string_too_long", "string_too_short", "too_short", "too_long", "url_parsing",
        "url_scheme", "date_parsing", "date_from_datetime_parsing", "datetime_from_date_parsing",
        "string_pattern_mismatch", "literal_error", "extra_forbidden", "missing",
    }  # fmt: skip
    hit: set[str] = set()
    for _, model, data, _, _ in ROWS:
        try:
            validate(model, data)
        except ValidationError as exc:
            hit.update(e["type"] for e in exc.errors())
    assert wanted <= hit, wanted - hit


def test_an_unmapped_error_type_gets_the_german_fallback() -> None:
    from foerderradar.config_messages import error_message

    message = error_message({"type": "decimal_max_digits", "loc": ("x",), "msg": "Decimal input should …", "input": 5})
    assert message == "ungültiger Wert 5; Art und Schreibweise mit der Beispieldatei vergleichen"


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    if model in seen:
        return
    seen.add(model)
    for field in model.model_fields.values():
        inner = _model_in(field.annotation)
        if inner is not None:
            _models(inner, seen)


def test_every_pattern_of_a_config_key_has_a_german_hint() -> None:
    seen: set[type[BaseModel]] = set()
    for model in (MeasuresFile, AppSettings, *KINDS.values()):
        _models(model, seen)
    patterns = {
        str(meta.pattern)
        for model in seen
        for field in model.model_fields.values()
        for meta in field.metadata
        if getattr(meta, "pattern", None)
    }
    assert patterns, "no patterns found: the walk over the models is broken"
    assert patterns <= set(PATTERN_HINTS), patterns - set(PATTERN_HINTS)
    assert _known_keys(MeasuresFile,
     ["city"]) == list(MeasuresFile.model_fields["city"].annotation.model_fields)  # type: ignore[union-attr]


# -- whole files: syntax, encoding, top level -------------------------------------------------------

FILES: list[tuple[str, str, bytes, list[str]]] = [
    ("yaml: unclosed list", "measures.yaml", b"city:\n  name: [Bielefeld\nmeasures: []\n",
     ["measures.yaml: Zeile 3, Spalte 9: YAML-Syntaxfehler: Liste in [ ] nicht geschlossen", "(begonnen in Zeile 2)"]),
    ("yaml: tab", "measures.yaml", b"city:\n\tname: x\n",
     ["Zeile 2, Spalte 1: YAML-Syntaxfehler: Tabulatorzeichen gefunden; in YAML nur mit Leerzeichen einrücken"]),
    ("yaml: colon in text", "measures.yaml", b"city:\n  name: Stadt: Bielefeld\n",
     ["YAML-Syntaxfehler: ein ':' ist an dieser Stelle nicht erlaubt", "in Anführungszeichen setzen"]),
    ("yaml: indentation", "measures.yaml", b"city:\n  name: x\n region: DE-NW\n",
     ["YAML-Syntaxfehler: die Einrückung passt nicht"]),
    ("yaml: unclosed quote", "measures.yaml", b'city:\n  name: "Bielefeld\n',
     ["YAML-Syntaxfehler: die Datei endet mitten in einem Wert; fehlt ein schließendes Anführungszeichen?"]),
    ("yaml: python tag", "measures.yaml", b"city: !!python/object:os.system x\n",
     ["YAML-Syntaxfehler: die Typangabe 'tag:yaml.org,2002:python/object:os.system' ist nicht erlaubt"]),
    ("yaml: undefined alias", "measures.yaml", b"city: *stadt\n",
     ["YAML-Syntaxfehler: Verweis *stadt auf einen Anker &stadt, den es nicht gibt"]),
    ("yaml: duplicate key", "measures.yaml", b"city: {}\ncity: {}\n", ["Schlüssel 'city' steht zweimal"]),
    ("top level is a list", "measures.yaml", b"- city: x\n",
     ["measures.yaml: (oberste Ebene): erwartet wird ein Abschnitt mit eigenen Schlüsseln",
      "eine Liste mit einem Eintrag"]),
    ("not utf-8", "measures.yaml", "city:\n  name: Gütersloh\n".encode("latin-1"),
     ["measures.yaml: kann nicht gelesen werden: kein UTF-8 (Zeile 2: Byte 0xfc); "
      "die Datei im Editor als UTF-8 speichern"]),
    ("toml: missing bracket", "foerderradar.toml", b"[crawler\ncontact = 'x'\n",
     ["foerderradar.toml: Zeile 1, Spalte 9: TOML-Syntaxfehler: ']' fehlt am Ende der Abschnittsüberschrift"]),
    ("toml: missing value", "foerderradar.toml", b"[crawler]\ncontact =\n",
     ["Zeile 2, Spalte 10: TOML-Syntaxfehler: der Wert fehlt oder ist nicht lesbar"]),
    ("toml: text without quotes", "foerderradar.toml", b"[crawler]\ncontact = it@kommune.de\n",
     ["TOML-Syntaxfehler: der Wert fehlt oder ist nicht lesbar; Texte in \"…\""]),
    ("toml: key twice", "foerderradar.toml", b"[feeds]\nport = 1\nport = 2\n",
     ["Zeile 3", "TOML-Syntaxfehler: dieser Schlüssel oder Abschnitt steht zweimal"]),
    ("toml: not utf-8", "foerderradar.toml", "[crawler]\ncontact = 'Bürgeramt'\n".encode("latin-1"),
     ["foerderradar.toml: kann nicht gelesen werden: kein UTF-8 (Zeile 2"]),
    ("toml: password", "foerderradar.toml", b"[mail]\npassword = 'geheim'\n",
     ["mail.password: Passwörter werden nicht aus Konfigurationsdateien gelesen; die Zeile löschen und "
      "FOERDERRADAR_SMTP_PASSWORD in der Umgebung oder in .env setzen"]),
    ("portals: kind missing", "portals.yaml", b"portals:\n  - key: a\n",
     ["portals.yaml: portals[0].kind: fehlt; möglich sind: csv, eu_sedia, feed, foerderdatenbank, "
      "foerderdatenbank_export, html, json, watch"]),
    ("portals: kind misspelt", "portals.yaml", b"portals:\n  - key: a\n    kind: htlm\n",
     ["portals[0].kind: 'htlm' ist kein bekannter Portal-Typ; möglich sind:", "meinten Sie 'html'?"]),
    ("portals: key twice", "portals.yaml",
     b"portals:\n  - {key: a, kind: feed, url: 'https://a.example.org/f'}\n"
     b"  - {key: a, kind: feed, url: 'https://b.example.org/f'}\n",
     ["portals[1].key: 'a' kommt doppelt vor; jedes Portal braucht einen eigenen key"]),
    ("portals: port out of range", "portals.yaml",
     b"portals:\n  - {key: a, kind: feed, url: 'https://a.example.org:99999/f'}\n",
     ["portals[0].url: 'https://a.example.org:99999/f' ist keine gültige Adresse (der Port muss zwischen 1 und 65535 "
      "liegen)"]),
    ("portals: private address", "portals.yaml", b"portals:\n  - {key: a, kind: feed, url: 'http://10.1.2.3/f'}\n",
     ["portals[0].url:", "ist nicht im öffentlichen Internet", "allow_private_network: true"]),
    ("measures: id twice", "measures.yaml",
     b"city: {name: B, region: DE-NW, applicant_types: [kommune]}\n"
     b"measures:\n  - {id: a, title: A}\n  - {id: a, title: B}\n",
     ["measures[1].id: 'a' kommt doppelt vor; jede Maßnahme braucht eine eigene id"]),
]  # fmt: skip


@pytest.mark.parametrize(("case", "name", "content", "fragments"), FILES, ids=[f[0] for f in FILES])
def test_broken_file_gets_a_german_message(
    tmp_path: Path, case: str, name: str, content: bytes, fragments: list[str]
) -> None:
    (tmp_path / name).write_bytes(content)
    load = {"measures.yaml": load_measures, "portals.yaml": load_portals}.get(name)
    with pytest.raises(ConfigError) as info:
        load(tmp_path) if load else load_app_settings(tmp_path, env={})
    text = " | ".join(info.value.problems)
    assert all(p.startswith(f"{tmp_path / name}: ") for p in info.value.problems), text
    for fragment in fragments:
        assert fragment in text, text
    assert not any(word.lower() in text.lower() for word in ENGLISH), text


def test_missing_files_and_directory_are_german(tmp_path: Path) -> None:
    from foerderradar.settings import load_config

    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "fehlt")
    assert info.value.problems == [
        f"{tmp_path / 'fehlt'}: Konfigurationsordner nicht gefunden (mit --config ORDNER angeben oder "
        "FOERDERRADAR_CONFIG setzen)"
    ]
    shutil.copytree(PROJECT_CONFIG, tmp_path / "config")
    (tmp_path / "config" / "measures.yaml").unlink()
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "config")
    assert info.value.problems == [
        f"{tmp_path / 'config' / 'measures.yaml'}: Datei nicht gefunden (die Vorlage aus dem Ordner config/ des "
        "Projekts kopieren)"
    ]


# Library complaints we translate, and the German fallback for one we do not know.
LIBRARY: list[tuple[str, str]] = [
    (yaml_problem("something new in PyYAML 9"),
     "YAML-Syntaxfehler: Einrückung, Doppelpunkte, Klammern und Anführungszeichen in dieser Zeile und der "
     "davor prüfen"),
    (toml_problem("Something new (at line 4, column 2)"),
     "Zeile 4, Spalte 2: TOML-Syntaxfehler: Anführungszeichen, Klammern und '=' in dieser Zeile prüfen"),
    (toml_problem("Unclosed array (at end of document)"),
     "am Dateiende: TOML-Syntaxfehler: Liste in [ ] nicht geschlossen"),
    (css_problem("Unclosed string at 3"), "das Anführungszeichen an Stelle 4 wird nicht geschlossen"),
    (css_problem("Expected selector, got <DELIM ',' at 2>"), "unerwartetes ',' an Stelle 3"),
    (css_problem("Got pseudo-element ::text not at the end of a selector"), "::text darf nur am Ende stehen"),
    (css_problem("something new in cssselect"), "Klammern, Anführungszeichen und Doppelpunkte prüfen"),
]  # fmt: skip


@pytest.mark.parametrize(("got", "expected"), LIBRARY)
def test_library_complaints_are_translated(got: str, expected: str) -> None:
    assert got == expected
