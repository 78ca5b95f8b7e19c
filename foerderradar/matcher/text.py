"""The matcher's text analysis: stop words, compounds, thesaurus over folded and stemmed words.

Measures and calls go through the same pipeline, so "Breitbandausbau" in a call meets "Breitband" in
a measure, "Online-Dienste" meets "Onlinedienste", and "fibre" in an English EU call meets
"Glasfaser". Every step is deliberately simple and symmetric: it does not have to be linguistically
right, only to send the same word in different shapes to the same term. Folding and stemming are
German text, shared with the crawler: :mod:`foerderradar.german.fold`, :mod:`foerderradar.german.stem`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Set
from functools import cached_property, lru_cache
from typing import cast

from foerderradar.german.fold import fold
from foerderradar.german.stem import DERIVATIONS, INFLECTIONS, LINKING, drop_umlaut_e, stem
from foerderradar.matcher.thesaurus import Thesaurus, load_thesaurus
from foerderradar.model import FundingCall

# A word, optionally hyphenated ("Online-Dienste", "E-Akte", "5G"); underscores are not letters.
# Possessive (*+): the same matches as greedy here, found without keeping backtracking state.
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*+")

# Function words (German, English) and the words every funding call uses, so they carry no signal:
# a measure never becomes relevant to a call because both say "Förderung" or "Kommune".
_STOP_TEXT = """
aber alle allem allen aller alles als also am an ans auch auf aus ausser ausserdem bei beim bereits bis
bisher bzw da dabei dadurch dafuer dagegen daher damit danach dann daran darauf daraus darf darin darueber
darum das dass davon dazu dem den denen denn der deren des dessen die dies diese diesem diesen dieser
dieses doch dort durch ebenfalls ein eine einem einen einer eines einige einmal entweder er es etwa etwas
euch fuer ganz gegen gibt geben ggf hat hatte haben hier hin hinaus ihr ihre ihrem ihren ihrer ihres im
in ins insbesondere ist je jede jedem jeden jeder jedes jedoch jetzt kann kein keine keinen koennen
koennte kuenftig man mehr mehrere mehrerer mit moechten muss muessen nach neben neu neue neuen neuer nicht
noch nun nur ob oder ohne per pro sehr sei sein seine seinen seiner seit selbst sich sie sind so sollen
soll sollte sondern sowie sowohl ueber um und uns unser unsere unserer unter vom von vor vorher waehrend
war waren was weil weiter weitere weiteren welche welchem welchen welcher welches wenn wer werden wie
wieder will wir wird wo wohin wollen wurde wurden zb zu zuerst zum zur zwischen braucht brauchen kommen
viel viele vielen vieler vieles wenige wenigen rund erste ersten erster erstes bestehend bestehende
bestehenden bestehendes gezielt gezielte gezielter nutzbar zusaetzlich zusaetzliche zusaetzlichen moeglich
moeglichst jeweils
a about all also an and any are as at be been but by can could each for from has have how if in into is
it its may more must new no not of on or other our over per such than that the their them these they this
those through to under up use used using was we were what when which who will with within would you your
foerderung foerdern gefoerdert foerderprogramm foerderaufruf foerderfaehig foerdermittel programm
programme zuschuss zuschuesse zuwendung zuwendungen antrag antraege antragsteller antragstellung
antragsberechtigt antragsberechtigte kommune kommunen kommunal kommunale gemeinde gemeinden stadt
staedte land laender landes bund bundes oeffentlich digital digitale digitalen digitaler digitalisierung
vorhaben projekt projekte massnahme massnahmen mittel einsatz ziel ziele zweck ausgaben kosten
unterstuetzung unterstuetzt euro prozent hoehe frist aufruf einfuehrung
funding fund funds grant grants call calls project projects support eligible costs action actions
program eu european union digitalisation digitalization
easyonline profionline foerderportal kundenportal antragsportal
baden-wuerttemberg bayern berlin brandenburg bremen hamburg hessen mecklenburg-vorpommern niedersachsen
nordrhein-westfalen rheinland-pfalz saarland sachsen sachsen-anhalt schleswig-holstein thueringen
"""

MIN_PART = 4
MIN_UNKNOWN = 5  # an unknown compound part shorter than this is likely a suffix ("-rung", "-isier")
# What a compound part cannot begin with: derivational and feminine suffixes, so that "Funktionen"
# does not split into "Funk" + "tionen", nor "Einwohnerinnen" into "Einwohner" + "innen".
SUFFIXES = ("innen", "ier", "isier", "ungen", "tion", "isch", "heit", "keit", "schaft", "chaft", "lich")
# Suffixes that belong to the whole compound, split off before splitting it.
_WHOLE_WORD_SUFFIXES = ("innen", "ungen", "ung", "schaften", "schaft")
# What a compound part may have after the vocabulary word it stems to: a derivation, an inflection
# and a linking -s/-n, each optional ("Verwalt|ung|s", "Netz|e").
_TAILS = frozenset(d + f + k for d in ("", *DERIVATIONS) for f in ("", *INFLECTIONS) for k in ("", *LINKING))
_MAX_TAIL = max(map(len, _TAILS))
_NOTHING: frozenset[int] = frozenset()


def normalise_name(text: str) -> str:
    """For place names: folded, punctuation and hyphens as one space ("Holte-Stukenbrock")."""
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


STOP_STEMS = frozenset(stem(w) for w in _STOP_TEXT.split())


def _stemmed_parts(word: str) -> tuple[str, ...]:
    return tuple(stem(part) for part in fold(word).split("-") if part)


def words(text: str | None) -> list[str]:
    """The text's words as written (case kept, for showing them back to a person)."""
    return _WORD.findall(text or "")


