"""Per-language phrase tables for reservations written in words (read only by this package).

Each language lists the phrases that name the act (text and data mining, AI training, use by AI
systems), the phrases that reserve or refuse it, the phrases that permit it, and the phrases
that put a sentence out of scope: a service's promise about its users' data, an explanation of
the law, a report of what other people write, privacy and cookie text. The tables are plain
regular expressions so that every decision can name the words that made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANGS: tuple[str, ...] = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "ja", "ko")

_FLAGS = re.I | re.U


@dataclass(frozen=True)
class LangTable:
    """The compiled phrase classes of one language; an empty tuple means none for it."""

    lang: str
    tdm: tuple[re.Pattern[str], ...]
    ai: tuple[re.Pattern[str], ...]
    train: tuple[re.Pattern[str], ...]
    ai_use: tuple[re.Pattern[str], ...]
    genai: tuple[re.Pattern[str], ...]
    reserve: tuple[re.Pattern[str], ...]
    """Verbs and nouns that reserve or prohibit; negated ("not prohibited") they permit."""
    refuse: tuple[re.Pattern[str], ...]
    """Phrases that are refusals by themselves ("may not", "without consent")."""
    permit: tuple[re.Pattern[str], ...]
    """Verbs that permit; negated ("not permitted", "no … is allowed") they refuse."""
    service: tuple[re.Pattern[str], ...]
    explain: tuple[re.Pattern[str], ...]
    privacy: tuple[re.Pattern[str], ...]
    commercial: tuple[re.Pattern[str], ...]
    negation: re.Pattern[str] | None
    """Words that, shortly before a verb, turn it around; None for languages that negate after."""
    masks: tuple[re.Pattern[str], ...]
    """Boilerplate removed before matching ("all rights reserved")."""
    stopwords: frozenset[str]


def _c(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, _FLAGS) for p in patterns)


# Shared by every language: words written the same way almost everywhere.
SHARED_AI = (
    # Case-sensitive: "ai", "si" and "ia" are ordinary words in Italian, Spanish and Polish.
    re.compile(r"(?<![\w.])(?:AI|A\.I\.|KI|IA|IAs|SI|LLMs?|GPT)(?![\w])", re.U),
    *_c(r"\bchatbots?\b", r"\bdeep[- ]learning\b"),
)
SHARED_TDM = _c(
    r"\bTDM\b", r"\bdata[- ]?mining\b", r"\btext[- ]?(?:and|&|und|e|en|y|i)[- ]?data[- ]?mining\b"
)
SHARED_REFUSE = _c(
    r"\bopt(?:s|ed|ing)?[- ]?out\b",
    # "No AI", "no-AI", "#NoAI"; but not "noai" in running text, the name of the meta
    # directive ("the app marks their pages noai"), which describes a mechanism.
    r"(?:\bno[\s-]+|#no\s?)(?:AI|A\.I\.)\b(?=\s*(?:$|[.!,;:|/]|training|scraping|use|learning|datasets?))",
)

TABLES: dict[str, LangTable] = {
    "en": LangTable(
        lang="en",
        tdm=_c(
            r"\btext (?:and|&) data[- ]mining\b",
            r"\b(?:web[- ])?scrap(?:e|es|ed|ing|ers?)\b",
            r"\bcrawl(?:ing|ers?)\b",
            r"\bharvest(?:ing)?\b",
            r"\bcontent mining\b",
        ),
        ai=_c(
            r"\bartificial intelligence\b",
            r"\bmachine[- ]learning\b",
            r"\b(?:large )?language models?\b",
            r"\bneural networks?\b",
            r"\b(?:AI|ML) (?:models?|systems?|tools?|companies|crawlers?|bots?)\b",
        ),
        train=_c(
            r"\btrain(?:s|ed|ing)?\b",
            r"\bmachine[- ]learning\b",
            r"\b(?:training )?data ?sets?\b",
            r"\bteach(?:ing)? (?:an? )?(?:AI|models?)\b",
            r"\bfine[- ]tun(?:e|ing)\b",
        ),
        ai_use=_c(
            r"\b(?:answers?|responses?|outputs?|summar(?:y|ies|ise|ize))\b",
            r"\bgenerat(?:e|ing) content\b",
        ),
        genai=_c(
            r"\bgenerative (?:AI|A\.I\.|artificial intelligence|models?|systems?)\b",
            r"\bgen-?AI\b",
            r"\bimage generat(?:ors?|ion)\b",
        ),
        reserve=_c(
            r"\breserv(?:e|es|ed|ing|ation)\b",
            r"\bprohibit(?:s|ed|ion)?\b",
            r"\bforbid(?:s|den)?\b",
            r"\bban(?:s|ned)?\b",
            r"\bobject(?:s|ing)? to\b",
            r"\bexclud(?:e|es|ed)\b",
            r"\bdisallow(?:s|ed)?\b",
        ),
        refuse=_c(
            r"\b(?:may|must|shall|can|will) ?not\b(?! be (?:responsible|liable))",
            r"\b(?:mustn't|cannot|can't|shan't)\b",
            r"\b(?:do|does) not (?:give|grant|consent|permit|authori[sz]e|allow|license)\b",
            r"\b(?:do not|don't|never) (?:use|scrape|train|feed|upload|copy|mine|crawl|harvest|do)"
            r"\b",
            r"\bwithout (?:the |our |my |its |their )?(?:prior |express |explicit |written |specif"
            r"ic )*"
            r"(?:consent|permission|authori[sz]ation|licen[cs]e)\b",
            r"\b(?:only|solely) (?:be )?(?:permitted|allowed|authori[sz]ed) (?:with|upon|after|und"
            r"er)\b",
            r"\brequires? (?:our |my |the )?(?:prior |express |written )*(?:consent|permission|lic"
            r"en[cs]e)\b",
            r"\bnot for (?:use in |use for |use as |the )?(?:AI|training|machine|text)\b",
            r"\bnot to be used\b",
            r"\brights reserved[,;]? (?:including|incl\.?|for|in respect of|with respect to)\b",
            r"\bonly with (?:the |our |my |its )?(?:prior |express |explicit |written |specific )*"
            r"(?:consent|permission|authori[sz]ation|licen[cs]e)\b",
            r"(?:^|[.!;:]\s+)\W*no\b[^.]{0,80}\b(?:is|are) (?:permitted|allowed|authori[sz]ed)\b",
            r"\bno (?:AI|A\.I\.|ML|machine[- ]learning)[- ](?:training|scraping|learning|use|datas"
            r"ets?)\b",
        ),
        permit=_c(
            r"\bpermitted\b",
            r"\ballowed\b",
            r"\bauthori[sz]ed\b",
            r"\blicen[cs]ed\b",
            r"\b(?:is|are) welcome\b",
            r"\b(?:we|I) (?:permit|allow|welcome|grant|license|licence|authori[sz]e)\b",
            r"\byou (?:may|can|are free to) (?:use|mine|train|crawl|index)\b",
            r"\bfree to use\b",
            r"\bgrants? (?:us|you|them) (?:a |the )?(?:[\w-]+ ){0,4}(?:licen[cs]e|right)\b",
            r"\bopt(?:s|ed)?[- ]in\b",
        ),
        service=_c(
            r"\bwe (?:\w+ )?(?:do not|don't|will not|won't|never|are not|shall not|doesn't)\b[^.]{"
            r"0,80}\b(?:your|customers?'?|users?'?|clients?'?)\b",
            r"\byour (?:data|content|files?|prompts?|inputs?|conversations?|chats?|photos?|images?|"
            r"information|uploads?|documents?|personal data|messages?)\b[^.]{0,60}"
            r"\b(?:will|is|are|shall) (?:not|never)\b",
            r"\byour (?:data|content|files?|prompts?|inputs?)\b[^.]{0,60}\b(?:won't|isn't|aren't)"
            r"\b",
            r"\bour (?:own )?(?:AI )?models?\b[^.]{0,40}\b(?:your|customer|user)\b",
        ),
        explain=_c(
            r"\b(?:right ?s?[- ]?holders?|copyright (?:owners?|holders?)|authors|creators|artists|"
            r"publishers|owners|you)\b[^.]{0,30}\b(?:can|may|could|must|should|are able to|have th"
            r"e "
            r"(?:right|option|possibility) to)\b[^.]{0,40}\b(?:reserve|opt[- ]?out|object|express|"
            r"prevent|block)",
            r"\bunless (?:the )?(?:right ?s?[- ]?holders?|copyright (?:owners?|holders?)|author|ow"
            r"ner)\b",
            r"\bhow (?:to|can|do)\b",
            r"\?\s*$",
            r"\b(?:directive|the law|the act|the exception|the court|judgment|regulation|legislati"
            r"on)\b"
            r"[^.]{0,80}\b(?:allows?|permits?|provides?|introduces?|held|requires?|defines?)\b",
            r"\b(?:many|more and more|some|most|other)\s+(?:\w+\s+)?(?:artists|creators|people|sit"
            r"es|websites|publishers|companies|firms)\b",
            r"\b(?:has|have) updated (?:its|their)\b",
            r"\b(?:according to|reportedly|(?:said|says|stated|reported) that)\b",
            r"\bis (?:only )?(?:allowed|permitted|lawful) (?:unless|if|where|provided)\b",
            r"\b(?:being|been|are being) (?:used|included|scraped)\b[^.]{0,100}\bwithout (?:our|th"
            r"eir) consent\b",
            r"\b(?:lawsuit|sued|theft|protest|open letter)\b",
            r"\b(?:considered|is) (?:part of )?(?:the )?public domain\b",
            r"\bwe specialize\b",
            r"\btheir (?:terms|ToS|policy|policies|licen[cs]es?)\b",
            r"\b(?:a |the )?(?:heavy |large |vast |clear |great )?majority of\b|\bmajority\b",
            r"\bgenerally (?:prohibited|forbidden|not (?:allowed|permitted)|allowed|permitted)\b",
            r"\b(?:is|are) being (?:scraped|used|taken|stolen|fed|harvested)\b",
        ),
        privacy=_c(
            r"\bpersonal (?:data|information)\b",
            r"\bprivacy\b",
            r"\bcookies?\b",
            r"\bGDPR\b",
            r"\btracking technologies\b",
        ),
        commercial=_c(
            r"(?<!non-)(?<!non )\bcommercial (?:text|TDM|data|AI|purposes?|use|uses|training|explo"
            r"itation)\b"
        ),
        negation=re.compile(r"\b(?:not|no|never|nor)\b|n't\b", _FLAGS),
        masks=_c(
            r"\ball rights reserved\b"
            r"(?![,;]? (?:including|incl|for|in respect of|with respect to))",
            r"\bcopyright ©?",
        ),
        stopwords=frozenset(
            [
                "the",
                "and",
                "of",
                "to",
                "is",
                "may",
                "not",
                "your",
                "our",
                "for",
                "be",
                "are",
                "this",
                "with",
                "any",
            ]
        ),
    ),
    "de": LangTable(
        lang="de",
        tdm=_c(
            r"\bText-?\s*(?:und|&)\s*Data[- ]?Mining\b",
            r"\bData[- ]?Mining\b",
            r"\bText[- ]?Mining\b",
            r"\bScrap(?:ing|en|er)\b",
            r"\bCrawl(?:ing|er|en)\b",
            r"\bautomatisiert\w* (?:Analyse|Auslesen|Abruf|Erfassung)\b",
        ),
        ai=_c(
            r"\bkünstliche\w* Intelligenz\b",
            r"\bmaschinell\w* Lernen\w*\b",
            r"\bSprachmodell\w*\b",
            r"\bKI-\w+",
        ),
        train=_c(
            r"\btrainier\w*\b",
            r"\bTraining\w*\b",
            r"\bmaschinell\w* Lernen\w*\b",
            r"\bTrainingsdat\w*\b",
            r"\bDatens[äa]tz\w*\b",
            r"\bKI-Training\w*\b",
        ),
        ai_use=_c(r"\bAntworten\b", r"\bZusammenfassung\w*\b"),
        genai=_c(r"\bgenerativ\w* (?:KI|AI|künstlich\w* Intelligenz|Modell\w*|Systeme?)(?:-\w+)?"),
        reserve=_c(
            r"\bvorbehalt\w*\b",
            r"\bNutzungsvorbehalt\w*\b",
            r"\bbehält sich\b|\bbehalten (?:uns|sich)\b|\bbehalte mir\b",
            r"\buntersag\w*\b",
            r"\bverbot\w*\b",
            r"\bwidersprech\w*\b|\bwiderspricht\b|\bWiderspruch\b|\bwidersprochen\b",
            r"\bausgeschlossen\b",
        ),
        refuse=_c(
            r"\b(?:darf|dürfen)\b[^.]{0,60}\bnicht\b",
            r"\bnicht\b[^.]{0,40}\b(?:verwendet|genutzt|benutzt|eingesetzt|verarbeitet) werden\b",
            r"\bunzulässig\b",
            r"\bohne (?:die |unsere |meine )?(?:vorherige |ausdrückliche |schriftliche )*"
            r"(?:Zustimmung|Genehmigung|Erlaubnis|Einwilligung|Lizenz)\b",
            r"\bnur mit (?:vorheriger |ausdrücklicher |schriftlicher )*(?:Zustimmung|Genehmigung|E"
            r"rlaubnis)\b",
            r"\bbedarf (?:der|einer) (?:vorherigen |ausdrücklichen |schriftlichen )*(?:Zustimmung|"
            r"Genehmigung|Lizenz)\b",
            r"\bkein\w* (?:KI|AI)[- ]?Training\b",
        ),
        permit=_c(
            r"\bgestattet\b",
            r"\berlaubt\b",
            r"\bzulässig\b",
            r"\bfreigegeben\b",
            r"\b(?:wir|ich) (?:erlauben|gestatten|erlaube|gestatte)\b",
            r"\bdürfen (?:gerne|frei)\b",
        ),
        service=_c(
            r"\bwir (?:verwenden|nutzen|benutzen|geben|trainieren)\b[^.]{0,80}\b(?:nicht|keine|nie"
            r"mals)\b",
            r"\bIhre (?:Daten|Inhalte|Dateien|Eingaben|Fotos|Bilder)\b[^.]{0,80}\b(?:nicht|niemals"
            r")\b",
        ),
        explain=_c(
            r"\bRechte?s?inhaber\w*\b[^.]{0,60}\b(?:kann|können|muss|müssen|hat|haben|sich diese)"
            r"\b",
            r"\bnur (?:dann )?(?:zulässig|wirksam)\b",
            r"\bsofern\b[^.]{0,40}\bnicht\b",
            r"\bwenn (?:der|die) (?:Rechte?s?inhaber|Urheber)",
            r"^\s*\(\d+\)\s",
            r"\b(?:Gericht|Landgericht|Oberlandesgericht|Urteil|Gesetzgeber|Richtlinie|Schranke\w*"
            r")\b",
            r"\bwie (?:kann|können|schütze)\b",
            r"\?\s*$",
            r"\bist die automatisierte Analyse\b",
            r"\bdes Rechte?s?inhabers\b",
            r"\bsteht\b[^.]{0,80}\bunter (?:einem|dem) \w*[Vv]orbehalt",
            r"\b(?:will|muss|kann) er\b",
            r"\bherrschende[nr]? Meinung\b",
            r"\b(?:\w*reform|Gesetz|Richtlinie|§ ?\d+\w* UrhG)\b"
            r"[^.]{0,60}\b(?:erlaubt|gestattet)\b",
        ),
        privacy=_c(r"\bpersonenbezogen\w*\b", r"\bDatenschutz\w*\b", r"\bCookies?\b", r"\bDSGVO\b"),
        commercial=_c(r"(?<!nicht-)(?<!nicht )\b(?:kommerziell\w*|gewerblich\w*)\b"),
        negation=re.compile(r"\b(?:nicht|kein\w*|nie|niemals|weder)\b", _FLAGS),
        masks=_c(
            r"\balle Rechte vorbehalten\b",
            r"\bÄnderungen vorbehalten\b",
            r"\bIrrtümer vorbehalten\b",
        ),
        stopwords=frozenset(
            [
                "der",
                "die",
                "das",
                "und",
                "ist",
                "nicht",
                "für",
                "zu",
                "wir",
                "sie",
                "von",
                "mit",
                "auf",
                "den",
                "dem",
                "des",
            ]
        ),
    ),
    "fr": LangTable(
        lang="fr",
        tdm=_c(
            r"\bfouilles? (?:de|des) (?:textes?|données)\b",
            r"\bextraction de (?:textes? et de )?données\b",
            r"\bmoissonn\w*\b",
            r"\baspiration\b",
        ),
        ai=_c(
            r"\bintelligences? artificielles?\b",
            r"\bapprentissage (?:automatique|machine|profond)\b",
            r"\bmodèles? de langage\b",
            r"\bentra[îi]nement (?:de |des |d'un |du )?modèles?\b",
        ),
        train=_c(
            r"\bentraîn\w*\b",
            r"\bapprentissage\b",
            r"\bjeux? de données\b",
            r"\bcorpus d'entraînement\b",
        ),
        ai_use=_c(r"\bréponses?\b", r"\brésumés?\b"),
        genai=_c(r"\b(?:IA|intelligence artificielle) générative\b"),
        reserve=_c(
            r"\b(?:s'|m'|nous nous |vous vous )oppos\w*\b",
            r"\bopposition\b",
            r"\binterdi(?:t|te|ts|tes|ction)\b",
            r"\bréserv(?:e|é|ée|és|ées|ent)\b",
            r"\bexclu(?:e|es|s)?\b",
            r"\bprohib\w*\b",
        ),
        refuse=_c(
            r"\bsans (?:l'|le |notre |mon )?(?:accord|autorisation|consentement)\b",
            r"\bsoumise? à (?:l')?autorisation\b",
            r"\bne (?:peut|peuvent|doit|doivent|pourra|pourront)\b[^.]{0,30}\bpas\b",
        ),
        permit=_c(
            r"\bautoris(?:é|ée|és|ées|e|ons)\b",
            r"\bpermis(?:e|es)?\b",
            r"\b(?:nous|je) (?:accordons|permettons)\b",
        ),
        service=_c(
            r"\bnous n'(?:utilisons|exploitons|entraînons)\b[^.]{0,20}\b(?:pas|jamais)\b",
            r"\bvos (?:données|contenus|fichiers|photos|images)\b[^.]{0,60}\bne (?:sont|seront)\b",
        ),
        explain=_c(
            r"\bsauf si\b",
            r"\b(?:ayants droit|titulaires? de droits?|auteurs?|éditeurs?|créateurs?)\b[^.]{0,60}"
            r"\b(?:peu[tv]ent|ont la possibilité|doivent|pourront)\b",
            r"\bvous (?:pouvez|ne pouvez pas) vous opposer\b",
            r"\b(?:ils|elles) peuvent\b",
            r"\b(?:créateur|exploitant|éditeur)s?\b[^.]{0,120}\bdoi(?:t|vent)\b",
            r"\bcomment\b",
            r"\b(?:directive|tribunal|juges?|décret|exception|loi)\b[^.]{0,80}\b(?:autoris\w*|perm"
            r"et|prévoit|estim\w*|a jugé)\b",
            r"\?\s*$",
            r"\bpermettant (?:de |d['’])(?:s['’]opposer|interdire|exclure|réserver)\b",
            r"\b(?:a|ont) interdit\b",
        ),
        privacy=_c(r"\bdonnées personnelles\b", r"\bcookies?\b", r"\bRGPD\b", r"\bvie privée\b"),
        commercial=_c(r"(?<!non )\b(?:à des fins commerciales|commerciale?s?)\b"),
        negation=re.compile(r"\b(?:ne|n'|pas|non|jamais|aucun\w*|ni)\b|\bn'", _FLAGS),
        masks=_c(r"\btous droits réservés\b"),
        stopwords=frozenset(
            [
                "le",
                "la",
                "les",
                "des",
                "et",
                "est",
                "pas",
                "pour",
                "du",
                "ne",
                "une",
                "un",
                "sur",
                "au",
                "aux",
            ]
        ),
    ),
    "es": LangTable(
        lang="es",
        tdm=_c(
            r"\bminería de (?:textos y datos|datos|textos)\b",
            r"\bextracción (?:automatizada )?de datos\b",
            r"\brastre\w*\b",
        ),
        ai=_c(
            r"\binteligencia artificial\b",
            r"\baprendizaje (?:automático|profundo)\b",
            r"\bmodelos? de lenguaje\b",
        ),
        train=_c(
            r"\bentrena\w*\b",
            r"\bcapacitación\b",
            r"\baprendizaje automático\b",
            r"\bconjuntos de datos\b",
        ),
        ai_use=_c(r"\brespuestas?\b", r"\bresúmen\w*\b"),
        genai=_c(r"\b(?:IA|inteligencia artificial) generativa\b", r"\bIAG\b"),
        reserve=_c(
            r"\bse reserva\w*\b",
            r"\breservad[oa]s?\b",
            r"\bprohib\w*\b",
            r"\b(?:se opone|nos oponemos|me opongo)\b",
            r"\boposición\b",
            r"\bexclu(?:ido|ida|idos|idas|imos|ye)\b",
        ),
        refuse=_c(
            r"\bsin (?:el |la |nuestro |nuestra )?(?:previo |previa |expreso |expresa )*(?:consent"
            r"imiento|autorización|permiso)\b",
            r"\brequerir[áa] (?:la |el )?(?:autorización|consentimiento)\b",
            r"\bno (?:podrá|podrán|puede|pueden|debe|deben) (?:ser )?(?:utilizad|usad)\w*\b",
            r"\bno incluye\b",
        ),
        permit=_c(
            r"\bpermitid[oa]s?\b",
            r"\bautorizad[oa]s?\b",
            r"\bse permite\b",
            r"\b(?:permitimos|autorizamos)\b",
        ),
        service=_c(
            r"\bno (?:utilizamos|usamos|empleamos)\b",
            r"\bsus (?:datos|contenidos|archivos)\b[^.]{0,60}\bno (?:se|serán|son)\b",
        ),
        explain=_c(
            r"\bsalvo que\b|\ba menos que\b|\bsalvo si\b",
            r"\bprohibió\b|\bprohibieron\b",
            r"\btitular(?:es)? de (?:los )?derechos\b[^.]{0,60}\b(?:puede|pueden|no puede)\b",
            r"\bcómo\b",
            r"\bha decidido\b|\bsegún\b",
            r"\b(?:directiva|ley|límite|excepción)\b[^.]{0,60}\b(?:permite|autoriza|establece|reco"
            r"noce)\b",
            r"\?\s*$",
        ),
        privacy=_c(r"\bdatos personales\b", r"\bcookies?\b", r"\bprivacidad\b", r"\bRGPD\b"),
        commercial=_c(r"(?<!no )\b(?:fines comerciales|comercial(?:es)?)\b"),
        negation=re.compile(r"\b(?:no|ni|nunca|jamás|ningún|ninguna)\b", _FLAGS),
        masks=_c(r"\btodos los derechos reservados\b", r"\breservados todos los derechos\b"),
        stopwords=frozenset(
            ["el", "los", "las", "y", "del", "para", "por", "que", "no", "se", "con", "una", "su"]
        ),
    ),
    "it": LangTable(
        lang="it",
        tdm=_c(
            r"\bestrazione di (?:testo e di dati|testi e dati|dati)\b",
            r"\bscraping\b",
            r"\braccolta automatizzata\b",
        ),
        ai=_c(
            r"\bintelligenza artificiale\b",
            r"\bapprendimento (?:automatico|profondo)\b",
            r"\bmodelli? linguistic\w*\b",
        ),
        train=_c(
            r"\baddestra\w*\b", r"\ballena\w*\b", r"\bapprendimento automatico\b", r"\bdataset\b"
        ),
        ai_use=_c(r"\brisposte\b", r"\briassunt\w*\b"),
        genai=_c(r"\b(?:IA|intelligenza artificiale) generativa\b"),
        reserve=_c(
            r"\b(?:si )?riserv(?:a|ano|ato|ata|ati|ate|iamo)\b",
            r"\bvietat[oaie]\b|\bdivieto\b|\bvieta\b",
            r"\b(?:si oppone|ci opponiamo)\b",
            r"\bopposizione\b",
            r"\bescluso\b|\besclusa\b",
            r"\bproibit\w*\b",
        ),
        refuse=_c(
            r"\bsenza (?:il |la |previo |previa |espresso |esplicito |espressa |scritto |scritta )"
            r"*(?:consenso|autorizzazione|permesso)\b",
            r"\bprevia autorizzazione\b",
            r"\bnon (?:può|possono|potrà|potranno|deve|devono) essere utilizzat\w*\b",
        ),
        permit=_c(
            r"\bconsentit[oaie]\b",
            r"\bautorizzat[oaie]\b",
            r"\bpermess[oaie]\b",
            r"\bautorizziamo\b",
        ),
        service=_c(
            r"\bnon (?:utilizziamo|usiamo)\b",
            r"\bi (?:tuoi|suoi|vostri) (?:dati|contenuti)\b[^.]{0,60}\bnon\b",
        ),
        explain=_c(
            r"\bsalvo che\b|\bin assenza di\b|\ba meno che\b",
            r"\btitolar[ei] (?:dei|del) diritt[io]\b[^.]{0,60}\b(?:può|possono)\b",
            r"\bcome (?:proteggere|esercitare)\b",
            r"\b(?:direttiva|legge|eccezione)\b[^.]{0,80}\b(?:consente|permette|introduce|stabilis"
            r"ce|prevede)\b",
            r"\bArt\. [34]: per\b",
            r"\bpurché\b",
            r"\b(?:ai|i) titolari\b",
            r"\bha aggiornato\b",
            r"\bspecifica(?:no)? (?:ora )?che\b",
            r"\?\s*$",
        ),
        privacy=_c(r"\bdati personali\b", r"\bcookies?\b", r"\bprivacy\b", r"\bGDPR\b"),
        commercial=_c(r"(?<!non )\b(?:fini commerciali|commercial[ei])\b"),
        negation=re.compile(r"\b(?:non|né|mai|nessun\w*)\b", _FLAGS),
        masks=_c(r"\btutti i diritti (?:sono )?riservati\b"),
        stopwords=frozenset(
            [
                "il",
                "lo",
                "gli",
                "della",
                "di",
                "per",
                "che",
                "non",
                "è",
                "e",
                "dei",
                "delle",
                "sono",
                "una",
            ]
        ),
    ),
    "nl": LangTable(
        lang="nl",
        tdm=_c(
            r"\btekst-?\s*en\s*data[- ]?mining\b",
            r"\btekst-?\s*en\s*gegevensmining\b",
            r"\bschrap(?:en|t)\b",
            r"\bscrapen\b",
        ),
        ai=_c(r"\bkunstmatige intelligentie\b", r"\bmachine learning\b", r"\btaalmodel\w*\b"),
        train=_c(r"\btrain\w*\b", r"\bmachine learning\b", r"\bdatasets?\b", r"\bAI-training\b"),
        ai_use=_c(r"\bantwoorden\b", r"\bsamenvatting\w*\b"),
        genai=_c(r"\bgeneratieve (?:AI|KI|kunstmatige intelligentie)\b"),
        reserve=_c(
            r"\bvoorbehoud\w*\b|\bvoorbehouden\b",
            r"\bbehoudt zich\b|\bbehouden (?:zich|ons)\b",
            r"\bverbod\w*\b|\bverboden\b",
            r"\bmaakt bezwaar\b|\bbezwaar\b",
            r"\buitgesloten\b",
        ),
        refuse=_c(
            r"\bniet\b[^.]{0,30}\b(?:toegestaan|worden gebruikt|gebruiken|gebruikt worden)\b",
            r"\bzonder (?:voorafgaande |uitdrukkelijke |schriftelijke )*toestemming\b",
            r"\b(?:mag|mogen)\b[^.]{0,50}\bniet\b",
            r"\bniet (?:schrapen|scrapen|trainen)\b",
        ),
        permit=_c(
            r"\btoegestaan\b",
            r"\b(?:staan|staat) (?:\w+ ){0,3}toe\b",
            r"\bmag (?:vrij )?(?:gebruikt|gebruiken)\b",
        ),
        service=_c(
            r"\b(?:wij|we) gebruiken\b[^.]{0,60}\bniet\b",
            r"\buw (?:gegevens|content|inhoud|bestanden)\b[^.]{0,60}\bniet\b",
        ),
        explain=_c(
            r"\btenzij\b",
            r"\brechthebbende[n]?\b[^.]{0,60}\b(?:kan|kunnen|moet|moeten)\b",
            r"\b(?:uitgevers|makers|auteurs)\b[^.]{0,60}\b(?:mogen|kunnen)\b",
            r"\bhoe\b[^.]{0,20}\b(?:voorkom|bescherm)\w*",
            r"\b(?:richtlijn|uitzondering|Auteurswet|wet)\b[^.]{0,80}\b(?:staat|toegestaan|voorzie"
            r"t|bevat)\b",
            r"\?\s*$",
        ),
        privacy=_c(r"\bpersoonsgegevens\b", r"\bcookies?\b", r"\bprivacy\w*\b", r"\bAVG\b"),
        commercial=_c(r"(?<!niet-)\b(?:commerciële|commercieel)\b"),
        negation=re.compile(r"\b(?:niet|geen|nooit)\b", _FLAGS),
        masks=_c(r"\balle rechten voorbehouden\b"),
        stopwords=frozenset(
            [
                "de",
                "het",
                "een",
                "en",
                "van",
                "voor",
                "niet",
                "is",
                "zijn",
                "wij",
                "ons",
                "op",
                "te",
                "uw",
            ]
        ),
    ),
    "pt": LangTable(
        lang="pt",
        tdm=_c(
            r"\bminera[çc][ãa]o de (?:textos e dados|dados e textos|dados|textos)\b",
            r"\bprospe(?:c|cç|ç)ão de (?:textos e dados|dados e textos|dados|textos)\b",
            r"\braspagem\b",
            r"\bextração de dados\b",
        ),
        ai=_c(
            r"\binteligência artificial\b",
            r"\baprendi[sz]agem (?:automática|de máquina|profunda)\b",
            r"\bmodelos? de linguagem\b",
        ),
        train=_c(
            r"\btrein\w*\b",
            r"\baprendi[sz]agem (?:automática|de máquina)\b",
            r"\bconjuntos de dados\b",
        ),
        ai_use=_c(r"\brespostas\b", r"\bresumos?\b"),
        genai=_c(r"\b(?:IA|inteligência artificial) generativa\b"),
        reserve=_c(
            r"\breserva\w*\b",
            r"\bproib\w*\b",
            r"\bvedad[oa]s?\b",
            r"\bop(?:õe|omos)\b|\boposição\b",
            r"\bexclu(?:ído|ída|ídos|ídas|ímos)\b",
        ),
        refuse=_c(
            r"\bsem (?:o |a |nosso |nossa )?(?:prévi[ao] |expressa |expresso )*(?:consentimento|au"
            r"torização|permissão)\b",
            r"\bmediante autorização\b",
            r"\bnão (?:pode|podem|poderá|poderão|deve|devem) ser (?:utilizad|usad)\w*\b",
        ),
        permit=_c(r"\bpermitid[oa]s?\b", r"\bautorizad[oa]s?\b", r"\bconced\w*\b", r"\blicença\b"),
        service=_c(
            r"\bnão (?:utilizamos|usamos)\b",
            r"\bseus (?:dados|conteúdos|arquivos|ficheiros)\b[^.]{0,60}\bnão\b",
        ),
        explain=_c(
            r"\bsalvo se\b|\ba menos que\b|\bdesde que\b",
            r"\bproibiu\b|\bproibiram\b",
            r"\btitular(?:es)? (?:de|dos) direitos\b",
            r"\bexceção\b",
            r"\b(?:diretiva|lei|exceção|projeto|PL)\b[^.]{0,80}\b(?:permite|autoriza|prevê)\b",
            r"\bcomo (?:proteger|bloquear)\b",
            r"\?\s*$",
        ),
        privacy=_c(r"\bdados pessoais\b", r"\bcookies?\b", r"\bprivacidade\b", r"\bLGPD\b"),
        commercial=_c(r"(?<!não )\b(?:fins comerciais|comercia(?:l|is))\b"),
        negation=re.compile(r"\b(?:não|nem|nunca|nenhum\w*)\b", _FLAGS),
        masks=_c(r"\btodos os direitos reservados\b"),
        stopwords=frozenset(
            [
                "o",
                "os",
                "as",
                "do",
                "da",
                "dos",
                "das",
                "para",
                "que",
                "não",
                "e",
                "é",
                "com",
                "uma",
                "seu",
            ]
        ),
    ),
    "pl": LangTable(
        lang="pl",
        tdm=_c(
            r"\beksploracj\w* (?:tekst\w* i danych|danych|tekst\w*)\b",
            r"\bscrapingu?\b",
            r"\bpobierani\w* danych\b",
        ),
        ai=_c(
            r"\bsztuczn\w* inteligencj\w*\b",
            r"\buczeni\w* maszynow\w*\b",
            r"\bmodel\w* językow\w*\b",
            r"\bsystem\w* uczących się\b",
        ),
        train=_c(
            r"\btrenowan\w*\b",
            r"\btreningu?\b",
            r"\buczeni\w* maszynow\w*\b",
            r"\bzbior\w* (?:danych )?treningow\w*\b",
            r"\bucząc\w*\b",
        ),
        ai_use=_c(r"\bodpowiedzi\b", r"\bpodsumowa\w*\b"),
        genai=_c(r"\bgeneratywn\w* (?:AI|SI|sztuczn\w* inteligencj\w*)\b"),
        reserve=_c(
            r"\bzastrze\w*\b",
            r"\bzabronion\w*\b|\bzakaz\w*\b",
            r"\bsprzeciw\w*\b",
            r"\bwyłączon\w*\b",
        ),
        refuse=_c(
            r"\bbez (?:uprzedniej |wyraźnej |pisemnej )*zgody\b",
            r"\bwymaga (?:uprzedniej |wyraźnej |pisemnej )*zgody\b",
            r"\bnie (?:wolno|można|może|mogą)\b",
        ),
        permit=_c(r"\bdozwolon\w*\b", r"\bzezwala\w*\b", r"\bwolno\b", r"\budziela\w* licencji\b"),
        service=_c(
            r"\bnie (?:wykorzystujemy|używamy)\b",
            r"\bTwoje (?:dane|treści|pliki)\b[^.]{0,60}\bnie\b",
        ),
        explain=_c(
            r"\bchyba że\b|\bo ile\b",
            r"\b(?:uprawnion\w*|twórc\w*|właściciel\w*)\b[^.]{0,40}\b(?:może|mogą)\b",
            r"\b(?:dyrektywa|ustawa|wyjątek)\b[^.]{0,80}\b(?:pozwala|zezwala|przewiduje)\b",
            r"\bjak (?:chronić|zastrzec)\b",
            r"\?\s*$",
        ),
        privacy=_c(
            r"\bdan\w* osobow\w*\b",
            r"\bcookies?\b|\bciasteczk\w*\b",
            r"\bprywatności\b",
            r"\bRODO\b",
        ),
        commercial=_c(r"\bkomercyjn\w*\b"),
        negation=re.compile(r"\b(?:nie|ani|nigdy|żadn\w*)\b", _FLAGS),
        masks=_c(r"\bwszelkie prawa zastrzeżone\b"),
        stopwords=frozenset(
            ["i", "w", "z", "na", "nie", "do", "się", "jest", "lub", "oraz", "to", "przez", "że"]
        ),
    ),
    "ja": LangTable(
        lang="ja",
        tdm=_c(
            r"テキスト・?データマイニング",
            r"データマイニング",
            r"スクレイピング",
            r"クローリング",
            r"情報解析",
        ),
        ai=_c(r"AI|ＡＩ", r"人工知能", r"機械学習", r"生成AI", r"言語モデル"),
        train=_c(r"学習", r"トレーニング", r"教師データ", r"データセット"),
        ai_use=_c(r"回答", r"要約"),
        genai=_c(r"生成AI", r"画像生成AI?", r"生成系AI"),
        reserve=_c(r"禁止", r"禁じ", r"お断り", r"留保", r"拒否"),
        refuse=_c(
            r"ご遠慮",
            r"しないでください",
            r"(?:でき|い)ません",
            r"認めません",
            r"許可(?:し|いたし)ません",
            r"(?:許可|許諾)(?:なく|のない)",
            r"無断で?(?:の)?(?!転載)",
            r"不可",
        ),
        permit=_c(
            r"許可します", r"許可しています", r"認めます", r"自由に(?:利用|使用)", r"利用を許可"
        ),
        service=_c(
            r"(?:お客様|ユーザー|利用者)の(?:データ|コンテンツ|入力|情報)[^。]{0,40}(?:使用|利用)(?:しません|いたしません|することはありません)",
            r"(?:弊社|当社)は[^。]{0,40}(?:使用|利用)(?:しません|いたしません)",
        ),
        explain=_c(
            r"人が(?:増え|多)",
            r"ている人",
            r"よく見かけ",
            r"でしょうか",
            r"ですか",
            r"(?:できる|可能|ない|べき)か\s*$",
            r"30条の?4",
            r"ことは?できます",
            r"サイトがあります",
            r"たいなら",
            r"が有効",
            r"解説",
            r"[?？]\s*$",
        ),
        privacy=_c(r"個人情報", r"クッキー|Cookie", r"プライバシー"),
        commercial=_c(r"商用", r"営利"),
        negation=None,
        masks=_c(r"無断転載(?:禁止)?", r"著作権所有"),
        stopwords=frozenset(),
    ),
    "ko": LangTable(
        lang="ko",
        tdm=_c(r"텍스트 ?및 ?데이터 ?마이닝", r"데이터 ?마이닝", r"스크래핑", r"크롤링", r"수집"),
        ai=_c(r"AI", r"인공지능", r"머신 ?러닝", r"기계 ?학습", r"언어 ?모델"),
        train=_c(r"학습", r"훈련", r"트레이닝", r"데이터셋"),
        ai_use=_c(r"답변", r"요약"),
        genai=_c(r"생성형 ?(?:AI|인공지능)", r"생성 ?AI"),
        reserve=_c(r"금지", r"금합니다", r"유보", r"거부"),
        refuse=_c(
            r"허용하지 않",
            r"허용되지 않",
            r"(?:허락|동의|허가) ?없이",
            r"무단(?!\s*전재)",
            r"할 수 없",
            r"안 됩니다",
            r"불허",
        ),
        permit=_c(r"허용합니다", r"허용됩니다", r"허락합니다", r"자유롭게", r"사용할 수 있습니다"),
        service=_c(
            r"(?:고객|사용자|이용자|회원)(?:님)?의 (?:데이터|콘텐츠|정보|입력)[^.]{0,60}"
            r"(?:사용하지 않|이용하지 않|사용되지 않|이용되지 않)",
            r"(?:당사|회사|저희)는[^.]{0,60}(?:사용하지 않|이용하지 않)",
        ),
        explain=_c(
            r"(?:가능한가|인가|일까|할까)\s*[?？]?",
            r"선언\s*$",
            r"사람들",
            r"저작권법상",
            r"공정이용",
            r"법원|판결",
            r"[?？]\s*$",
        ),
        privacy=_c(r"개인정보", r"쿠키"),
        commercial=_c(r"상업적", r"영리"),
        negation=None,
        masks=_c(r"무단\s*전재\s*(?:및|·|,)?\s*재배포\s*금지"),
        stopwords=frozenset(),
    ),
}

# Citations recognised in any language: (pattern, the name reported).
STATUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _FLAGS), name)
    for p, name in (
        (
            r"\b(?:Art(?:icle|ikel|ículo|icolo|igo|ykuł)?\.?|Article)\s*4\s*(?:\(3\)|,?\s*(?:Abs\."
            r"|para(?:graph)?\.?"
            r"|paragraphe|apartado|comma|lid|n\.º|ust\.)\s*3)[^.;]{0,80}2019/790",
            "Art. 4(3) Directive (EU) 2019/790",
        ),
        (r"2019/790", "Directive (EU) 2019/790"),
        (r"§\s*44\s*b\b", "§ 44b UrhG"),
        (r"§\s*42\s*h\b", "§ 42h(6) öUrhG"),
        (r"\bL\.?\s*122-5-3\b", "art. L. 122-5-3 CPI"),
        (r"\b70[- ]?quater\b", "art. 70-quater LDA"),
        (r"\b(?:art(?:ikel|\.)?\s*)15o\b", "art. 15o Auteurswet"),
        (
            r"\bart(?:ículo|\.)?\s*67\b[^.;]{0,60}(?:TRLPI|Propiedad Intelectual|LPI)",
            "art. 67 TRLPI",
        ),
        (r"\bart\.?\s*26\s*(?:\^?3|³|\(3\))", "art. 26³ Polish Copyright Act"),
        (r"30条の?4", "Art. 30-4 Japanese Copyright Act"),
        (
            r"\b(?:Art(?:icle)?\.?\s*)?53\s*\(1\)\s*\(c\)[^.;]{0,40}(?:AI Act|2024/1689)|2024/1689",
            "Regulation (EU) 2024/1689 (AI Act)",
        ),
    )
)

SPECIFIC_4_3 = "Art. 4(3) Directive (EU) 2019/790"
GENERIC_DSM = "Directive (EU) 2019/790"
