"""How well does a call serve a measure? BM25F over normalised terms, mapped to 0–100.

Why BM25F: a term's occurrences in title, topics, summary and description are first combined into
one field-weighted frequency and only then saturated, so a word repeated in every field does not
count three times, while a word in the title counts more than one deep in the description.

IDF comes from the calls being matched, so a word every call uses weighs almost nothing and a rare,
specific one ("Gigabit") weighs a lot. IDF is scaled so that a term found in a single call weighs 1,
which keeps the reference (below) the same whether 50 or 50,000 calls are matched.

A call's raw score for a measure is the sum, over the measure's terms the call contains, of
query weight × IDF × saturated frequency. The 0–100 score (see :meth:`Index.percent`) is relative to
a reference call for the measure — one that names the measure's three strongest terms once in its
title and once in its summary — passed through a saturating curve, so it never exceeds 100 and means
the same for a three-word measure as for a long one.

Scale (a Land-wide service: 50,000 calls × 1,000 measures) shapes how this is computed, not what:

1. Every call is analysed once (each distinct word once for the whole corpus) into a table of
   (call, term) BM25F frequencies, kept as numpy arrays both by term ("postings", for 2.) and by
   call (for 3.).
2. :meth:`Index.candidates` scores one measure against all calls at once with array arithmetic:
   the weighted contributions of each of the measure's terms, summed per call. This is fast but
   adds in a different order than 3., so the last bits may differ (:data:`SLACK` bounds it).
3. :meth:`Index.hit` recomputes one call's score in plain Python — contributions strongest first,
   summed in that order — and that score is the one reported. The matcher asks for it only for
   the calls 2. puts within :data:`SLACK` of the threshold or above, and reads them best first
   until no later one can make the list, so the results are exactly those of computing 3. for
   every call (tests/matcher/test_matcher_scale.py keeps the pair-by-pair matcher to check that).
"""

from __future__ import annotations

import math
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import overload

import numpy as np
import numpy.typing as npt

from foerderradar.german.fold import fold
from foerderradar.german.stem import drop_umlaut_e, stem
from foerderradar.matcher.aspects import (
    CONTEXT_SHARE,
    DIGITAL_FRAME_SHARE,
    core_terms,
    digital_concepts,
    digital_words,
    open_text,
)
from foerderradar.matcher.feedback import rocchio
from foerderradar.matcher.kinds import NOT_GRANT_SHARE, not_a_grant
from foerderradar.matcher.sectors import OTHER_SECTOR_SHARE, other_sector, sectors
from foerderradar.matcher.subject import subject_text
from foerderradar.matcher.text import Analyzer, Token
from foerderradar.model import FundingCall
from foerderradar.profile import Measure

FIELDS = ("title", "topics", "summary", "description")
FIELD_WEIGHTS = {"title": 3.0, "topics": 2.0, "summary": 1.5, "description": 1.0}
# "Treffer im Titel: …" — labels carry their German preposition and article.
FIELD_LABELS = {
    "title": "im Titel", "topics": "in den Themen", "summary": "im Kurztext", "description": "in der Beschreibung",
}
K1, B = 1.2, 0.75
# Query term weights by where the measure says it: its title and keywords are what it is about.
QUERY_WEIGHTS = {"title": 2.0, "keywords": 2.0, "description": 1.0}
REFERENCE_TERMS = 3
# Steepness of the 0–100 curve, chosen so that a call as strong as the reference call scores 80.
# With the digest's default threshold of 30 on the labelled set: every grade-2 call passes, four in
# five borderline ones, and about one in six of the other eligible matches (see bench/eval_matcher.py).
ALPHA = math.log(5)
MAX_SHOWN = 5
# How far the array score of :meth:`Index.candidates` may be from the exact one, in score points:
# the 0.05 a score moves when rounded to one decimal, plus a margin millions of times wider than
# the difference summation order makes.
SLACK = 0.05 + 1e-6

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


def _saturate(tf: float) -> float:
    return tf * (K1 + 1) / (tf + K1)


