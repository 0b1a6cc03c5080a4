"""Every message exists in every language (issue 19): the messages marked in the sources,
extracted with Babel as `make messages` does, are exactly the entries of each catalogue, each
translated (no empty or fuzzy entry) with the same placeholders; the French follows its
typography and cites the French law beside the Directive."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from collections.abc import Iterator

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from results.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANG, catalogue_path, translator
from tests.conftest import ROOT

TRANSLATED = sorted(set(LANGUAGES) - {SOURCE_LANG})
Key = tuple[str | None, str]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The messages of the sources, extracted as `make messages` does."""
    pot = tmp_path_factory.mktemp("messages") / f"{DOMAIN}.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract"]
        + ["-F", str(LOCALE_DIR / "babel.cfg"), "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    with pot.open("rb") as f:
        return read_po(f)


def _catalogue(lang: str) -> Catalog:
    with catalogue_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def _entries(catalog: Catalog) -> dict[Key, Message]:
    return {(m.context, _singular(m)): m for m in catalog if m.id}


def _singular(m: Message) -> str:
    return m.id[0] if isinstance(m.id, tuple | list) else m.id


def _forms(value: object) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [str(value or "")]


def _fields(text: str) -> set[str]:
    """The placeholders of a message: str.format's ``{name}`` and ``%(name)s``."""
    names = {m.group(1) for m in re.finditer(r"%\((\w+)\)[sdif]", text)}
    try:
        names |= {f"{{{name}}}" for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        names.add("<unbalanced braces>")
    return names


def problems(extracted: Catalog, catalogue: Catalog) -> Iterator[str]:
    """Each way ``catalogue`` fails the sources: a message in English only, an entry no
    source uses, an empty or fuzzy translation, a placeholder dropped or invented."""
    source, translated = _entries(extracted), _entries(catalogue)
    for key in sorted(source.keys() - translated.keys(), key=str):
        yield f"in English only (run `make messages` and translate it): {key}"
    for key in sorted(translated.keys() - source.keys(), key=str):
        yield f"unused entry (no source has it; `make messages` drops it): {key}"
    for key in sorted(source.keys() & translated.keys(), key=str):
        entry, english = translated[key], source[key]
        if _forms(entry.id) != _forms(english.id):
            yield f"the English plural changed: {key}"
        strings = _forms(entry.string)
        if entry.fuzzy or not all(s.strip() for s in strings):
            yield f"untranslated or fuzzy: {key}"
            continue
        wanted = set().union(*(_fields(s) for s in _forms(english.id)))
        for text in strings:
            if _fields(text) != wanted:
                yield f"placeholders {sorted(_fields(text))} instead of {sorted(wanted)}: {key}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_every_entry_used(lang: str, extracted: Catalog) -> None:
    found = list(problems(extracted, _catalogue(lang)))
    assert not found, "\n".join(found)


def test_the_sources_have_messages_to_translate(extracted: Catalog) -> None:
    keys = _entries(extracted)
    assert (None, "Per use") in keys  # optout check's report
    assert ("summary column", "Worst finding") in keys
    assert len(keys) > 50


def test_a_message_in_one_language_only_is_found(extracted: Catalog) -> None:
    """The comparison itself fails on each defect it is there for."""
    catalogue = _catalogue("fr")
    catalogue.delete("Per use")
    catalogue.add("A message no source has", "Un message")
    catalogue["Nothing broken found."].flags.add("fuzzy")
    catalogue["{first} and {last}"].string = "{first} et"
    catalogue["How"].string = ""
    found = "\n".join(problems(extracted, catalogue))
    assert "in English only (run `make messages` and translate it): (None, 'Per use')" in found
    assert "unused entry" in found and "A message no source has" in found
    assert "untranslated or fuzzy: (None, 'Nothing broken found.')" in found
    assert "untranslated or fuzzy: (None, 'How')" in found
    assert "placeholders ['{first}'] instead of ['{first}', '{last}']" in found


def test_placeholders_of_both_styles_are_read() -> None:
    assert _fields("{origin} at %(n)s, {count:,}") == {"{origin}", "{count}", "n"}
    assert _fields("one { brace") == {"<unbalanced braces>"}


FRENCH_PUNCTUATION = re.compile(r"(?<![\u00a0\u202f])[:;!?»](?=\s|$)|«(?![\u00a0\u202f])")


def _french_strings() -> Iterator[tuple[Message, str]]:
    for message in _catalogue("fr"):
        if message.id:
            for text in _forms(message.string):
                yield message, text


def test_french_puts_a_no_break_space_before_double_punctuation() -> None:
    wrong = [
        f"{_singular(m)!r} → {text!r}"
        for m, text in _french_strings()
        if FRENCH_PUNCTUATION.search(text.replace("--json", ""))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_french_typography_rule_can_fail() -> None:
    assert FRENCH_PUNCTUATION.search("statut : 404")
    assert FRENCH_PUNCTUATION.search("« texte »")
    assert not FRENCH_PUNCTUATION.search("statut\u00a0: 404, http://a.example")


DIRECTIVE = re.compile(r"2019/790")
FRENCH_LAW = "L. 122-5-3"


def _cites_the_law(english: str, french: str) -> bool:
    """A French message citing the Directive cites the Code de la propriété intellectuelle."""
    cites = DIRECTIVE.search(english) or DIRECTIVE.search(french)
    return not cites or FRENCH_LAW in french.replace("\u00a0", " ")


def test_french_cites_the_french_law_beside_the_directive() -> None:
    wrong = [
        _singular(m) for m, text in _french_strings() if not _cites_the_law(_singular(m), text)
    ]
    assert not wrong, wrong


def test_the_law_rule_can_fail() -> None:
    english = "Reserved under Art. 4(3) of Directive (EU) 2019/790."
    assert not _cites_the_law(english, "Réservé selon l'art. 4 de la directive (UE) 2019/790.")
    assert _cites_the_law(
        english,
        "Réservé selon l'art. L. 122-5-3 du Code de la propriété intellectuelle et l'art. 4 de"
        " la directive (UE) 2019/790.",
    )


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalogue_compiles_with_its_plural_rule(lang: str) -> None:
    tr = translator(lang)
    assert tr.gettext("Per use") != "Per use"
    one, many = (
        tr.ngettext("Summary of {count} site", "Summary of {count} sites", n) for n in (1, 2)
    )
    assert one != many


def test_catalogues_are_where_the_package_data_says() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"locale/*/LC_MESSAGES/*.po"' in pyproject
    for lang in TRANSLATED:
        assert catalogue_path(lang).relative_to(ROOT / "results").match("locale/*/LC_MESSAGES/*.po")
