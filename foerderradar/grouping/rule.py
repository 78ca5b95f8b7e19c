"""Which stored calls are the same programme, seen on several portals.

The Förderdatenbank lists Bund, Länder and EU programmes; NRW programmes also appear on NRW.BANK
and on the Bezirksregierungen's pages, each portal naming them its own way. This module decides,
for the store, which calls describe one programme. It only decides; ``grouping/regroup.py`` picks the call
that represents each group and has the store keep the result (``calls.duplicate_of``).

Two steps, both measured on a labelled set (``bench/dedup_rule.py``, ``docs/benchmarks.md``):

1. **Canonical URL.** Two portals linking the same page describe the same programme. URLs are
   compared after :func:`canonical_url` (scheme, ``www.``, trailing slash, fragment, tracking and
   session parameters dropped; Förderdatenbank content and archive paths, NRW.BANK product pages
   and EU topic pages reduced to their stable id).
2. **Title similarity with guards.** Titles are reduced to terms (German folding, compounds split,
   words every title shares dropped) and *marks* (years, editions, rounds, numbers, Länder, loan vs
   grant). Guards say "different" whatever the words: different levels, Länder or funding types,
   different rounds or editions ("2024" vs "2025", "DigitalPakt Schule" vs "2.0", "zweiter" vs
   "dritter Aufruf"), and two calls of one portal (a portal never lists a programme twice under two
   addresses; within one portal only the same canonical URL can merge). Past the guards, titles with
   a Jaccard similarity ≥ ``Rule.high`` (1.0: equal terms) are the same; from ``Rule.low`` on, the
   texts decide: each call's title terms must mostly be named in the other call's title or text, so
   an unexplained qualifier ("… Gesundheit", "MID-Innovation") keeps two programmes apart.

Precision first: a wrong merge hides a programme, a missed merge only shows it twice. Grouping
never joins two groups whose members conflict (a guard fails between any two of them), so a chain
of similar titles cannot carry the 2024 round into the 2025 round.

(Over 600 lines on purpose: canonical URLs, title terms and marks, guards and grouping are one
rule, measured as a whole by ``bench/dedup_rule.py``; split, a change to one part could not be
judged without the others.)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from math import ceil
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from foerderradar.german.fold import fold
from foerderradar.german.stem import stem
from foerderradar.matcher.text import Analyzer
from foerderradar.model import FundingCall

# -- canonical URLs ------------------------------------------------------------------------------

# Query parameters that never select content: campaign tracking, click ids, session ids, and the
# language switch (the same programme in another language is the same programme).
_DROP_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "_hsenc", "_hsmi", "igshid",
        "wt_mc", "wt.mc_id", "cmp", "ref", "source", "jsessionid", "phpsessid", "sid", "sessionid",
        "lang", "language", "locale", "hl",
    }
)
_DROP_PREFIXES = ("utm_", "pk_", "mtm_", "piwik_", "matomo_")
_SESSION_PATH = re.compile(r";(?:jsessionid|sessionid|sid)=[^/?#]*", re.IGNORECASE)
_INDEX_PAGE = re.compile(r"/index\.(?:html?|php|jsp|aspx?)$", re.IGNORECASE)
# Host-specific forms: pages that move or carry a changing slug, reduced to what identifies them.
_FDB_PATH = re.compile(r"^/FDB/Content/DE/Foerderprogramm/(?P<path>[^/]+/[^/]+/[^/]+?)\.html$", re.I)
_FDB_ARCHIVE_PATH = re.compile(r"^/FDB/Content/DE/Archiv/(?P<slug>[^/]+?)\.html$", re.I)
_NRWBANK_PATH = re.compile(r"^/(?:de|en)/foerderung/foerderprodukte/(?P<id>\d+)(?:/[^/]*)?$", re.I)
_EU_TOPIC_PATH = re.compile(r"/opportunities/(?:portal/screen/opportunities/)?topic-details/(?P<id>[^/]+)$", re.I)


def canonical_url(url: str) -> str:
    """The address of a page as a comparison key (not a working link: the scheme is dropped).

    ``https://www.Example.org/a/?utm_source=x#top`` and ``http://example.org/a`` give the same key.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().rstrip(".")
    host = host.removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = _SESSION_PATH.sub("", parts.path)
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    path = re.sub(r"/{2,}", "/", path)
    path = _INDEX_PAGE.sub("", path).rstrip("/")

    special = _special_form(host, path)
    if special:
        return special
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _DROP_PARAMS and not k.lower().startswith(_DROP_PREFIXES)
    ]
    query_text = f"?{urlencode(sorted(query))}" if query else ""
    return f"{host}{path or '/'}{query_text}"


