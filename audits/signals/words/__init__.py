"""Reservations written in words: classify one sentence of a terms page, imprint or footer.

A creator who never touches robots.txt may still write "No AI training" in a footer or a
"Nutzungsvorbehalt gemäß § 44b UrhG" in an imprint. This module reads one such sentence and
says what it does: ``reserved`` (text and data mining or AI use is reserved), ``partial`` (only
generative AI, only commercial mining, or reserved with an express permission), ``allows`` (an
express permission) or ``none`` (about mining or AI, but no reservation: a service's promise
about its users' data, an explanation of the law, a report of what others write, privacy or
cookie text). It returns ``None`` when the sentence names no act of mining or AI at all, which
is how "All rights reserved" alone is read.

The rules are per-language phrase tables (``_patterns``): an act, a reserving or refusing
phrase, negation shortly before a verb, and the scope phrases that take a sentence out. Every
decision names the phrase that decided it. Offline, deterministic, bounded in length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from audits.signals.words._patterns import (
    GENERIC_DSM,
    LANGS,
    SHARED_AI,
    SHARED_REFUSE,
    SHARED_TDM,
    SPECIFIC_4_3,
    STATUTES,
    TABLES,
    LangTable,
)
from audits.signals.words._prefilter import Prefilter

Kind = Literal["reserved", "partial", "allows", "none"]
Use = Literal["train", "ai-use", "tdm"]

MAX_STATEMENT_CHARS = 1_000
"""Characters of one statement read; the rest is ignored (a statement is a sentence or two)."""
MAX_TEXT_CHARS = 200_000
"""Characters of page text cut into statements."""
MAX_STATEMENTS = 2_000
"""Statements returned for one page text."""
_NEGATION_WINDOW = 24
"""Characters before a verb searched for a negation."""

_USE_ORDER: tuple[Use, ...] = ("train", "ai-use", "tdm")


@dataclass(frozen=True)
class Statement:
    """What one sentence says about text and data mining and AI use, and why."""

    text: str
    kind: Kind
    uses: frozenset[Use]
    lang: str | None
    statutes: tuple[str, ...]
    trigger: str
    """The exact phrase of ``text`` that decided ``kind``."""
    reason: str

    @property
    def reserves(self) -> bool:
        """Whether the sentence reserves something (fully or in part)."""
        return self.kind in ("reserved", "partial")


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    text: str
    lang: str


def names_an_act(text: str) -> bool:
    """Whether any language's mining, AI or training phrase occurs in ``text``: a cheap test
    that lets the long sentences of a terms page which name none of them be skipped. It
    matches a superset of what :func:`classify_statement` looks for (every language at once,
    before boilerplate is masked), so it never skips a sentence the classifier would read."""
    return _ACT_HINTS.may_match(text)


def classify_statement(text: str, lang: str | None = None) -> Statement | None:
    """Classify one sentence or short passage; ``None`` when it names no mining or AI use."""
    bounded = text[:MAX_STATEMENT_CHARS]
    if not bounded.strip() or not names_an_act(bounded):
        return None
    work = _masked(bounded)
    chosen = lang if lang in TABLES else _detect(work)
    tables = _tables_for(chosen)
    statutes = _statutes(bounded)

    tdm = _hits(work, tables, "tdm") + _shared(work, SHARED_TDM, chosen)
    ai = _hits(work, tables, "ai") + _shared(work, SHARED_AI, chosen)
    genai = _hits(work, tables, "genai")
    train = _hits(work, tables, "train") if (ai or genai) else _self_sufficient_train(work, tables)
    ai_use = _hits(work, tables, "ai_use") if (ai or genai) else []
    if not (tdm or ai or genai or train):
        return None
    uses = _uses(tdm, ai, genai, train, ai_use)
    act = _first(tdm + train + ai + genai)

    def make(kind: Kind, trigger: str, reason: str) -> Statement:
        return Statement(
            bounded,
            kind,
            uses if kind != "none" else frozenset(),
            chosen,
            statutes,
            trigger,
            reason,
        )

    service = _hits(work, tables, "service")
    if service:
        return make(
            "none", service[0].text, "A service's promise about its users' data, not a reservation."
        )
    explain = _hits(work, tables, "explain")
    if explain:
        return make(
            "none",
            explain[0].text,
            "Explains the law or reports what others do; it reserves nothing.",
        )

    refusals = _hits(work, tables, "refuse") + _shared(work, SHARED_REFUSE, chosen)
    permits: list[_Hit] = []
    for hit in _hits(work, tables, "reserve"):
        (permits if _negated(work, hit, tables) else refusals).append(hit)
    for hit in _hits(work, tables, "permit"):
        if _inside(hit, refusals):
            continue
        (refusals if _negated(work, hit, tables) else permits).append(hit)
    refusals.sort(key=lambda h: h.start)
    permits.sort(key=lambda h: h.start)
    quoted = _quoted_only(work, refusals)
    if quoted is not None:
        return make("none", quoted, "Quotes a reservation as an example; it does not make one.")

    if not refusals:
        only_non_commercial = _non_commercial_only(work)
        if only_non_commercial and (permits or _MAY_BE_USED_RE.search(work)):
            return make(
                "partial",
                only_non_commercial,
                f"Permits {_names(uses)} for non-commercial use only: commercial use is reserved.",
            )
        if permits:
            return make("allows", permits[0].text, f"Expressly permits {_names(uses)}.")
        privacy = _hits(work, tables, "privacy")
        if privacy:
            return make(
                "none", privacy[0].text, "Privacy or cookie text that mentions AI; no reservation."
            )
        return make("none", act.text, "Mentions mining or AI but neither reserves nor permits it.")
    privacy = _hits(work, tables, "privacy")
    if privacy and not tdm:
        return make(
            "none", privacy[0].text, "Privacy or cookie text about personal data, not about works."
        )

    trigger = refusals[0]
    if permits:
        return make(
            "partial",
            permits[0].text,
            f"Reserves {_names(uses)} ('{trigger.text}') but expressly permits some use.",
        )
    commercial = _hits(work, tables, "commercial")
    if commercial:
        return make(
            "partial", commercial[0].text, f"Reserves {_names(uses)} for commercial use only."
        )
    if genai and not _outside(tdm + ai, genai):
        return make("partial", genai[0].text, "Reserves use by generative AI only.")
    return make("reserved", trigger.text, f"Reserves {_names(uses)} ('{act.text}').")


_LINE_BREAK_RE = re.compile(r"\n\s*\n|\s*[\n\r|•·]\s*")
_NON_COMMERCIAL_RE = re.compile(
    r"\bnon[- ]?commercia(?:l|le|li|les)\b|\bnicht[- ]?kommerziell\w*|\bno comercial\w*|"
    r"\bniet[- ]?commerci[eë]\w*|\bnão[- ]comercia\w*|\bniekomercyjn\w*|非営利|비영리",
    re.I,
)
_ONLY_RE = re.compile(
    r"\b(?:only|nur|ausschließlich|uniquement|seulement|exclusivement|únicamente|solamente|"
    r"solo|soltanto|esclusivamente|alleen|uitsluitend|apenas|somente|wyłącznie|tylko)\b|"
    r"のみ|に限り|에 한",
    re.I,
)
_MAY_BE_USED_RE = re.compile(
    r"\b(?:may|can) be (?:freely )?used\b|\bdürfen\b[^.]{0,60}\b(?:genutzt|verwendet)\b|"
    r"\bpeu(?:t|vent) être utilisée?s?\b|\bpueden? ser utilizad|\bposs(?:o|ono) essere utilizzat|"
    r"\bmogen worden gebruikt\b|\bpodem? ser utilizad|\bmogą być wykorzystywan",
    re.I,
)
"""A permission limited to non-commercial use reserves commercial use: ``partial``."""


def _non_commercial_only(text: str) -> str | None:
    """The "non-commercial" of a sentence that also says "only", or None."""
    found = _NON_COMMERCIAL_RE.search(text)
    return found.group(0) if found and _ONLY_RE.search(text) else None


_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’»)\]]*\s+|[。！？]\s*")
_ABBREVIATION_RE = re.compile(
    r"(?:^|[\s(])(?:[^\W\d_]|[^\W\d_]\.[^\W\d_]|"
    r"art|arts|abs|nr|no|vgl|bzw|ca|co|inc|ltd|dr|prof|mr|mrs|ms|st|sr|jr|etc|cf|al|"
    r"ch|cap|chap|sec|par|para|pp|vol|ed|eds|fig|ord|núm|n|cod|cód|ecc|bzw|usw|evtl|ggf|"
    r"ust|ust-id|hrb|e\.g|i\.e|z\.b|u\.a|d\.h|i\.v|i\.s|s\.a|b\.v|n\.v)\.$",
    re.I,
)
"""A word before a full stop that does not end a sentence: one letter (an initial, "L." of
the French code), a common abbreviation of law and address texts (Art., Abs., Nr., e.g.)."""


def _sentences(line: str) -> list[str]:
    """One line cut at sentence ends, not after an abbreviation nor before a lower-case letter
    or a digit (``art. 70-quater``, ``§ 44b Abs. 3``)."""
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(line):
        end = match.end()
        if match.group(0)[0] == ".":
            head = line[start : match.start() + 1]
            after = line[end : end + 1]
            if _ABBREVIATION_RE.search(head) or (after and (after.islower() or after.isdigit())):
                continue
        out.append(line[start:end])
        start = end
    out.append(line[start:])
    return out


def split_statements(text: str) -> list[str]:
    """Cut page text into statements (sentences and lines), each and their number bounded."""
    bounded = text[:MAX_TEXT_CHARS]
    out: list[str] = []
    pieces = (s for line in _LINE_BREAK_RE.split(bounded) for s in _sentences(line))
    for piece in pieces:
        stripped = " ".join(piece.split())
        if len(stripped) < 3:
            continue
        while stripped and len(out) < MAX_STATEMENTS:
            out.append(stripped[:MAX_STATEMENT_CHARS])
            stripped = stripped[MAX_STATEMENT_CHARS:]
        if len(out) >= MAX_STATEMENTS:
            break
    return out


def _masked(text: str) -> str:
    """Blank out boilerplate such as "all rights reserved", keeping offsets."""
    for table in TABLES.values():
        for pattern in table.masks:
            text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


_HIRAGANA_KATAKANA_RE = re.compile(r"[\u3040-\u30ff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af]")
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")
_WORD_RE = re.compile(r"[^\W\d_]+", re.U)


def _detect(text: str) -> str | None:
    """The language whose phrases and common words match most; script decides ja and ko."""
    if _HIRAGANA_KATAKANA_RE.search(text):
        return "ja"
    if _HANGUL_RE.search(text):
        return "ko"
    if _CJK_RE.search(text):
        return "ja"
    words = [w.lower() for w in _WORD_RE.findall(text)]
    best: str | None = None
    best_score = 0
    for code in LANGS:
        table = TABLES[code]
        if not table.stopwords:
            continue
        score = sum(1 for w in words if w in table.stopwords)
        for group in (table.tdm, table.ai, table.train, table.reserve, table.refuse, table.permit):
            score += 2 * sum(1 for p in group if p.search(text))
        if score > best_score:
            best, best_score = code, score
    return best


def _tables_for(lang: str | None) -> tuple[LangTable, ...]:
    if lang is None or lang == "en":
        return (TABLES["en"],)
    return (TABLES[lang], TABLES["en"])


def _hits(text: str, tables: tuple[LangTable, ...], field: str) -> list[_Hit]:
    found: list[_Hit] = []
    for table in tables:
        patterns: tuple[re.Pattern[str], ...] = getattr(table, field)
        for pattern in patterns:
            for match in pattern.finditer(text):
                if match.group(0).strip():
                    found.append(
                        _Hit(match.start(), match.end(), match.group(0).strip(), table.lang)
                    )
    found.sort(key=lambda h: (h.start, -h.end))
    return found


def _shared(text: str, patterns: tuple[re.Pattern[str], ...], lang: str | None) -> list[_Hit]:
    return [
        _Hit(m.start(), m.end(), m.group(0).strip(), lang or "en")
        for p in patterns
        for m in p.finditer(text)
        if m.group(0).strip()
    ]


_SELF_SUFFICIENT_TRAIN_RE = re.compile(
    r"machine[- ]learning|maschinell\w* Lernen|KI-Training|AI-training|apprentissage automatique|"
    r"aprendizaje automático|apprendimento automatico|uczeni\w* maszynow|"
    r"機械学習|AI学習|기계 ?학습|머신 ?러닝",
    re.I,
)


def _act_hints() -> Prefilter:
    """Every act phrase of every language, behind a literal prefilter."""
    patterns = [
        p
        for table in TABLES.values()
        for group in (table.tdm, table.ai, table.genai)
        for p in group
    ]
    return Prefilter([*patterns, *SHARED_TDM, *SHARED_AI, _SELF_SUFFICIENT_TRAIN_RE])


def _self_sufficient_train(text: str, tables: tuple[LangTable, ...]) -> list[_Hit]:
    """Training words that mean machine learning without another AI word beside them."""
    lang = tables[0].lang
    return [
        _Hit(m.start(), m.end(), m.group(0), lang) for m in _SELF_SUFFICIENT_TRAIN_RE.finditer(text)
    ]


_ACT_HINTS = _act_hints()


def _uses(
    tdm: list[_Hit], ai: list[_Hit], genai: list[_Hit], train: list[_Hit], ai_use: list[_Hit]
) -> frozenset[Use]:
    uses: set[Use] = set()
    if tdm:
        uses.add("tdm")
    if train:
        uses.add("train")
    if ai_use or ((ai or genai) and not train):
        uses.add("ai-use")
    return frozenset(uses)


def _negated(text: str, hit: _Hit, tables: tuple[LangTable, ...]) -> bool:
    """Whether a negation stands shortly before the phrase (within the same clause)."""
    before = text[max(0, hit.start - _NEGATION_WINDOW) : hit.start]
    before = re.split(r"[,;:.()\[\]]", before)[-1]
    table = next((t for t in tables if t.lang == hit.lang), tables[0])
    if table.negation is None:
        return False
    return bool(table.negation.search(before))


_QUOTED_RE = re.compile(
    r'"[^"]{1,160}"|“[^”]{1,160}”|„[^“”]{1,160}[“”]|«[^»]{1,160}»|「[^」]{1,160}」|『[^』]{1,160}』'
)


def _quoted_only(text: str, refusals: list[_Hit]) -> str | None:
    """The quotation holding every refusal, when the sentence is mostly not that quotation."""
    if not refusals:
        return None
    spans = [m for m in _QUOTED_RE.finditer(text)]
    quoted_chars = sum(m.end() - m.start() for m in spans)
    if not spans or quoted_chars > 0.6 * len(text.strip()):
        return None
    for hit in refusals:
        if not any(m.start() < hit.start and hit.end < m.end() for m in spans):
            return None
    holder = next(m for m in spans if m.start() < refusals[0].start < m.end())
    return holder.group(0)


def _inside(hit: _Hit, others: list[_Hit]) -> bool:
    return any(o.start <= hit.start and hit.end <= o.end for o in others)


def _outside(hits: list[_Hit], spans: list[_Hit]) -> bool:
    """Whether any hit lies outside every span (an act wider than the spans)."""
    return any(not any(s.start <= h.start and h.end <= s.end for s in spans) for h in hits)


def _first(hits: list[_Hit]) -> _Hit:
    return min(hits, key=lambda h: h.start)


def _names(uses: frozenset[Use]) -> str:
    labels = {"train": "AI training", "ai-use": "use by AI systems", "tdm": "text and data mining"}
    named = [labels[u] for u in _USE_ORDER if u in uses]
    return " and ".join(named) if named else "this use"


def _statutes(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for pattern, name in STATUTES:
        if pattern.search(text) and name not in found:
            found.append(name)
    if SPECIFIC_4_3 in found and GENERIC_DSM in found:
        found.remove(GENERIC_DSM)
    return tuple(found)


__all__ = [
    "MAX_STATEMENTS",
    "MAX_STATEMENT_CHARS",
    "MAX_TEXT_CHARS",
    "Kind",
    "Statement",
    "Use",
    "classify_statement",
    "split_statements",
]
