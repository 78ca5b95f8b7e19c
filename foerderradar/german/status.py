"""Running, closed and coming calls in the portals' words ("laufend", "Mittel ausgeschöpft").

The same words mean opposite things in a condition: "laufend, bis die Mittel ausgeschöpft sind" is
an open call. Every reader therefore pairs closing words with the condition words that cancel them.

Two readers, because they read different text:

Page wording (the crawler's text extractor reads whole pages as written)
- Cues match the text as written, either umlaut spelling (:func:`foerderradar.german.fold.cues`):
  the extractor quotes the portal's sentence and keeps its offsets.
- :data:`CLOSED` closes a call wherever it stands ("Antragstellung nicht mehr möglich",
  "ausgeschöpft", "(beendet)"); :data:`CLOSED_WEAK` ("beendet", "geschlossen") and :data:`ONGOING`
  ("laufend", "jederzeit") count only in a sentence with an :data:`APPLICATION_WORD`: cookie banners
  also say "jederzeit", and a page also says "Die Veranstaltung ist beendet". Closing words after a
  :data:`CONDITION` ("bis die", "solange") do not count; "jederzeit" near a :data:`REVOCATION`
  ("kann jederzeit widerrufen werden") does not either.

Deadline wording (the matcher reads a stored call's folded texts)
- :func:`closing_words` wants a closing *sentence* with its subject ("Die Mittel sind ausgeschöpft",
  "Der Förderaufruf ist beendet", "keine Anträge mehr"): summary and description are long, and a
  bare "beendet" there is too often about something else. A clause that starts with a condition
  word (bis, solange, sobald, wenn, until, once) does not close.
- :data:`ONGOING_WORDING` reads the short deadline wording only ("laufend", "bis auf weiteres").

Field labels (:data:`STATUS_LABELS`): a portal's status field in German or English.
"""

from __future__ import annotations

import re

from foerderradar.german.fold import cues
from foerderradar.model import Status

# ---------------------------------------------------------------------------------------------
# Page wording, as written (crawler)
# ---------------------------------------------------------------------------------------------

APPLICATION_WORD = cues(
    r"antrag", r"anträge", r"beantrag", r"einreich", r"einzureichen", r"skizze", r"bewerb", r"frist", r"stichtag",
    r"aufruf", r"programm", r"verfahren", r"förderung", r"\bapply", r"application", r"submi",
    r"deadline", r"\bcall\b", r"status",
)  # fmt: skip
ONGOING = cues(
    r"\blaufend\b", r"\bfortlaufend\b", r"\bjederzeit\b", r"\bganzjährig\b", r"\bohne (?:antrags)?frist",
    r"\bkeine (?:antrags|einreichungs)?frist", r"\bcontinuous(?:ly)?\b", r"\brolling basis\b", r"\bopen-ended\b",
    r"\bpermanently open\b", r"\bständig\b",
)  # fmt: skip
CLOSED = cues(
    r"nicht mehr möglich", r"ausgeschöpft", r"ausgelaufen", r"abgelaufen", r"verstrichen",
    r"keine (?:neuen )?anträge mehr", r"antragsstopp", r"annahmestopp", r"no longer (?:open|accept)",
    r"\bexhausted\b", r"\(beendet\)",
)  # fmt: skip
CLOSED_WEAK = cues(r"\bbeendet\b", r"\bgeschlossen\b", r"\beingestellt\b", r"\bausgesetzt\b", r"\bclosed\b")
CONDITION = cues(
    r"\bbis (?:die|alle|zur|zum)\b", r"solange", r"sobald", r"sofern", r"\bfalls\b", r"\bwenn\b", r"\buntil\b",
    r"\bonce\b", r"as long as", r"\bunless\b", r"\bif\b",
)  # fmt: skip
REVOCATION = cues(
    r"widerruf", r"kündig", r"zurückgezogen", r"zurückgefordert", r"einwillig", r"abbestell", r"revoke", r"withdraw",
)  # fmt: skip
UPCOMING = cues(r"noch nicht (?:möglich|geöffnet|freigeschaltet)", r"in vorbereitung", r"\bforthcoming\b")