@dataclass
class Query:
    measure_id: str
    weights: dict[str, float]  # term → weight
    display: dict[str, list[str]]  # term → the measure's own words for it, for reasons
    reference: float  # raw score of the reference call
    core: frozenset[str]  # the terms of its digital object (matcher/aspects.py); empty: no core, no cap
    by_id: dict[int, tuple[float, str]]  # term id in the index → (weight, term), the terms calls use
    mask: npt.NDArray[np.bool_]  # by term id: is it one of by_id?
    learned: frozenset[str] = frozenset()  # terms added by the municipality's marks (matcher/feedback.py)
    sectors: int = 0  # the fields of work the measure names, as bits (matcher/sectors.py)


@dataclass
class Hit:
    raw: float
    terms: list[str]  # matched query terms, strongest first
    seen: list[tuple[int, str]]  # per term: the first field it is in (rank in FIELDS) and the word written there
    core: bool = True  # does it match the measure's core (or has the measure none)?
    capped: bool = False  # matches only the frame and is no digitalisation programme: × CONTEXT_SHARE
    digital_frame: bool = False  # matches only the frame of a digitalisation programme: × DIGITAL_FRAME_SHARE
    other_sectors: int = 0  # the fields its title names, none of them the measure's: × OTHER_SECTOR_SHARE
    not_grant: str | None = None  # "Darlehen", "Beratung" …, no grant at all: × NOT_GRANT_SHARE

    @property
    def share(self) -> float:
        """The part of its score the call keeps (the product of the shares above that apply)."""
        return shares(frame=self.capped, digital_frame=self.digital_frame, other_sector=bool(self.other_sectors),
                      not_grant=self.not_grant is not None)