def _special_form(host: str, path: str) -> str | None:
    if host == "foerderdatenbank.de":
        # The whole programme path, not the slug: one slug runs under several Länder as separate
        # programmes (../shared/design/portals.md, the XML export). The HTML route and the export
        # both give this page address, so a programme seen through both is one group.
        match = _FDB_PATH.match(path)
        if match:
            return f"foerderdatenbank.de/programm/{match.group('path').lower()}"
        # An archive page names only the slug, which is ambiguous: its own key, tied to a programme
        # page of that slug only where nothing else says they differ (see :func:`same_address`).
        archived = _FDB_ARCHIVE_PATH.match(path)
        return f"foerderdatenbank.de/archiv/{archived.group('slug').lower()}" if archived else None
    if host == "nrwbank.de":
        match = _NRWBANK_PATH.match(path)
        return f"nrwbank.de/foerderprodukt/{match.group('id')}" if match else None  # the slug may change
    if host == "ec.europa.eu":
        match = _EU_TOPIC_PATH.search(path)
        return f"ec.europa.eu/topic/{match.group('id').upper()}" if match else None
    return None


def fdb_slug(url_key: str) -> str | None:
    """The slug of a Förderdatenbank programme or archive key (see :func:`canonical_url`), else None."""
    if url_key.startswith(("foerderdatenbank.de/programm/", "foerderdatenbank.de/archiv/")):
        return url_key.rsplit("/", 1)[-1]
    return None


# -- what the rule reads of a call ---------------------------------------------------------------


@dataclass(frozen=True)
class DedupRecord:
    """The fields de-duplication reads: small enough to hold 50,000 of them in memory."""

    id: str
    source: str
    url: str
    title: str
    text: str = ""  # summary and the start of the description
    level: str | None = None
    regions: tuple[str, ...] = ()
    funding_type: tuple[str, ...] = ()

    TEXT_CHARS = 2000  # the first paragraphs, where portals name the programme; 50,000 of them fit in RAM

    @classmethod
    def from_call(cls, call: FundingCall, call_id: str | None = None) -> DedupRecord:
        text = " ".join(t for t in (call.summary, call.description) if t)
        return cls(
            id=call_id or call.id, source=call.source, url=call.url, title=call.title,
            text=text[: cls.TEXT_CHARS], level=call.level, regions=tuple(call.regions or ()),
            funding_type=tuple(call.funding_type or ()),
        )


@dataclass(frozen=True)
class Rule:
    """The decision's parameters. Defaults chosen on the labelled set (docs/benchmarks.md), with
    ``high`` at 1.0 rather than the in-sample best 0.6: a title differing by one unexplained word
    must not merge on the titles alone."""

    high: float = 1.0  # title Jaccard from which the titles alone decide
    low: float = 0.3  # title Jaccard from which the texts decide (below: different)
    cover: float = 0.75  # share of each call's title terms the other call's title or text must contain
    use_titles: bool = True  # False: canonical URL only (the baseline)
    use_guards: bool = True  # False: words only (to measure what the guards add)

    def describe(self) -> str:
        if not self.use_titles:
            return "canonical URL only"
        guards = "" if self.use_guards else ", no guards"
        if self.low >= self.high:
            return f"URL + title J≥{self.high:.2f}{guards}"
        return f"URL + title J≥{self.high:.2f}, or J≥{self.low:.2f} and cover≥{self.cover:.2f}{guards}"


DEFAULT_RULE = Rule()


@dataclass(frozen=True)
class Verdict:
    same: bool
    reason: str  # for people debugging a merge: "url", "title 0.83", "guard: year 2024/2025" …
    score: float = 0.0  # edge strength; higher merges first