# ---------------------------------------------------------------------------------------------
# Deadline wording, folded (matcher)
# ---------------------------------------------------------------------------------------------

_CLOSING_SENTENCE = re.compile(
    r"\w*mittel\w* (?:sind|ist|wurden|wurde|waren) (?:\w+ ){0,2}(?:ausgeschoepft|erschoepft|aufgebraucht|vergeben)"
    r"|\w*mittel\w* ausgeschoepft|(?:budget|kontingent)\w* (?:ist )?(?:\w+ )?(?:ausgeschoepft|erschoepft)"
    r"|keine (?:neuen )?(?:antraege|projektskizzen|antragstellung|einreichung)\w* (?:\w+ ){0,2}mehr"
    r"|antragstellung (?:ist )?(?:\w+ )?nicht mehr moeglich"
    r"|(?:derzeit|zurzeit|aktuell) (?:ist )?keine antragstellung moeglich"
    r"|antragstellung ist (?:derzeit|zurzeit|aktuell) nicht moeglich"
    r"|(?:antrags|einreichungs)frist (?:ist )?(?:\w+ )?(?:abgelaufen|beendet|verstrichen)"
    r"|(?:foerderaufruf|aufruf|foerderprogramm|programm|antragsfenster|ausschreibung) (?:ist|wurde) (?:\w+ )?"
    r"(?:beendet|geschlossen|abgeschlossen|ausgelaufen|eingestellt)"
    r"|(?:call|programme|program) (?:is|has been|was) (?:now )?closed|no longer (?:open|accepting)"
    r"|applications are (?:now )?closed|funds (?:are|have been) (?:fully )?(?:exhausted|allocated)"
)
_CLOSING_HINT = re.compile(r"schoepft|aufgebraucht|vergeben|mehr|abgelaufen|beendet|verstrichen|geschlossen|"
                           r"ausgelaufen|eingestellt|derzeit|zurzeit|aktuell|closed|no longer|exhausted|allocated")
_CONDITION_WORD = re.compile(r"\b(?:bis|solange|sobald|wenn|falls|sofern|until|once|if|when|as soon as)\b")
_CLAUSE_START = re.compile(r"[.!?;:\n–]")
ONGOING_WORDING = re.compile(
    r"laufend|jederzeit|ganzjaehrig|ohne (?:antrags)?frist|keine (?:antrags)?frist|bis auf weiteres"
    r"|ongoing|open-ended|continuous|rolling|no deadline"
)


def closing_words(folded: str) -> str | None:
    """The words that close the call, if this folded text closes it outright (not in a condition)."""
    if not _CLOSING_HINT.search(folded):  # cheap test first: the full pattern is slow on long texts
        return None
    for match in _CLOSING_SENTENCE.finditer(folded):
        starts = [m.end() for m in _CLAUSE_START.finditer(folded, 0, match.start())]
        clause = folded[starts[-1] if starts else 0 : match.start()]
        if not _CONDITION_WORD.search(clause):
            return match.group(0)
    return None


# ---------------------------------------------------------------------------------------------
# Field labels
# ---------------------------------------------------------------------------------------------

STATUS_LABELS: dict[str, Status] = {
    "offen": "open", "laufend": "open", "aktiv": "open", "active": "open", "ongoing": "open",
    "forthcoming": "upcoming", "geplant": "upcoming", "angekündigt": "upcoming", "demnächst": "upcoming",
    "geschlossen": "closed", "abgelaufen": "closed", "beendet": "closed", "inaktiv": "closed", "expired": "closed",
}  # fmt: skip


__all__ = [
    "APPLICATION_WORD", "CLOSED", "CLOSED_WEAK", "CONDITION", "ONGOING", "ONGOING_WORDING", "REVOCATION",
    "STATUS_LABELS", "UPCOMING", "closing_words",
]  # fmt: skip