@dataclass(frozen=True)
class Tokens:
    """Each field of each call as tokens (words, phrases) with counts: one entry per (call, field,
    token), in call, field and token order; ``ids`` numbers the distinct tokens in order of first use.

    Only the texts and the thesaurus (phrases) decide these, not the vocabulary: several
    municipalities matching the same calls can share them (:class:`Corpus`)."""

    ids: dict[Token, int]
    entry_token: array[int]
    entry_count: array[int]
    entries_per_field: array[int]  # calls × FIELDS

    @classmethod
    def of(cls, calls: Iterable[FundingCall], analyzer: Analyzer) -> Tokens:
        token_ids: dict[Token, int] = {}
        entry_token, entry_count, entries_per_field = array("i"), array("i"), array("i")
        for call in calls:
            for text in _fields(call).values():
                tokens = analyzer.analyse(text).tokens()
                ids = list(map(token_ids.get, tokens))
                if None in ids:  # words not seen before in the corpus
                    ids = [token_ids.setdefault(token, len(token_ids)) for token in tokens]
                entry_token.extend(ids)  # type: ignore[arg-type]
                entry_count.extend(tokens.values())
                entries_per_field.append(len(tokens))
        return cls(token_ids, entry_token, entry_count, entries_per_field)

    def digital_calls(self) -> npt.NDArray[np.bool_]:
        """By call: does its title, topics or summary name a digital object (a digitalisation
        programme, :mod:`foerderradar.matcher.aspects`)? Each distinct word is looked at once."""
        calls = len(self.entries_per_field) // len(FIELDS)
        per_field = np.frombuffer(self.entries_per_field, dtype=np.int32)
        field_of_entry = np.repeat(np.arange(calls * len(FIELDS)), per_field)
        shown = field_of_entry % len(FIELDS) < FIELDS.index("description")  # title, topics, summary
        tok = np.frombuffer(self.entry_token, dtype=np.int32)
        words, concepts = digital_words(), digital_concepts()
        by_token = np.zeros(len(self.ids), dtype=bool)
        token_of = list(self.ids)  # ids number the tokens in order of first use
        for t in np.unique(tok[shown]).tolist():
            token = token_of[t]
            by_token[t] = (words.names_digital(token) if isinstance(token, str)
                           else token[0] in concepts or words.names_digital(token[1]))
        digital = np.zeros(calls, dtype=bool)
        digital[field_of_entry[shown & by_token[tok]] // len(FIELDS)] = True
        return digital

    def title_sectors(self) -> npt.NDArray[np.int64]:
        """By call: the fields of work its title names, as bits (:mod:`foerderradar.matcher.sectors`).
        Each distinct title word or thesaurus phrase ("higher education": §hochschule) is looked at once."""
        calls = len(self.entries_per_field) // len(FIELDS)
        field_of_entry = np.repeat(np.arange(calls * len(FIELDS)),
                                   np.frombuffer(self.entries_per_field, dtype=np.int32))
        in_title = field_of_entry % len(FIELDS) == FIELDS.index("title")
        tok = np.frombuffer(self.entry_token, dtype=np.int32)[in_title]
        named = sectors()
        by_token = np.zeros(len(self.ids), dtype=np.int64)
        token_of = list(self.ids)
        for t in np.unique(tok).tolist():
            token = token_of[t]
            # a phrase by its words and by its concept ("higher education" → §hochschule)
            by_token[t] = named.of(token) if isinstance(token, str) else named.of(f"{token[1]} {token[0][1:]}")
        masks = np.zeros(calls, dtype=np.int64)
        np.bitwise_or.at(masks, field_of_entry[in_title] // len(FIELDS), by_token[tok])
        return masks


class Corpus(Sequence[FundingCall]):
    """Calls that several municipalities match (``jobs.StoredCalls``), with the part of indexing
    none of them changes, done once for all.

    Building an :class:`Index` is most of matching one municipality, and most of that does not
    depend on its measures: reading every field of every call into tokens, the calls' words in the
    compound vocabulary, and the splitting of every word the municipality's own measure words
    cannot change (:meth:`word_terms`). What does depend on the municipality — the words its
    measures add, the terms' frequencies and IDF — is still worked out per municipality, so its
    verdicts are exactly those of matching the plain list of calls (tests/matcher/
    test_matcher_corpus.py; figures in docs/benchmarks.md, *Several municipalities on one
    instance*). Treat it as immutable: the analysis belongs to these calls.
    """

    def __init__(self, calls: Iterable[FundingCall]) -> None:
        self._calls = list(calls)

    def __len__(self) -> int:
        return len(self._calls)

    @overload
    def __getitem__(self, i: int) -> FundingCall: ...
    @overload
    def __getitem__(self, i: slice) -> list[FundingCall]: ...
    def __getitem__(self, i: int | slice) -> FundingCall | list[FundingCall]:
        return self._calls[i]

    def __iter__(self) -> Iterator[FundingCall]:
        return iter(self._calls)

    @cached_property
    def analyzer(self) -> Analyzer:
        """The calls' share of every vocabulary: the words portals put in titles and topics."""
        return Analyzer(_call_vocabulary(self._calls))

    @cached_property
    def digital(self) -> npt.NDArray[np.bool_]:
        return self.tokens.digital_calls()

    @cached_property
    def kinds(self) -> CallKinds:
        return CallKinds.of(self._calls, self.tokens)

    @cached_property
    def tokens(self) -> Tokens:
        return Tokens.of(self._calls, self.analyzer)

    def word_terms(self, analyzer: Analyzer) -> Callable[[str], tuple[str, ...]]:
        """``analyzer.word_terms`` for an analyzer that extends :attr:`analyzer` (a municipality's),
        answered by the shared analyzer — whose answers every municipality reuses — for each word
        the municipality's own vocabulary cannot change.

        A word splits differently only if one of the added vocabulary words can be a part of it.
        A part is known when its stem is in the vocabulary, and a stem is a beginning of the part
        with some "e" dropped (``stem``, ``drop_umlaut_e``); so without "e" an added word must be a
        substring of the word without "e". Words where that holds for none are split exactly as
        the shared analyzer splits them; the others (few: measure words are mostly the calls'
        words too) are split by the municipality's analyzer.
        """
        added = analyzer.vocabulary - self.analyzer.vocabulary
        if not added:
            return self.analyzer.word_terms
        inside = re.compile("|".join(re.escape(w.replace("e", "")) for w in sorted(added, key=len, reverse=True)))
        shared = self.analyzer.word_terms

        def terms(word: str) -> tuple[str, ...]:
            if inside.search(fold(word).replace("-", "").replace("e", "")):
                return analyzer.word_terms(word)
            return shared(word)

        return terms


@dataclass(frozen=True)
class CallKinds:
    """By call: the fields of work its title names (bits, matcher/sectors.py) and, when it pays no
    grant, its funding types in German (matcher/kinds.py) — read once per corpus."""

    sectors: npt.NDArray[np.int64]
    not_grant: list[str | None]

    @classmethod
    def of(cls, calls: Iterable[FundingCall], tokens: Tokens) -> CallKinds:
        return cls(tokens.title_sectors(), [not_a_grant(call) for call in calls])

    @cached_property
    def share(self) -> Floats:
        """By call: × NOT_GRANT_SHARE for a call that pays no grant, else 1."""
        return np.array([1.0 if kind is None else NOT_GRANT_SHARE for kind in self.not_grant])


def shares(*, frame: bool, digital_frame: bool, other_sector: bool, not_grant: bool) -> float:
    """The product of the shares that apply, multiplied in one fixed order (the array path of
    :meth:`Index.candidates` multiplies the same factors in the same order)."""
    share = 1.0
    if frame:
        share *= CONTEXT_SHARE
    if digital_frame:
        share *= DIGITAL_FRAME_SHARE
    if other_sector:
        share *= OTHER_SECTOR_SHARE
    if not_grant:
        share *= NOT_GRANT_SHARE
    return share


def _call_vocabulary(calls: Iterable[FundingCall]) -> list[str]:
    return [" ".join([c.title, *(c.topics or [])]) for c in calls]


class Index:
    """Every call analysed once: BM25F frequencies per (call, term), by call and by term.

    ``calls`` as a :class:`Corpus`: the tokens and the calls' vocabulary are taken from it."""

    def __init__(self, calls: Sequence[FundingCall], measures: Sequence[Measure],
                 analyzer: Analyzer | None = None) -> None:
        corpus = calls if isinstance(calls, Corpus) and analyzer is None else None
        if analyzer is None:
            # Compound parts worth finding are words measures use or portals put in titles and topics.
            vocabulary = [" ".join([m.title, m.description, *m.keywords]) for m in measures]
            if corpus is not None:
                analyzer = Analyzer(vocabulary, extends=corpus.analyzer)
            else:
                analyzer = Analyzer(vocabulary + _call_vocabulary(calls))
        self.analyzer = analyzer
        self.size = len(calls)
        # 1. Each field of each call as tokens with counts (class Tokens), shared by a Corpus.
        tokens = corpus.tokens if corpus is not None else Tokens.of(calls, analyzer)
        # By call: a digitalisation programme? (matcher/aspects.py; shared by a Corpus)
        self.digital = corpus.digital if corpus is not None else tokens.digital_calls()
        # By call: its title's fields of work and whether it pays no grant (shared by a Corpus)
        self.kinds = corpus.kinds if corpus is not None else CallKinds.of(calls, tokens)
        token_ids, entry_token, entry_count = tokens.ids, tokens.entry_token, tokens.entry_count
        entries_per_field = tokens.entries_per_field
        word_terms = corpus.word_terms(analyzer) if corpus is not None else analyzer.word_terms
        # 2. The terms of each distinct token, worked out once for the whole corpus.
        term_ids: dict[str, int] = {}
        token_terms, terms_per_token = array("i"), array("i")
        self.words: list[str] = []  # token id → the words as written, for reasons
        for token in token_ids:
            terms = word_terms(token) if isinstance(token, str) else (token[0],)
            token_terms.extend([term_ids.setdefault(term, len(term_ids)) for term in terms])
            terms_per_token.append(len(terms))
            self.words.append(token if isinstance(token, str) else token[1])
        self.terms = list(term_ids)  # term id → term
        self.term_ids = term_ids
        n = max(self.size, 1)

        # 3. One row per (call, field, term of a token), still in the order above. (int32 and
        #    early `del`: with a long-tail vocabulary these arrays have tens of millions of rows.)
        tok = np.frombuffer(entry_token, dtype=np.int32)
        per_token = np.frombuffer(terms_per_token, dtype=np.int32)
        count = np.frombuffer(entry_count, dtype=np.int32)
        field_of_entry = np.repeat(np.arange(self.size * len(FIELDS), dtype=np.int32),
                                   np.frombuffer(entries_per_field, dtype=np.int32))
        reps = per_token[tok]  # terms per entry
        row = np.repeat(np.arange(len(tok), dtype=np.int32), reps)  # row → its entry
        # Where the row's term is in token_terms: the token's first term, plus which of its terms.
        at = np.repeat((np.cumsum(per_token, dtype=np.int64) - per_token)[tok] - (np.cumsum(reps) - reps), reps)
        at += np.arange(len(row))
        row_term = np.frombuffer(token_terms, dtype=np.int32)[at]
        del at
        row_field = field_of_entry[row]
        # Field length = number of terms in the field (an occurrence counts once per term it yields).
        length_of = np.bincount(field_of_entry, weights=count * reps, minlength=self.size * len(FIELDS))
        lengths = {name: length_of[r :: len(FIELDS)].astype(np.int64).tolist() for r, name in enumerate(FIELDS)}
        avg = {f: max(sum(v) / n, 1.0) for f, v in lengths.items()}

        # 4. Combine the fields of each (call, term). np.unique sorts by call, then term id, and
        #    (stable) points at the first row: the earliest field and word, which reasons name.
        key = (row_field // len(FIELDS)).astype(np.int64) * max(len(self.terms), 1) + row_term
        _, first_row, pair = np.unique(key, return_index=True, return_inverse=True)
        del key
        self._doc = row_field[first_row] // len(FIELDS)
        self._rank = (row_field[first_row] % len(FIELDS)).astype(np.int8)
        self._term = row_term[first_row]
        self._word = tok[row[first_row]]
        row_rank = (row_field % len(FIELDS)).astype(np.int8)
        row_count = count[row].astype(np.float64)
        del row, row_term, row_field
        # BM25F pseudo-frequency: Σ over fields of count × field weight / length norm, added in
        # field order from 0.0 (a field without the term adds exactly 0.0), as plain Python would.
        tf = np.zeros(len(first_row))
        for r, name in enumerate(FIELDS):
            norm = np.array([FIELD_WEIGHTS[name] / (1 - B + B * length / avg[name]) for length in lengths[name]])
            in_field = row_rank == r
            counted = np.bincount(pair[in_field], weights=row_count[in_field], minlength=len(first_row))
            tf = tf + counted * norm[self._doc]
        self._tf = tf
        # Rows by call: call d's entries are _doc/_term/... [_row[d]:_row[d + 1]].
        self._row = np.searchsorted(self._doc, np.arange(self.size + 1))

        # IDF scaled so a term found in a single call weighs 1: comparable across corpus sizes.
        df = np.bincount(self._term, minlength=len(self.terms)).tolist()
        unique = math.log(1 + (n - 0.5) / 1.5)
        self.idf = [math.log(1 + (n - f + 0.5) / (f + 0.5)) / unique for f in df]  # by term id
        # Postings by term, calls ascending: term t's are _post_doc/_post_value[_post[t]:_post[t + 1]],
        # with value = IDF × saturated frequency (× the query weight, this is a term's contribution).
        order = np.argsort(self._term, kind="stable")
        self._post = np.concatenate(([0], np.cumsum(df))).astype(np.intp)
        self._post_doc = self._doc[order]
        self._post_value = np.array(self.idf)[self._term[order]] * (tf[order] * (K1 + 1) / (tf[order] + K1))

    def query(self, measure: Measure, relevant: Sequence[int] = (), dismissed: Sequence[int] = ()) -> Query:
        """The measure's query; with marked calls (doc numbers) its weights learned from them
        (:func:`foerderradar.matcher.feedback.rocchio`). The reference stays the measure's own, so
        scores stay comparable with and without marks."""
        weights, display, core = measure_terms(self.analyzer, measure)
        strongest = sorted(weights.values(), reverse=True)[:REFERENCE_TERMS]
        reference_tf = FIELD_WEIGHTS["title"] + FIELD_WEIGHTS["summary"]
        reference = sum(strongest) * _saturate(reference_tf) or 1.0
        learned: frozenset[str] = frozenset()
        if relevant or dismissed:
            own = set(weights)
            weights = rocchio(weights, [self.vector(d) for d in relevant], [self.vector(d) for d in dismissed])
            learned = frozenset(weights.keys() - own)
        by_id = {self.term_ids[t]: (w, t) for t, w in weights.items() if t in self.term_ids}
        mask = np.zeros(len(self.terms), dtype=bool)
        mask[list(by_id)] = True
        named = sectors().of(" ".join([measure.title, *measure.keywords, open_text(measure.description)]))
        return Query(measure.id, weights, display, reference, core, by_id, mask, learned, named)

    def vector(self, doc: int) -> dict[str, float]:
        """A call's terms → IDF × saturated BM25F frequency: what feedback learns from."""
        start, end = self._row[doc], self._row[doc + 1]
        return {self.terms[t]: self.idf[t] * _saturate(tf)
                for t, tf in zip(self._term[start:end].tolist(), self._tf[start:end].tolist(), strict=True)}

    def candidates(self, query: Query, floor: float) -> tuple[Ints, Floats]:
        """Calls sharing a term with the measure whose score may be ≥ ``floor``, and that score to
        within :data:`SLACK` (array arithmetic; :meth:`hit` gives the exact one)."""
        spans = [(self._post[t], self._post[t + 1], weight) for t, (weight, _) in query.by_id.items()]
        if not spans:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        raw = np.bincount(np.concatenate([self._post_doc[start:end] for start, end, _ in spans]),
                          np.concatenate([weight * self._post_value[start:end] for start, end, weight in spans]),
                          minlength=self.size)
        docs = np.flatnonzero(raw)
        approx = 100.0 * (1.0 - np.exp(-ALPHA * raw[docs] / query.reference))
        # The shares of Hit.share, applied in the same order (function `shares`). Each is ≤ 1, so a
        # call below the floor without them stays below it: they are worked out for the rest only.
        keep = approx >= floor - SLACK
        docs, approx = docs[keep], approx[keep]
        if query.core:  # calls that match only the measure's frame
            core = np.zeros(self.size, dtype=bool)
            for t, (_, term) in query.by_id.items():
                if term in query.core:
                    core[self._post_doc[self._post[t] : self._post[t + 1]]] = True
            frame, digital = ~core[docs], self.digital[docs]
            share = np.where(frame & ~digital, CONTEXT_SHARE, 1.0) * np.where(frame & digital, DIGITAL_FRAME_SHARE, 1.0)
        else:
            share = np.ones(len(docs))
        called = self.kinds.sectors[docs]
        share = share * np.where((called != 0) & (called & query.sectors == 0), OTHER_SECTOR_SHARE, 1.0)
        approx = approx * (share * self.kinds.share[docs])
        keep = approx >= floor - SLACK
        return docs[keep], approx[keep]

    def hit(self, doc: int, query: Query) -> Hit:
        """The call's raw score and matched terms, strongest first (the exact, reported score)."""
        start, end = self._row[doc], self._row[doc + 1]
        at = start + np.flatnonzero(query.mask[self._term[start:end]])  # the call's entries for the measure's terms
        parts: list[tuple[float, str, int, int]] = []
        for t, tf, rank, word in zip(self._term[at].tolist(), self._tf[at].tolist(), self._rank[at].tolist(),
                                     self._word[at].tolist(), strict=True):
            weight, term = query.by_id[t]
            parts.append((weight * self.idf[t] * _saturate(tf), term, rank, word))
        parts.sort(reverse=True)  # (value, term) is unique: rank and word never decide
        seen = [(rank, self.words[word]) for _, _, rank, word in parts]
        terms = [term for _, term, _, _ in parts]
        core = not query.core or any(term in query.core for term in terms)
        digital = bool(self.digital[doc])
        called = int(self.kinds.sectors[doc])
        return Hit(sum(value for value, _, _, _ in parts), terms, seen, core, not core and not digital,
                   not core and digital, called if other_sector(called, query.sectors) else 0,
                   self.kinds.not_grant[doc])

    def score(self, hit: Hit, query: Query) -> float:
        """The reported 0–100 score: :func:`score`."""
        return score(hit.raw, query.reference, share=hit.share)

    def evidence(self, hit: Hit, query: Query) -> list[str]:
        """German reasons: matched words per field, the call's own words first (≈ the measure's)."""
        by_field: dict[int, list[str]] = defaultdict(list)
        for term, (rank, word) in zip(hit.terms, hit.seen, strict=True):
            shown = word
            ours = query.display.get(term) or [word]
            # A synonym the measure does not use itself: say which of its words it stands for.
            if term.startswith("§") and not any(_stems_in(own, word) for own in ours):
                shown = f"{word} (≈ {ours[0]})"
            if shown not in by_field[rank] and len(by_field[rank]) < MAX_SHOWN:
                by_field[rank].append(shown)
        reasons = [f"Treffer {FIELD_LABELS[FIELDS[rank]]}: {', '.join(shown)}"
                   for rank, shown in sorted(by_field.items())]
        if query.core:
            reasons.append(aspect_reason(hit, query))
        reasons += share_reasons(hit)
        learned = dict.fromkeys(word for term, (_, word) in zip(hit.terms, hit.seen, strict=True)
                                if term in query.learned) if query.learned else {}
        if learned:
            reasons.append(f"Ähnlich wie von Ihnen markierte Aufrufe: {', '.join(list(learned)[:MAX_SHOWN])}")
        return reasons


def measure_terms(
    analyzer: Analyzer, measure: Measure
) -> tuple[dict[str, float], dict[str, list[str]], frozenset[str]]:
    """The measure's query: term → weight (by where it says it), term → its own words for it, and
    the terms of its core (matcher/aspects.py). Clauses about what is already done are left out."""
    weights: dict[str, float] = {}
    display: dict[str, list[str]] = defaultdict(list)
    description = open_text(measure.description)
    parts = {"title": [measure.title], "keywords": list(measure.keywords), "description": [description]}
    pairs: list[tuple[str, str]] = []
    for where, texts in parts.items():
        for text in texts:
            for term, word in analyzer.analyse(text):
                pairs.append((term, word))
                weights[term] = max(weights.get(term, 0.0), QUERY_WEIGHTS[where])
                if word not in display[term]:
                    display[term].append(word)
    text = " . ".join([measure.title, *measure.keywords, description])
    core = frozenset(core_terms(pairs, text, lambda word: next(iter(analyzer.word_terms(word)), None)))
    return weights, display, core


def score(raw: float, reference: float, *, share: float = 1.0) -> float:
    """0–100: 100·(1 − e^(−ALPHA·raw/reference)), the reference call scoring 80 and none reaching
    100; × ``share`` for a call that keeps only part of it (:attr:`Hit.share`)."""
    value = 100.0 * (1.0 - math.exp(-ALPHA * max(raw, 0.0) / reference))
    return round(value * share, 1)


def aspect_reason(hit: Hit, query: Query) -> str:
    """"Passt zum Kern: …" with the measure's own core words the call meets, or "Nur Rahmen: …"."""
    def own(chosen: Iterable[str]) -> str:
        shown: list[str] = []
        for term in chosen:
            word = (query.display.get(term) or [term])[0]
            if word not in shown and len(shown) < MAX_SHOWN:
                shown.append(word)
        return ", ".join(shown)

    core = [t for t in hit.terms if t in query.core]
    if core:
        return f"Passt zum Kern: {own(core)}"
    if hit.capped:
        return f"Nur Rahmen: {own(hit.terms)} – kein Kernbegriff der Maßnahme, Wertung {lowered(CONTEXT_SHARE)}"
    return (f"Nur Rahmen: {own(hit.terms)} – in einem Digitalisierungsprogramm, "
            f"Wertung {lowered(DIGITAL_FRAME_SHARE)}")


def share_reasons(hit: Hit) -> list[str]:
    """Why a call keeps only part of its score, besides core and frame (German)."""
    reasons = []
    if hit.other_sectors:
        reasons.append(f"Für einen anderen Bereich: {', '.join(sectors().labels(hit.other_sectors))} – die Maßnahme "
                       f"nennt ihn nicht, Wertung {lowered(OTHER_SECTOR_SHARE)} (bitte prüfen)")
    if hit.not_grant:
        reasons.append(f"Förderart: {hit.not_grant}, kein Zuschuss – Wertung {lowered(NOT_GRANT_SHARE)}")
    return reasons


def lowered(share: float) -> str:
    """"halbiert", "× 0,8": how a share changes a score, in German."""
    return "halbiert" if share == 0.5 else f"× {share:g}".replace(".", ",")


def _fields(call: FundingCall) -> dict[str, str | None]:
    return {
        "title": call.title,
        "topics": " ; ".join(call.topics or []),
        "summary": call.summary,
        "description": subject_text(call.description),
    }


@lru_cache(maxsize=1 << 16)  # the same few words meet again in many matches
def _stems_in(own: str, word: str) -> bool:
    """Does the call's word contain the measure's word ("Glasfaserausbau" ⊃ "Glasfaser")?"""
    written = drop_umlaut_e(fold(word).replace("-", ""))
    return all(stem(part) in written for part in fold(own).replace("-", "").split())