# -- title analysis ------------------------------------------------------------------------------

# Words that name no programme: function words, the funding vocabulary every title shares, who
# applies (a structured field), the level (a guard) and the bank's name in its product titles.
_STOP_WORDS = """
der die das des dem den ein eine einer eines einem einen und oder sowie fuer von vom zu zur zum im in
ins am an auf aus bei beim mit nach ueber unter durch gegen ohne als wie zwischen neu neue neuer neues
the of and for to in on a an at by with from
foerderung foerdern foerderprogramm foerderprogramme programm programme richtlinie rl frl foerderrichtlinie
foerderaufruf aufruf projektaufruf ausschreibung wettbewerb zuwendung zuwendungen unterstuetzung
massnahme massnahmen vorhaben projekt projekte call calls funding programme scheme hinweise informationen
land landes laender bund bundes bundesprogramm landesprogramm
kommune kommunen gemeinde gemeinden kreis kreise kreisfrei kreisfreie kreisfreien stadt staedte
landkreis landkreise zweckverband zweckverbaende
bank nrwbank kfw beendet abgeschlossen startet gestartet beginnt veroeffentlicht jetzt
"""
# Names one programme goes by on different portals. Kept to true synonyms in funding titles: the
# federal "Breitbandförderung" became the "Gigabitförderung", and portals still use both for one
# programme (NRW.BANK: "Gigabit-Richtlinie 2.0 … (Förderung des Breitbandausbaus …)"). The matcher's
# thesaurus is deliberately broader (it also joins "Schule" and "Gymnasium") and is not used here.
_SYNONYMS = {"gigabit": "breitband", "glasfas": "breitband", "glasfaser": "breitband", "wifi": "wlan"}
_STOP = frozenset(stem(w) for w in _STOP_WORDS.split()) | frozenset(_STOP_WORDS.split())

_REGIONS = {
    "nrw": "DE-NW", "nordrhein-westfalen": "DE-NW", "bayern": "DE-BY", "baden-wuerttemberg": "DE-BW",
    "berlin": "DE-BE", "brandenburg": "DE-BB", "bremen": "DE-HB", "hamburg": "DE-HH", "hessen": "DE-HE",
    "mecklenburg-vorpommern": "DE-MV", "niedersachsen": "DE-NI", "rheinland-pfalz": "DE-RP",
    "saarland": "DE-SL", "sachsen": "DE-SN", "sachsen-anhalt": "DE-ST", "schleswig-holstein": "DE-SH",
    "thueringen": "DE-TH", "deutschland": "DE", "bundesrepublik": "DE", "bundesweit": "DE",
}
_PRODUCTS = {"darlehen": "darlehen", "kredit": "darlehen", "kredite": "darlehen", "zuschuss": "zuschuss",
             "zuschuesse": "zuschuss", "buergschaft": "buergschaft", "buergschaften": "buergschaft"}
_ORDINALS = {
    "erst": 1, "zweit": 2, "dritt": 3, "viert": 4, "fuenft": 5, "sechst": 6, "siebt": 7, "acht": 8,
    "neunt": 9, "zehnt": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
}
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(_ORDINALS) + r")(?:e|er|es|en|em)?\b")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_VERSION = re.compile(r"(?<![\d.])\d{1,2}\.\d(?![\d])")
_ORDINAL_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})\.(?=\s+[a-z])")  # "4. Staffel"
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")
_ROMAN = re.compile(r"(?<![\w.])(II|III|IV|VI|VII|VIII|IX)(?![\w.])")  # not I/V: too often words
_ROMAN_VALUE = {"II": 2, "III": 3, "IV": 4, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}
_WORDS = re.compile(r"[^\W_]*\d[^\W_]*|[^\W\d_]+(?:-[^\W\d_]+)*")  # "WiFi4EU" stays one word
_FEMININE = re.compile(r"([a-z]{3}(?:or|er|ent|ant|eur|ist))in(?:nen)?$")


