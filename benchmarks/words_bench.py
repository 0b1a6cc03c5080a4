"""Benchmark: what reading reservations written in words costs the audit (issue 18).

1. Long terms pages: generated HTML terms pages of 20,000, 100,000 and 200,000 characters
   (the page cap) of ordinary contract text in several languages with one reservation near the
   end, read as the audit reads a terms page (passages, sentences, classification): CPU
   seconds per page with the literal prefilter (``audits/signals/words/_prefilter.py``) and
   without it (every sentence classified).
2. The sample web: every site audited with and without the words signal, CPU seconds per
   site, so the signal's share of the audit is visible.

    .venv/bin/python benchmarks/words_bench.py [--repeat 5]

Writes ``benchmarks/results/words.json`` and ``words.md``. CPU time (``time.process_time``)
of this process only; run it on a quiet machine and compare ratios rather than seconds.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import audits.signals.words as words
from audits.core.agents import load_registry
from audits.core.evidence import Fetch, FetchKind, SiteEvidence
from audits.signals import SIGNALS
from audits.signals.words.signal import WORDS
from audits.signals.words.site_text import fetch_statements
from audits.site.audit import audit_site
from sampleweb.sites import SITES_DIR

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.machine import cpu_model  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SIZES = (20_000, 100_000, 200_000)
FILLER = (
    "These terms govern your use of the website and of the services we provide, including "
    "any content, functionality and services offered on or through the site.",
    "Die Nutzung der Website ist nur im Rahmen dieser Bedingungen gestattet; Ansprüche auf "
    "Schadensersatz bleiben unberührt.",
    "L'utilisateur s'engage à ne pas porter atteinte au bon fonctionnement du site ni à la "
    "sécurité des données qui y sont hébergées.",
    "El usuario se compromete a hacer un uso adecuado de los contenidos y servicios que el "
    "titular ofrece a través de su portal.",
    "Payment is due within thirty days of the invoice date and late payments bear interest.",
)
RESERVATION = (
    "The rightsholder expressly reserves the use of the works on this site for text and data "
    "mining under Art. 4(3) of Directive (EU) 2019/790."
)
HTML = (("Content-Type", "text/html; charset=utf-8"),)


class _Always:
    """A prefilter that lets every sentence through: the classifier alone."""

    def may_match(self, text: str) -> bool:
        return True


def terms_page(chars: int) -> bytes:
    paragraphs: list[str] = []
    size = 0
    index = 0
    while size < chars - len(RESERVATION) - 200:
        text = FILLER[index % len(FILLER)]
        paragraphs.append(f"<p>{text}</p>")
        size += len(text)
        index += 1
    paragraphs.insert(len(paragraphs) - 2, f"<p>{RESERVATION}</p>")
    return ("<html><body><h1>Terms</h1>" + "\n".join(paragraphs) + "</body></html>").encode()


def cpu(work: Callable[[], Any], repeat: int) -> float:
    """The lowest CPU seconds of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def long_pages(repeat: int) -> list[dict[str, Any]]:
    rows = []
    for chars in SIZES:
        fetch = Fetch("http://bench.example/terms", "tos", 200, HTML, terms_page(chars))
        found = list(fetch_statements(fetch))
        assert any(f.statement.reserves for f in found), "the reservation must be found"
        with_filter = cpu(lambda f=fetch: list(fetch_statements(f)), repeat)
        kept = words._ACT_HINTS
        words._ACT_HINTS = _Always()  # type: ignore[assignment]
        try:
            without = cpu(lambda f=fetch: list(fetch_statements(f)), repeat)
        finally:
            words._ACT_HINTS = kept
        rows.append(
            {
                "chars": chars,
                "cpu_s_with_prefilter": round(with_filter, 4),
                "cpu_s_without_prefilter": round(without, 4),
                "speedup": round(without / with_filter, 1) if with_filter else None,
            }
        )
    return rows


def _site(folder: Path) -> SiteEvidence:
    """A sample site as the crawler would record it: robots.txt, the home page, the other
    pages of its top folder, and its terms and imprint pages as their own kinds."""
    origin = f"http://{folder.name}"
    files = folder / "files"
    fetches = []
    robots = files / "robots.txt"
    if robots.exists():
        text = (("Content-Type", "text/plain"),)
        fetches.append(Fetch(origin + "/robots.txt", "robots", 200, text, robots.read_bytes()))
    for page in sorted(files.rglob("*.html")):
        path = "/" + page.relative_to(files).as_posix()
        name = page.stem.lower()
        kind: FetchKind = "home" if path == "/index.html" else "page"
        if any(word in name for word in ("terms", "agb", "cgu", "conditions")):
            kind = "tos"
        elif any(word in name for word in ("impressum", "imprint", "mentions", "legal")):
            kind = "imprint"
        fetches.append(Fetch(origin + path, kind, 200, HTML, page.read_bytes()))
    return SiteEvidence(origin, tuple(fetches[:12]))


def sample_web(repeat: int) -> dict[str, Any]:
    """Audit every sample site from its own files, with and without the words signal."""
    registry = load_registry()
    sites = [_site(f) for f in sorted(SITES_DIR.iterdir()) if (f / "files").is_dir()]
    without_words = tuple(s for s in SIGNALS if s is not WORDS)
    all_signals = cpu(lambda: [audit_site(s, registry) for s in sites], repeat)
    no_words = cpu(lambda: [audit_site(s, registry, without_words) for s in sites], repeat)
    return {
        "sites": len(sites),
        "cpu_s_per_site": round(all_signals / len(sites), 5),
        "cpu_s_per_site_without_words": round(no_words / len(sites), 5),
        "words_share": round((all_signals - no_words) / all_signals, 3) if all_signals else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure (best kept)")
    args = parser.parse_args()
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {"cpu": cpu_model(), "python": platform.python_version()},
        "command": f"benchmarks/words_bench.py --repeat {args.repeat}",
        "long_terms_pages": long_pages(args.repeat),
        "sample_web": sample_web(args.repeat),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "words.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Reservations written in words: cost to the audit",
        "",
        f"{result['date']}, {result['machine']['cpu']}, Python {result['machine']['python']}; "
        f"`{result['command']}` (best of {args.repeat}, CPU seconds of one process).",
        "",
        "| terms page (chars) | with prefilter (CPU s) | without (CPU s) | speed-up |",
        "|---|---|---|---|",
        *(
            f"| {r['chars']:,} | {r['cpu_s_with_prefilter']} | {r['cpu_s_without_prefilter']} "
            f"| ×{r['speedup']} |"
            for r in result["long_terms_pages"]
        ),
        "",
        "| sample web | sites | audit CPU s / site | without the words signal | words' share |",
        "|---|---|---|---|---|",
        "| robots.txt, up to 11 pages, terms/imprint | {sites} | {cpu_s_per_site} | "
        "{cpu_s_per_site_without_words} | {words_share} |".format(**result["sample_web"]),
        "",
    ]
    (RESULTS / "words.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
