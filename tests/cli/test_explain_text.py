"""``optout explain text``: a text or HTML page, sentence by sentence, as the audit reads it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from optout_cli.main import cli
from tests.conftest import FIXTURES, ROOT

PAGES = FIXTURES / "words" / "pages"
PLAIN = (
    "Impressum\n"
    "Nutzungsvorbehalt gemäß § 44b UrhG: Der Rechteinhaber behält sich die Nutzung der Inhalte"
    " für Text und Data Mining ausdrücklich vor.\n"
    "© 2026, alle Rechte vorbehalten.\n"
    "We do not use your uploaded images to train AI models.\n"
)


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["explain", "text", *args], input=stdin)


def test_plain_text_from_standard_input_is_explained_line_by_line() -> None:
    result = run("-", stdin=PLAIN)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "line 2: RESERVES text and data mining [language de; cites § 44b UrhG]"
    assert "decided by “Nutzungsvorbehalt”" in lines[2]
    assert lines[3].startswith("line 4: no reservation")
    assert "A service's promise" in result.output
    assert "alle Rechte vorbehalten" not in result.output
    assert "2 statements about mining or AI: 1 reserve, 0 permit, 1 reserve nothing." in lines
    assert any(line.startswith("Reserved in words: text and data mining.") for line in lines)


def test_an_html_page_is_read_whole_with_its_source_lines() -> None:
    result = run(str(PAGES / "impressum.html"))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("line 10: RESERVES text and data mining")
    meta = run(str(PAGES / "rights_fields.html"))
    assert '(<meta name="copyright">): RESERVES AI training' in meta.output
    assert "(JSON-LD usageInfo): RESERVES text and data mining" in meta.output


def test_json_lists_every_statement_with_its_decision() -> None:
    result = run("--json", str(PAGES / "service_promise.html"))
    data = json.loads(result.output)
    kinds = {s["text"]: s["kind"] for s in data["statements"]}
    assert kinds["We do not use your uploaded images to train AI models."] == "none"
    assert all(set(s) >= {"line", "uses", "lang", "trigger", "reason"} for s in data["statements"])


def test_a_text_about_nothing_says_so_and_a_missing_file_is_one_line() -> None:
    result = run("-", stdin="Hello.\nAll rights reserved.\n")
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == "Nothing in it names text and data mining or AI use."
    missing = subprocess.run(
        [str(Path(sys.executable).parent / "optout"), "explain", "text", "/nonexistent/t.txt"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr and "No such file or directory" in missing.stderr