def _normal(piece: str) -> str:
    """One word part → its comparable form: gender and inflection dropped, "-isierung" → base."""
    term = stem(_FEMININE.sub(r"\1", piece))
    if term.endswith("isier") and len(term) >= 9:  # "Digitalisierung" ~ "digital"
        term = term[:-5]
    elif term.endswith(("atio", "ator")) and len(term) >= 8:  # "Koordination" ~ "Koordinatoren"
        term = term[:-2]
    return _SYNONYMS.get(term, term)


@dataclass(frozen=True)
class Marks:
    """What tells programmes apart beyond their words."""

    rounds: frozenset[str] = frozenset()  # years, editions, ordinals: "y2025", "v2.0", "n3"
    numbers: frozenset[str] = frozenset()  # other plain numbers ("Modul 2", product numbers)
    regions: frozenset[str] = frozenset()  # Länder named in the title
    products: frozenset[str] = frozenset()  # loan / grant / guarantee named in the title


def _marks(folded: str, original: str) -> tuple[Marks, str]:
    """The marks of a folded text and the text with them removed (so they are not also terms)."""
    rounds: set[str] = {f"y{m}" for m in _YEAR.findall(folded)}
    rounds |= {f"v{m}" for m in _VERSION.findall(folded)}
    rounds |= {f"n{_ORDINALS[m.group(1)]}" for m in _ORDINAL_WORD.finditer(folded)}
    rounds |= {f"n{int(m)}" for m in _ORDINAL_NUMBER.findall(folded)}
    rounds |= {f"n{_ROMAN_VALUE[m]}" for m in _ROMAN.findall(original)}
    rest = _ORDINAL_WORD.sub(" ", _VERSION.sub(" ", _YEAR.sub(" ", folded)))
    rest = _ORDINAL_NUMBER.sub(" ", rest)
    numbers = {f"n{int(m)}" for m in _NUMBER.findall(rest)}
    rest = _NUMBER.sub(" ", rest)
    return Marks(frozenset(rounds), frozenset(numbers)), rest


# An unknown compound part that starts like a suffix is the rest of a word, not a word ("-lichen").
_SUFFIX_STARTS = ("ung", "lich", "isch", "isier", "heit", "keit")
MIN_UNKNOWN_PART = 6


class Lexicon:
    """Words → parts and terms, each word worked out once per grouping run (bodies repeat words)."""

    def __init__(self, titles: Iterable[str]) -> None:
        self.analyzer = _analyzer(titles)
        self._pieces: dict[str, tuple[str, ...]] = {}
        self._mentions: dict[str, tuple[str, ...]] = {}

    def pieces(self, word: str) -> tuple[str, ...]:
        """Hyphen parts, and compound parts where the word splits ("gigabitkoordination")."""
        found = self._pieces.get(word)
        if found is None:
            out: list[str] = []
            for part in word.split("-"):
                part = _FEMININE.sub(r"\1", part)  # "Koordinatorinnen" splits like "Koordinatoren"
                out.extend(_split(self.analyzer, part))
            found = self._pieces[word] = tuple(out)
        return found

    def mentions(self, word: str) -> tuple[str, ...]:
        """The terms a word in a body counts as mentioning: the whole word and its parts."""
        found = self._mentions.get(word)
        if found is None:
            terms = {_normal(word.replace("-", ""))} | {_normal(p) for p in self.pieces(word)}
            found = self._mentions[word] = tuple(terms)
        return found


def _analyzer(titles: Iterable[str]) -> Analyzer:
    """The matcher's compound splitter, with a vocabulary of title words and domain words only.

    The matcher also splits against its stop words; here those would cut "kommunaler" into
    "komm" + "unaler", so the vocabulary is rebuilt: words of the titles being compared, the
    thesaurus, the words every title shares and the loan/grant words.
    """
    analyzer = Analyzer()
    vocabulary = {stem(w) for w in analyzer.thesaurus.words}
    vocabulary |= {stem(w) for w in (*_STOP_WORDS.split(), *_PRODUCTS) if len(w) >= 4}
    for title in titles:
        for word in _WORDS.findall(fold(title)):
            for part in word.split("-"):
                if len(part) >= 4 and part.isalpha():
                    vocabulary.add(stem(_FEMININE.sub(r"\1", part)))
    analyzer.vocabulary = vocabulary
    return analyzer