def _vocabulary_words(texts: Iterable[str]) -> set[str]:
    """The stemmed words and hyphen parts of ``texts`` that may be compound parts."""
    written = {word for text in texts for word in _WORD.findall(fold(text))}  # each word stemmed once
    parts = {part for word in written for part in word.split("-")}
    return {stem(part) for part in parts if len(part) >= MIN_PART and part.isalpha()}


def _beginnings(words: Iterable[str]) -> set[str]:
    return {v[:k] for v in words for k in range(1, len(v) + 1)}


class Analyzer:
    """Turns text into comparable terms; knows a vocabulary (any texts) for splitting compounds.

    ``extends``: an analyzer whose vocabulary this one starts from (same thesaurus), so that the
    calls' words, shared by every municipality, are stemmed once and only each municipality's own
    measure words are added — the vocabulary is the same set as if all texts were given here.
    """

    thesaurus: Thesaurus
    vocabulary: set[str]
    _prefixes: frozenset[str]

    def __init__(
        self, vocabulary: Iterable[str] = (), thesaurus: Thesaurus | None = None, *, extends: Analyzer | None = None
    ) -> None:
        if extends is not None:
            if thesaurus is not None and thesaurus is not extends.thesaurus:
                raise ValueError("an analyzer extends another with the same thesaurus only")
            self.thesaurus = extends.thesaurus
            new = _vocabulary_words(vocabulary) - extends.vocabulary
            self.vocabulary = extends.vocabulary | new
            # Every beginning of a vocabulary word: lets split() skip the parts that cannot be words.
            self._prefixes = extends._prefixes | _beginnings(new)
        else:
            self.thesaurus = thesaurus or load_thesaurus()
            # Stop words are real words too: "Gigabitförderung" must split off "förderung".
            self.vocabulary = {stem(w) for w in self.thesaurus.words} | {s for s in STOP_STEMS if len(s) >= MIN_PART}
            self.vocabulary.update(_vocabulary_words(vocabulary))
            self._prefixes = frozenset(_beginnings(self.vocabulary))
        # Bounded caches: a long-tail vocabulary (a million words used once) must not fill memory.
        self._split = lru_cache(maxsize=1 << 16)(self._split_uncached)
        self._opens_word: dict[str, bool] = {}  # four letters → may a vocabulary word start so?
        # Compound parts recur across words ("breitband…", "…foerderung"): remember the recent ones.
        self._known_part = lru_cache(maxsize=1 << 16)(self._known)
        self._word_terms: dict[str, tuple[str, ...]] = {}  # written word → terms
        self._shared: dict[str, str] = {}  # term → the one string object used for it
        self._atoms: dict[str, tuple[str, ...]] = {}  # written word → stemmed hyphen parts
        self._checked: set[str] = set()  # written words looked at for phrases …
        self._openers: dict[str, tuple[tuple[int, str, str | None], ...]] = {}  # … those that may start one
        self._phrase_pairs = frozenset(key[:2] for key in self.thesaurus.phrases)  # first two stems

    # -- compounds ------------------------------------------------------------------------------

    def _known(self, part: str, last: bool) -> str | None:
        """The part itself if it is a vocabulary word, or without its linking -s/-n (not at the end).
        A suffix is no part ("Einwohner|innen", "Mark|ierung")."""
        if len(part) < MIN_PART or part.startswith(SUFFIXES):
            return None
        if stem(part) in self.vocabulary:
            return part
        if not last:
            for link in LINKING:
                head = part[: -len(link)]
                if part.endswith(link) and len(head) >= MIN_PART and stem(head) in self.vocabulary:
                    return head
        return None

    def split(self, token: str) -> list[str]:
        """Breitbandausbauförderung → breitband + ausbau + foerderung, or [] if it is no compound.

        Parts are vocabulary words (a linking -s/-n dropped); one part may be unknown, since the word
        a measure cares about is often only the modifier ("Glasfaser|anbindung"). The split that
        leaves the fewest letters unknown wins, then the one with the fewest parts.
        """
        return list(self._split(token))

    def _split_uncached(self, token: str) -> tuple[str, ...]:
        # A suffix of the whole compound is split off first and given back to its last part:
        # "Glasfaser|anbind|ung" → glasfaser + anbindung, while "Einwohner|innen" stays one word.
        tail = ""
        if token.endswith(_WHOLE_WORD_SUFFIXES):  # (most words: no generator)
            tail = next((s for s in _WHOLE_WORD_SUFFIXES if token.endswith(s) and len(token) - len(s) >= MIN_PART), "")
        base = token[: len(token) - len(tail)]
        n = len(base)
        if 2 * MIN_PART <= n <= 48 and base.isalpha():
            found = self._segment(base)
            if found is not None and found[1] >= 2:
                return (*found[2][:-1], found[2][-1] + tail)
        return ()

    def _segment(self, token: str) -> _Split | None:
        """The best split of the token by dynamic programming from its end.

        best[u][i] is the best segmentation of token[i:] with u unknown parts, as (unknown letters,
        number of parts, parts); for each i every end j is tried, largest first, and a later
        candidate replaces an earlier one only if strictly better. Only ends j near a vocabulary
        word starting at i can make token[i:j] a known part (:meth:`_word_ends`), and of the other
        ends only the nearest fully known rest can win (fewest unknown letters). At most places no
        word starts, and the best there is that one unknown part, worked out only where needed.
        """
        n = len(token)
        near: dict[int, Set[int]] = {}  # i → the ends j that may make token[i:j] known
        for i in range(n - MIN_PART + 1):
            four = token[i : i + MIN_PART]
            opens = self._opens_word.get(four)
            if opens is None:  # can a vocabulary word start with these four letters?
                opens = self._opens_word[four] = four in self.vocabulary or drop_umlaut_e(four) in self._prefixes
            if opens and (ends := self._word_ends(token, i)):
                near[i] = ends
        best: list[list[_Split | None]] = [[None] * (n + 1), [None] * (n + 1)]
        best[0][n] = (0, 0, ())
        tails = [n]  # every j with best[0][j], descending: where an unknown part may end
        done = {n}  # places whose best[1] is final

        def unknown_then_known(i: int) -> _Split | None:
            if token.startswith(SUFFIXES, i):  # "Funk|tionen", "Schul|ungen": a suffix, no part
                return None
            j = next((j for j in reversed(tails) if j - i >= MIN_UNKNOWN), None)
            if j is None or (i == 0 and j == n):  # the whole word is no split of itself
                return None
            rest = best[0][j]
            assert rest is not None
            return (j - i, rest[1] + 1, (token[i:j], *rest[2]))

        for i in sorted(near.keys() | {0}, reverse=True):
            if i not in near:
                best[1][i] = unknown_then_known(i)
                break
            # An unknown part may end at any tail, but only the nearest one can win (fewest unknown
            # letters); the others would lose to it whatever the order.
            nearest = next((j for j in reversed(tails) if j - i >= MIN_UNKNOWN and j not in near[i]), None)
            for j in sorted(near[i] if nearest is None else {nearest, *near[i]}, reverse=True):
                if i == 0 and j == n:
                    continue
                if j not in done:
                    best[1][j] = unknown_then_known(j)
                    done.add(j)
                known = self._known_part(token[i:j], j == n) if j in near[i] else None
                for u, rest in ((0, best[0][j]), (1, best[1][j])):
                    if known is not None and rest is not None:
                        _keep_better(best[u], i, (rest[0], rest[1] + 1, (known, *rest[2])))
                rest = best[0][j]
                if known is None and rest is not None and j - i >= MIN_UNKNOWN and not token.startswith(SUFFIXES, i):
                    _keep_better(best[1], i, (j - i, rest[1] + 1, (token[i:j], *rest[2])))
            done.add(i)
            if best[0][i] is not None:
                tails.append(i)
        return best[0][0] or best[1][0]

    def _word_ends(self, token: str, i: int) -> Set[int]:
        """Every j for which ``_known(token[i:j])`` may hold: within a few letters (suffixes stem()
        strips, a linking -s/-n) after the end of a vocabulary word that begins at i."""
        n = len(token)
        found: list[int] = []
        if token[i : i + MIN_PART] in self.vocabulary:  # stem() leaves a four-letter word as it is
            found.append(i + MIN_PART)
        # stem() of a part = drop_umlaut_e() of a beginning of it. That drops each "e" after an
        # a/o/u (not the first letter), so it can be built letter by letter, and once it is no
        # beginning of a vocabulary word, no longer part can be one either.
        head = ""
        for m in range(i + 1, n + 1):
            letter = token[m - 1]
            if letter != "e" or m - 1 == i or token[m - 2] not in "aou":
                head += letter
                if head not in self._prefixes:
                    break
            if m - i >= MIN_PART and head in self.vocabulary:
                found.append(m)
        if not found:
            return _NOTHING
        return {j for m in found for j in range(m, min(m + _MAX_TAIL, n) + 1)
                if j - i >= MIN_PART and token[m:j] in _TAILS}

    # -- terms ----------------------------------------------------------------------------------

    def _term(self, piece: str) -> str | None:
        """One folded piece → its concept, its stem, or None for stop words and noise."""
        key = stem(piece)
        concept = self.thesaurus.concept(piece, key)
        if concept:
            return concept
        if len(piece) < 3 or key in STOP_STEMS or not piece.isalpha():
            return None
        return key

    def word_terms(self, word: str) -> tuple[str, ...]:
        """All terms of one written word: whole form, hyphen parts, compound parts (deduplicated)."""
        cached = self._word_terms.get(word)
        if cached is not None:
            return cached
        folded = fold(word)
        joined = folded.replace("-", "")
        if "-" in folded and stem(joined) in STOP_STEMS:  # "easy-Online": not "online" either
            self._word_terms[word] = ()
            return ()
        pieces = [joined]
        if "-" in folded:
            pieces += folded.split("-")
        out: dict[str, None] = {}
        for piece in pieces:
            term = self._term(piece)
            if term:
                out[term] = None
            # A concept ("glasfasernetz") or a stop word ("förderung") is not split further;
            # any other word may hide a concept.
            if (term is None or not term.startswith("§")) and stem(piece) not in STOP_STEMS:
                for part in self.split(piece):
                    sub = self._term(part)
                    if sub:
                        out[sub] = None
        result = tuple(self._shared.setdefault(term, term) for term in out)  # one copy of each term
        self._word_terms[word] = result
        return result

    def analyse(self, text: str | None) -> Analysis:
        """The text's terms: iterate for (term, written word) per occurrence, or tally them."""
        return Analysis(self, text)

    def terms(self, text: str | None) -> list[str]:
        return [term for term, _ in self.analyse(text)]

    def _occurrences(self, text: str | None) -> Iterator[tuple[str, str]]:
        written = words(text)
        if not written:
            return
        covered: set[int] = set()
        for concept, first, last, shown in self._phrases(written):
            covered.update(range(first, last + 1))
            yield concept, shown
        for n, word in enumerate(written):
            if n not in covered:  # "public administration" is one concept, not also "public"
                for term in self.word_terms(word):
                    yield term, word

    def _tokens(self, text: str | None) -> dict[Token, int]:
        """The text's phrases and the words they leave, with counts, each in order of first occurrence."""
        written = words(text)
        found = Counter(written)
        phrases = list(self._phrases(written, found.keys())) if written else []
        if not phrases:
            return cast("dict[Token, int]", found)  # a Counter is a dict; a word is a Token
        counts: dict[Token, int] = {}
        covered: set[int] = set()
        for concept, first, last, shown in phrases:
            covered.update(range(first, last + 1))
            counts[concept, shown] = counts.get((concept, shown), 0) + 1
        inside = Counter(written[n] for n in covered)
        if all(found[word] == times for word, times in inside.items()):
            for word in inside:  # words seen only inside phrases; the others keep their order
                del found[word]
        else:  # a word inside a phrase and outside: it counts from its first place outside
            found = Counter(word for n, word in enumerate(written) if n not in covered)
        counts.update(cast("dict[Token, int]", found))
        return counts

    def _pieces(self, word: str) -> tuple[str, ...]:
        """The stemmed hyphen parts of a written word, as phrases are matched."""
        pieces = self._atoms.get(word)
        if pieces is None:
            pieces = self._atoms[word] = _stemmed_parts(word)
        return pieces

    def _opening_parts(self, word: str) -> tuple[tuple[int, str, str | None], ...]:
        """The word's parts that may start a phrase: (index, stem, the next stem within the word or
        None if the next one is in the following word); a part followed within the word by a stem
        no phrase continues with starts none."""
        parts = _stemmed_parts(word)
        found = []
        for k, part in enumerate(parts):
            inner = parts[k + 1] if k + 1 < len(parts) else None
            if part in self.thesaurus.phrase_starts and (inner is None or (part, inner) in self._phrase_pairs):
                found.append((k, part, inner))
        return tuple(found)

    def _phrases(self, written: list[str], distinct: Set[str] | None = None) -> Iterator[tuple[str, int, int, str]]:
        """Multi-word thesaurus entries ("public administration", "weiße Flecken"): the concept, the
        first and last index of the written words wholly inside the phrase, and the words shown.
        ``distinct``: the written words as a set, when the caller has them.

        The text is read as a sequence of atoms (the stemmed hyphen parts of its words, addressed as
        (word, part)); a phrase is looked up only where an atom can start one, and the longest
        phrase found there wins and is consumed.
        """
        phrases = self.thesaurus.phrases
        if not phrases:
            return
        distinct = set(written) if distinct is None else distinct
        for word in distinct - self._checked:  # set operations: no Python loop over every word
            self._checked.add(word)
            if opening := self._opening_parts(word):
                self._openers[word] = opening
        hopeful = self._openers.keys() & distinct
        if not hopeful:
            return
        longest = self.thesaurus.longest_phrase
        resume = (0, 0)  # the first atom not inside a phrase already found
        for n in [n for n, word in enumerate(written) if word in hopeful]:
            for k, piece, inner in self._openers[written[n]]:
                if (n, k) < resume:
                    continue
                after = inner if inner is not None else next(  # the next atom, in a later word
                    (later[0] for w in range(n + 1, len(written)) if (later := self._pieces(written[w]))), "")
                if (piece, after) not in self._phrase_pairs:  # most "digital …" or "Land …" start none
                    continue
                # (stem, word index, part index, parts in that word) for the next `longest` atoms
                span: list[tuple[str, int, int, int]] = []
                w, j = n, k
                while len(span) < longest and w < len(written):
                    pieces = self._pieces(written[w])
                    span.extend((pieces[p], w, p, len(pieces)) for p in range(j, min(len(pieces), j + longest)))
                    w, j = w + 1, 0
                del span[longest:]
                for size in range(len(span), 1, -1):
                    _, last, end, parts = span[size - 1]
                    concept = phrases.get(tuple(a[0] for a in span[:size]))
                    # Inside one written word ("Smart-City") the word's own terms already cover it.
                    if concept and n != last:
                        whole_last = end == parts - 1
                        shown = " ".join(written[n : last + 1])
                        yield concept, n if k == 0 else n + 1, last if whole_last else last - 1, shown
                        resume = (last, end + 1)
                        break


