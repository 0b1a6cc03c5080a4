"""A synthetic web of any number of creator sites, served by nginx on loopback.

Sites are generated as a few hundred *variants* (a folder each: robots.txt drawn from the
real-world corpus, sometimes ai.txt, tdmrep.json and llms.txt, a home page linking to content
pages and images, meta tags varied like the sample web). A site's host name says which variant
it serves (``s000042-v017.bench.example`` serves ``v017/``), so N sites cost no more disk than
the variants: nginx maps ``$host`` to the folder. The crawler reaches nginx as an HTTP proxy
(absolute-form request lines), exactly as it reaches the sample web.

Crawl-delay lines are removed from the corpus bodies: a crawl delay is politeness the crawler
must honour, and it would measure the corpus's delays instead of the crawler.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "robots-sample.jsonl.gz"
FALLBACK_CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "robots-sample.small.jsonl.gz"
IMAGES = ROOT / "sampleweb" / "sites" / "stockhouse.example" / "files" / "media"
_CRAWL_DELAY = re.compile(rb"(?im)^[ \t]*crawl-delay[^\n]*\n?")
_META = (
    "",
    '<meta name="robots" content="noai, noimageai">',
    '<meta name="tdm-reservation" content="1">',
    '<meta name="GPTBot" content="noindex">',
    "",
)


def host(index: int, variants: int) -> str:
    return f"s{index:07d}-v{index % variants:03d}.bench.example"


def write_seeds(path: Path, sites: int, variants: int) -> Path:
    """A seed CSV of ``sites`` synthetic origins."""
    with path.open("w", encoding="utf-8") as out:
        out.write("origin,name,kind\n")
        for index in range(sites):
            out.write(f"http://{host(index, variants)},Site {index},creator-site\n")
    return path


def _corpus_bodies() -> list[bytes]:
    source = CORPUS if CORPUS.exists() else FALLBACK_CORPUS
    with gzip.open(source, "rt") as lines:
        return [base64.b64decode(json.loads(line)["body_b64"]) for line in lines]


def build_variants(root: Path, variants: int, seed: int = 7) -> Path:
    """Write ``variants`` site folders under ``root`` (kept when already complete)."""
    stamp = root / f".complete-{variants}"
    if stamp.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(seed)
    bodies = _corpus_bodies()
    images = sorted(p for p in IMAGES.iterdir() if p.suffix in (".jpg", ".webp"))
    for number in range(variants):
        site = root / f"v{number:03d}"
        (site / "art").mkdir(parents=True)
        (site / ".well-known").mkdir()
        (site / "robots.txt").write_bytes(_CRAWL_DELAY.sub(b"", bodies[number % len(bodies)]))
        if rng.random() < 0.1:
            (site / "ai.txt").write_text("User-Agent: *\nDisallow: *.jpg\nDisallow: /\n")
        if rng.random() < 0.1:
            reservation = [{"location": "/", "tdm-reservation": 1}]
            (site / ".well-known" / "tdmrep.json").write_text(json.dumps(reservation))
        if rng.random() < 0.05:
            (site / "llms.txt").write_text("# Site\n\n> A portfolio.\n")
        for image in images:
            shutil.copyfile(image, site / "art" / image.name)
        pictures = [f"/art/{image.name}" for image in images]
        links = "".join(f'<a href="/art/work-{n}.html">Work {n}</a>' for n in range(1, 4))
        imgs = "".join(f'<img src="{p}" alt="">' for p in pictures[:2])
        meta = rng.choice(_META)
        (site / "index.html").write_text(
            f"<!doctype html><html><head><title>Portfolio {number}</title>{meta}</head>"
            f'<body><h1>Portfolio</h1>{links}{imgs}<a href="/terms.html">Terms</a></body></html>'
        )
        (site / "terms.html").write_text("<html><body><h1>Terms</h1></body></html>")
        for n in range(1, 4):
            (site / "art" / f"work-{n}.html").write_text(
                f"<!doctype html><html><head><title>Work {n}</title>{rng.choice(_META)}</head>"
                f'<body><img src="{pictures[n % len(pictures)]}" alt=""></body></html>'
            )
    stamp.touch()
    return root


_NGINX_CONF = """
{user}
worker_processes {workers};
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log crit;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    types {{ text/html html; text/plain txt; application/json json; image/jpeg jpg;
             image/webp webp; }}
    default_type application/octet-stream;
    keepalive_requests 100000;
    client_body_temp_path {run}/body; proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi; uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;
    map $host $variant {{ "~^s[0-9]+-(?<v>v[0-9]+)\\." $v; default none; }}
    server {{
        listen 127.0.0.1:{port} default_server;
        root {web}/$variant;
        location / {{ try_files $uri $uri/index.html =404; }}
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time used so far by the nginx master and its workers."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / tick
        return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(web: Path, run: Path, workers: int = 1) -> Iterator[Nginx]:
    """nginx serving the variants under ``web`` on a free loopback port."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    web, run = web.resolve(), run.resolve()
    run.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    conf = run / "nginx.conf"
    conf.write_text(
        _NGINX_CONF.format(user=_worker_user(), workers=workers, run=run, port=port, web=web)
    )
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(run)])
    try:
        _wait_for(port, process)
        _check_serves(port, web)
        yield Nginx(port, process)
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _worker_user() -> str:
    """Started as root, nginx runs its workers as ``nobody``, who cannot read a private
    temporary folder (mode 0700): every file would be a 404. Keep them as the caller."""
    if os.geteuid() != 0:
        return ""
    import pwd

    return f"user {pwd.getpwuid(os.geteuid()).pw_name};"


def _check_serves(port: int, web: Path) -> None:
    """Refuse to benchmark a server that answers, but not with the synthetic web's files."""
    import http.client

    variant = min(p.name for p in web.iterdir() if p.is_dir())
    expected = (web / variant / "index.html").read_bytes()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/", headers={"Host": f"s0000000-{variant}.bench.example"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200 or body != expected:
        raise RuntimeError(
            f"nginx answered {response.status} for {variant}/index.html, not the file:"
            " see its error log under the run folder"
        )


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not start listening within 10 s")