def _split(analyzer: Analyzer, part: str) -> list[str]:
    """A word's compound parts, or the word: stop words never split, and a split is only taken if
    every part it does not know is long and does not start like a suffix."""
    if not part.isalpha() or part in _STOP or stem(part) in _STOP:
        return [part]
    parts = analyzer.split(part)
    for piece in parts:
        if stem(piece) in analyzer.vocabulary or any(
            piece.endswith(link) and stem(piece[: -len(link)]) in analyzer.vocabulary for link in ("s", "es", "n")
        ):
            continue
        if len(piece) < MIN_UNKNOWN_PART or piece.startswith(_SUFFIX_STARTS):
            return [part]
    return parts or [part]


class Profile:
    """A call analysed for comparison: title terms and marks now, body terms when first needed."""

    def __init__(self, record: DedupRecord, lexicon: Lexicon) -> None:
        self.record = record
        self.url_key = canonical_url(record.url)
        self.slug = fdb_slug(self.url_key)
        self.archived = self.url_key.startswith("foerderdatenbank.de/archiv/")
        self._lexicon = lexicon
        folded = fold(record.title)
        marks, rest = _marks(folded, record.title)
        regions: set[str] = set()
        products: set[str] = set()
        terms: set[str] = set()
        for word in _WORDS.findall(rest):
            if word in _REGIONS:
                regions.add(_REGIONS[word])
                continue
            for piece in lexicon.pieces(word):
                if piece in _REGIONS:
                    regions.add(_REGIONS[piece])
                elif piece in _PRODUCTS:
                    products.add(_PRODUCTS[piece])
                else:
                    term = _normal(piece)
                    if len(term) > 1 and term not in _STOP and piece not in _STOP:
                        terms.add(term)
        self.terms = frozenset(terms)
        self.marks = Marks(marks.rounds, marks.numbers, frozenset(regions), frozenset(products))

    @cached_property
    def text_terms(self) -> frozenset[str]:
        """Every term of title and body, whole words and their parts: what "mentions" means."""
        out: set[str] = set(self.terms)
        for word in set(_WORDS.findall(fold(f"{self.record.title} {self.record.text}"))):
            out.update(self._lexicon.mentions(word))
        return frozenset(out)

    @cached_property
    def mentioned(self) -> frozenset[str]:
        """Every round mark and number of title and body: what "the text names 2024" means."""
        found = _marks(fold(self.record.text), self.record.text)[0]
        return found.rounds | found.numbers | self.marks.rounds | self.marks.numbers


# -- the decision --------------------------------------------------------------------------------


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _coverage(a: Profile, b: Profile) -> float:
    """Share of a's title terms that b mentions anywhere (title or body)."""
    return len(a.terms & b.text_terms) / len(a.terms) if a.terms else 0.0


def archive_of(a: Profile, b: Profile) -> bool:
    """One is the Förderdatenbank's archive page of the other's programme page.

    The archive address keeps only the slug, and a slug can run under several Länder; so the two
    are tied only when their levels and Länder do not contradict each other.
    """
    if a.slug is None or a.slug != b.slug or a.archived == b.archived:
        return False
    ra, rb = a.record, b.record
    if ra.level and rb.level and ra.level != rb.level:
        return False
    states_a = {r for r in ra.regions if r.startswith("DE-")}
    states_b = {r for r in rb.regions if r.startswith("DE-")}
    return not (states_a and states_b and not states_a & states_b)


def same_address(a: Profile, b: Profile) -> bool:
    return a.url_key == b.url_key or archive_of(a, b)