# A written word, or a thesaurus phrase found in the text as (concept, the words as written).
Token = str | tuple[str, str]


class Analysis:
    """One text as :meth:`Analyzer.analyse` sees it.

    Iterating gives (term, written word) for every occurrence, in text order. Indexing 50,000 calls
    needs the same, but faster: :meth:`tokens` counts the text's words (and phrases) without
    looking at their terms, so each distinct word is turned into terms once for the whole corpus
    (``Analyzer.word_terms``; a phrase's term is its concept) — see ``relevance.Index``.
    """

    __slots__ = ("_analyzer", "_text")

    def __init__(self, analyzer: Analyzer, text: str | None) -> None:
        self._analyzer = analyzer
        self._text = text

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return self._analyzer._occurrences(self._text)

    def tokens(self) -> dict[Token, int]:
        """Phrases first, then the words the phrases leave, each in order of first occurrence, with
        counts: the terms of ``token`` (its concept, or ``word_terms(word)``) repeated ``count``
        times, in this order, are exactly what iterating gives."""
        return self._analyzer._tokens(self._text)


class CallText:
    """A call's texts folded once, for the gates that each read several of them."""

    def __init__(self, call: FundingCall) -> None:
        self.call = call

    @cached_property
    def title(self) -> str:
        return fold(self.call.title)

    @cached_property
    def summary(self) -> str:
        return fold(self.call.summary or "")

    @cached_property
    def description(self) -> str:
        return fold(self.call.description or "")

    @cached_property
    def deadline_text(self) -> str:
        return fold(self.call.deadline_text or "")

    @cached_property
    def whole(self) -> str:
        return "\n".join(t for t in (self.title, self.summary, self.description) if t)

    @cached_property
    def names(self) -> str:
        """Title, texts and funding body as place names are compared (" kreis guetersloh ")."""
        parts = [self.call.title, self.call.summary, self.call.description, self.call.funding_body]
        return f" {normalise_name(' '.join(p for p in parts if p))} "


_Split = tuple[int, int, tuple[str, ...]]


def _keep_better(table: list[_Split | None], i: int, candidate: _Split) -> None:
    current = table[i]
    if current is None or candidate[:2] < current[:2]:
        table[i] = candidate