def conflict(a: Profile, b: Profile) -> str | None:
    """Why two calls cannot be one programme whatever their words say, or None."""
    ra, rb = a.record, b.record
    if ra.source == rb.source and not same_address(a, b):
        return "same portal"
    if ra.level and rb.level and ra.level != rb.level and {ra.level, rb.level} != {"land", "regional"}:
        return f"level {ra.level}/{rb.level}"
    states_a = {r for r in ra.regions if r.startswith("DE-")}
    states_b = {r for r in rb.regions if r.startswith("DE-")}
    if states_a and states_b and not states_a & states_b:
        return "regions"
    if ra.funding_type and rb.funding_type and not set(ra.funding_type) & set(rb.funding_type):
        return f"funding type {'/'.join(ra.funding_type)} vs {'/'.join(rb.funding_type)}"
    ma, mb = a.marks, b.marks
    # A round or edition in one title must be the other's too, or at least named in its text.
    for mine, theirs in ((ma.rounds - mb.rounds, b), (mb.rounds - ma.rounds, a)):
        missing = mine - theirs.mentioned
        if missing:
            return f"round {', '.join(sorted(missing))}"
    if ma.numbers and mb.numbers and ma.numbers != mb.numbers:
        return "numbers"
    if ma.regions and mb.regions and not ma.regions & mb.regions:
        return "Länder in titles"
    if ma.products and mb.products and not ma.products & mb.products:
        return "loan vs grant"
    return None


_DISSIMILAR = Verdict(False, "titles below the lower threshold")


def compare(a: Profile, b: Profile, rule: Rule = DEFAULT_RULE) -> Verdict:
    """Are these two calls the same programme? Symmetric and independent of other calls."""
    same_url = a.url_key == b.url_key
    if same_url and a.record.source != b.record.source:
        return Verdict(True, "url", 2.0)
    if archive_of(a, b):
        return Verdict(True, "archive address", 1.5)
    if not rule.use_titles:
        return Verdict(False, "different url")
    score = jaccard(a.terms, b.terms)
    if score < min(rule.low, rule.high) or score == 0:
        return _DISSIMILAR  # the cheap test first: most candidate pairs end here
    if rule.use_guards:
        why = conflict(a, b)
        if why:
            return Verdict(False, f"guard: {why}", score)
    elif a.record.source == b.record.source and not same_url:
        return Verdict(False, "guard: same portal", score)
    if score >= rule.high:
        return Verdict(True, f"title {score:.2f}", score)
    cover = min(_coverage(a, b), _coverage(b, a))
    if cover >= rule.cover:
        return Verdict(True, f"title {score:.2f}, text covers {cover:.2f}", score)
    return Verdict(False, f"title {score:.2f}, text covers {cover:.2f}", score)


# -- grouping ------------------------------------------------------------------------------------


@dataclass
class Grouping:
    """The outcome of :func:`find_groups`: groups of two or more, and why each member joined."""

    groups: list[tuple[str, ...]] = field(default_factory=list)  # ids, each group sorted
    reasons: dict[tuple[str, str], str] = field(default_factory=dict)  # (a, b) edge → verdict reason
    compared: int = 0  # pairs the rule looked at (blocking keeps this far below n²/2)


COMMON_TERM_CAP = 200  # titles a term may appear in and still find partners (or n/250 if larger)


class Deduplicator:
    """All calls analysed once, candidate pairs by blocking, groups by guarded agglomeration."""

    def __init__(self, records: Iterable[DedupRecord], rule: Rule = DEFAULT_RULE) -> None:
        self.rule = rule
        self.records = list(records)
        self.common_cap = max(COMMON_TERM_CAP, len(self.records) // 250)
        # Compound parts are looked up in the words of all titles (plus the shared domain words).
        lexicon = Lexicon(r.title for r in self.records)
        self.profiles = [Profile(r, lexicon) for r in self.records]
        self._reasons: dict[tuple[str, str], str] = {}

    def candidate_pairs(self) -> Iterator[tuple[int, int]]:
        """Pairs that can pass the rule: same canonical URL, same title terms, or a shared rare term.

        Prefix filtering (Chaudhuri et al. 2006): with terms ordered rarest first, two sets with
        Jaccard ≥ t share a term among the first ``|A| − ⌈t·|A|⌉ + 1`` of each, so only those are
        indexed and probed, and sizes outside ``[t·|A|, |A|/t]`` are skipped. Terms found in more
        than ``common_cap`` titles ("digital", "schule" in a store of 50,000 calls) are not used to
        find partners: a pair whose titles share nothing rarer names no programme in common
        (identical term sets are still compared). Without that cap a two-word title with
        "Digitale" would be compared with every other digital call.
        """
        # Only the few URL and same-title pairs are remembered; each prefix-index pair comes up once.
        seen: set[tuple[int, int]] = set()

        def fresh(i: int, j: int) -> bool:
            pair = (min(i, j), max(i, j))
            if pair in seen:
                return False
            seen.add(pair)
            return True

        by_url: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self.profiles):
            by_url[p.url_key].append(i)
        for members in by_url.values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if fresh(i, j):
                        yield i, j
        by_slug: dict[str, list[int]] = defaultdict(list)  # Förderdatenbank programme and archive pages
        for i, p in enumerate(self.profiles):
            if p.slug is not None:
                by_slug[p.slug].append(i)
        for members in by_slug.values():
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    if archive_of(self.profiles[i], self.profiles[j]) and fresh(i, j):
                        yield i, j
        if not self.rule.use_titles:
            return
        cap = self.common_cap
        by_terms: dict[frozenset[str], list[int]] = defaultdict(list)
        for i, p in enumerate(self.profiles):
            if p.terms:
                by_terms[p.terms].append(i)
        for members in by_terms.values():
            if len(members) <= cap:
                for x, i in enumerate(members):
                    for j in members[x + 1 :]:
                        if fresh(i, j):
                            yield i, j
        threshold = max(min(self.rule.low, self.rule.high), 0.01)
        frequency: dict[str, int] = defaultdict(int)
        for p in self.profiles:
            for term in p.terms:
                frequency[term] += 1
        index: dict[str, list[int]] = defaultdict(list)
        for i, p in enumerate(self.profiles):
            size = len(p.terms)
            ordered = sorted(p.terms, key=lambda t: (frequency[t], t))
            prefix = ordered[: size - ceil(threshold * size) + 1]
            partners: set[int] = set()
            for term in prefix:
                if frequency[term] > cap:
                    continue
                partners.update(
                    j for j in index[term] if threshold * size <= len(self.profiles[j].terms) <= size / threshold
                )
                index[term].append(i)
            for j in sorted(partners):
                if (j, i) not in seen:
                    yield j, i

    def group(self) -> Grouping:
        edges: list[tuple[float, str, str, int, int]] = []
        compared = 0
        for i, j in self.candidate_pairs():
            compared += 1
            verdict = compare(self.profiles[i], self.profiles[j], self.rule)
            if verdict.same:
                a, b = sorted((self.records[i].id, self.records[j].id))
                edges.append((-verdict.score, a, b, i, j))
                self._reasons[(a, b)] = verdict.reason
        # Strongest evidence first (same URL, then the most similar titles); ties by id: deterministic.
        edges.sort()
        parent = list(range(len(self.records)))
        members: dict[int, list[int]] = {i: [i] for i in range(len(self.records))}

        def root(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for _, _, _, i, j in edges:
            ri, rj = root(i), root(j)
            if ri == rj or self._cannot_link(members[ri], members[rj]):
                continue
            if len(members[ri]) < len(members[rj]):
                ri, rj = rj, ri
            parent[rj] = ri
            members[ri].extend(members.pop(rj))
        groups = sorted(
            tuple(sorted(self.records[i].id for i in group)) for group in members.values() if len(group) > 1
        )
        return Grouping(groups, dict(self._reasons), compared)

    def _cannot_link(self, left: Sequence[int], right: Sequence[int]) -> bool:
        """True if any two members would conflict: a group is only as loose as its worst pair."""
        for i in left:
            for j in right:
                a, b = self.profiles[i], self.profiles[j]
                if a.record.source == b.record.source and not same_address(a, b):
                    return True
                if self.rule.use_guards and self.rule.use_titles and not same_address(a, b) and conflict(a, b):
                    return True
        return False


def find_groups(records: Iterable[DedupRecord], rule: Rule = DEFAULT_RULE) -> Grouping:
    """Groups of calls that are one programme (only groups of two or more are listed)."""
    return Deduplicator(records, rule).group()


def same_programme(a: DedupRecord, b: DedupRecord, rule: Rule = DEFAULT_RULE) -> Verdict:
    """The pairwise decision on its own (compound vocabulary from just these two titles)."""
    lexicon = Lexicon((a.title, b.title))
    return compare(Profile(a, lexicon), Profile(b, lexicon), rule)
