"""Evidence packs of a real crawl of the sample web: written, read back, verified, replayed.

One crawl of four sample sites, probing as GPTBot, makes the database: gallery-pia has a
robots.txt, an ai.txt and a tdmrep.json; amara-draws redirects every request to its www host;
longread-zed's home page and tdmrep.json are cut at the size limit; inkwell-ben's robots.txt
disallows our crawler, so its home page is a skipped request.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from warcio.archiveiterator import ArchiveIterator

from audits.core.agents import load_registry
from optout_cli.evidence_cmd import evidence
from optout_cli.main import cli
from results.evidence.pack import open_pack_db, pack_site
from results.evidence.signing import load_public_key
from results.evidence.verify import verify_wacz
from results.evidence.wacz import ARCHIVE, DATAPACKAGE, DIGEST, INDEX, PAGES
from results.evidence.warc import PROBE_AGENT_FIELD, RENAMED_PREFIX, audit_uri, warc_date
from results.export import Selection, iter_sites
from sampleweb.server import SampleWeb
from tests.crawler.conftest import SAMPLE_SEEDS, run_crawl, sample_web  # noqa: F401
from tests.pywb_env import pywb_bin

POLICIES = "http://gallery-pia.example"
REDIRECTS = "http://amara-draws.example"
TRUNCATED = "http://longread-zed.example"
SKIPPED = "http://inkwell-ben.example"
SITES = (POLICIES, REDIRECTS, TRUNCATED, SKIPPED)
CREATED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PROBED = "GPTBot"
WAIT_SECONDS = 30

if "evidence" not in cli.commands:  # until main.py registers it
    cli.add_command(evidence)


@pytest.fixture(scope="module")
def crawl_db(
    tmp_path_factory: pytest.TempPathFactory,
    sample_web: SampleWeb,  # noqa: F811
) -> Path:
    folder = tmp_path_factory.mktemp("evidence")
    with SAMPLE_SEEDS.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    seeds = folder / "seeds.csv"
    with seeds.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(
            [rows[0], *(row for row in rows[1:] if row[0] in SITES)]
        )
    db = folder / "evidence.db"
    run_crawl(seeds, db, sample_web, "--allow-private", "--probe-agents", PROBED)
    return db


@pytest.fixture(scope="module")
def packs(crawl_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One unsigned pack per site, made at a fixed time."""
    folder = tmp_path_factory.mktemp("packs")
    db, crawl_id = open_pack_db(crawl_db, "latest")
    try:
        return {
            origin: pack_site(
                db, crawl_id, origin, folder / f"{origin[7:]}.wacz", created=CREATED
            ).path
            for origin in SITES
        }
    finally:
        db.close()


def _fetches(db_path: Path, origin: str) -> list[dict[str, Any]]:
    db = sqlite_utils.Database(db_path)
    try:
        return list(
            db.query(
                "SELECT f.*, b.body FROM fetches f LEFT JOIN bodies b ON b.sha256 = f.body_sha256"
                " WHERE f.origin = ? ORDER BY f.id",
                [origin],
            )
        )
    finally:
        db.close()


def _records(pack: Path) -> list[dict[str, Any]]:
    """Every record of a pack's WARC: type, headers, HTTP headers and payload."""
    with zipfile.ZipFile(pack) as zf:
        data = zf.read(ARCHIVE)
    out = []
    for record in ArchiveIterator(io.BytesIO(data)):
        out.append(
            {
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "warc": record.rec_headers,
                "http": record.http_headers,
                "payload": record.content_stream().read(),
            }
        )
    return out


def _of_type(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == kind]


def _fetch_facts(records: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The stored fields of each fetch, from its metadata record."""
    facts = {}
    for record in _of_type(records, "metadata"):
        value = json.loads(record["payload"])
        if "kind" in value:
            facts[value["fetch_id"]] = value
    return facts


def test_every_answered_fetch_is_a_response_with_the_stored_status_and_body(
    crawl_db: Path, packs: dict[str, Path]
) -> None:
    records = _records(packs[POLICIES])
    responses = {
        (r["uri"], r["warc"].get_header(PROBE_AGENT_FIELD)): r
        for r in _of_type(records, "response")
    }
    stored = _fetches(crawl_db, POLICIES)
    assert len(responses) == len(stored)
    for fetch in stored:
        response = responses[(fetch["final_url"], fetch["agent"])]
        assert response["http"].get_statuscode() == str(fetch["status"])
        assert response["payload"] == fetch["body"]
        assert response["warc"].get_header("WARC-Date") == warc_date(fetch["fetched_at"])
        stored_headers = [tuple(pair) for pair in json.loads(fetch["headers"])]
        assert response["http"].headers == stored_headers


def test_requests_carry_the_user_agent_the_crawl_or_the_probe_sent(
    packs: dict[str, Path],
) -> None:
    requests = _of_type(_records(packs[POLICIES]), "request")
    ours = [r for r in requests if not r["warc"].get_header(PROBE_AGENT_FIELD)]
    probes = [r for r in requests if r["warc"].get_header(PROBE_AGENT_FIELD) == PROBED]
    assert ours and probes
    assert {r["http"].get_header("User-Agent") for r in ours} == {
        next(iter(ours))["http"].get_header("User-Agent")
    }
    assert next(iter(ours))["http"].get_header("User-Agent").startswith("optout-audit/")
    agent = load_registry().get(PROBED)
    assert agent is not None
    assert {r["http"].get_header("User-Agent") for r in probes} == {agent.user_agent}


def test_pages_list_the_policy_files_home_and_sampled_pages(packs: dict[str, Path]) -> None:
    with zipfile.ZipFile(packs[POLICIES]) as zf:
        lines = [json.loads(line) for line in zf.read(PAGES).splitlines()]
    assert lines[0]["format"] == "json-pages-1.0"
    urls = [page["url"] for page in lines[1:]]
    for path in ("/robots.txt", "/ai.txt", "/.well-known/tdmrep.json", "/", "/art/"):
        assert POLICIES + path in urls
    assert len(urls) == len(set(urls))


def test_redirect_hops_are_metadata_naming_where_they_led(
    crawl_db: Path, packs: dict[str, Path]
) -> None:
    records = _records(packs[REDIRECTS])
    hops = {
        value["url"]: value
        for value in (json.loads(r["payload"]) for r in _of_type(records, "metadata"))
        if "redirect_hop" in value
    }
    robots = f"{REDIRECTS}/robots.txt"
    assert hops[robots]["redirected_to"] == "http://www.amara-draws.example/robots.txt"
    responses = {r["uri"] for r in _of_type(records, "response")}
    assert "http://www.amara-draws.example/robots.txt" in responses
    assert robots not in responses  # no 3xx answer was stored, so none is written


def test_a_truncated_body_is_marked_and_its_content_length_kept_aside(
    crawl_db: Path, packs: dict[str, Path]
) -> None:
    records = _records(packs[TRUNCATED])
    home = next(
        r
        for r in _of_type(records, "response")
        if r["uri"] == f"{TRUNCATED}/" and not r["warc"].get_header(PROBE_AGENT_FIELD)
    )
    assert home["warc"].get_header("WARC-Truncated") == "length"
    stored = next(f for f in _fetches(crawl_db, TRUNCATED) if f["kind"] == "home")
    assert home["payload"] == stored["body"]
    assert home["http"].get_header("Content-Length") is None
    sent = dict(json.loads(stored["headers"]))["Content-Length"]
    assert int(sent) > len(stored["body"])
    assert home["http"].get_header(RENAMED_PREFIX + "Content-Length") == sent


def test_a_skipped_request_is_a_metadata_record_saying_why(packs: dict[str, Path]) -> None:
    records = _records(packs[SKIPPED])
    home = f"{SKIPPED}/"
    assert home not in {r["uri"] for r in _of_type(records, "response")}
    outcome = next(
        json.loads(r["payload"]) for r in _of_type(records, "metadata") if r["uri"] == home
    )
    assert outcome["skipped"] == "robots-disallowed"
    assert outcome["status"] is None


def test_the_audit_record_is_the_site_as_exported(crawl_db: Path, packs: dict[str, Path]) -> None:
    records = _records(packs[POLICIES])
    (audit,) = _of_type(records, "resource")
    db, crawl_id = open_pack_db(crawl_db, "latest")
    try:
        (exported,) = list(iter_sites(db, crawl_id, Selection(sites=(POLICIES,))))
    finally:
        db.close()
    assert audit["uri"] == audit_uri(POLICIES, crawl_id)
    assert json.loads(audit["payload"]) == json.loads(json.dumps(exported))


def test_the_warcinfo_names_the_tool_crawl_and_versions(packs: dict[str, Path]) -> None:
    (info,) = _of_type(_records(packs[POLICIES]), "warcinfo")
    fields = dict(
        line.split(": ", 1) for line in info["payload"].decode("utf-8").splitlines() if line
    )
    assert fields["software"].startswith("optout-audit ")
    assert fields["optout-crawl-id"] == "1"
    assert fields["optout-crawl-interpreter-version"]
    assert fields["optout-crawl-registry-version"]


def test_a_pack_verifies(packs: dict[str, Path]) -> None:
    for pack in packs.values():
        result = verify_wacz(pack)
        assert result.problems == ()
        assert result.files == 3
        assert not result.signed


def test_the_same_fetches_at_the_same_time_make_the_same_bytes(
    crawl_db: Path, packs: dict[str, Path], tmp_path: Path
) -> None:
    db, crawl_id = open_pack_db(crawl_db, "latest")
    try:
        again = pack_site(db, crawl_id, POLICIES, tmp_path / "again.wacz", created=CREATED)
    finally:
        db.close()
    assert again.path.read_bytes() == packs[POLICIES].read_bytes()


def _flip_byte_inside(pack: Path, member: str, target: Path) -> None:
    """A copy of ``pack`` with one byte changed in the middle of ``member``'s stored data."""
    with zipfile.ZipFile(pack) as zf:
        info = zf.getinfo(member)
    data = bytearray(pack.read_bytes())
    name_length = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x01
    target.write_bytes(bytes(data))


@pytest.mark.parametrize("member", [ARCHIVE, INDEX, PAGES, DATAPACKAGE])
def test_one_byte_changed_fails_naming_the_file(
    packs: dict[str, Path], tmp_path: Path, member: str
) -> None:
    damaged = tmp_path / "damaged.wacz"
    _flip_byte_inside(packs[POLICIES], member, damaged)
    result = verify_wacz(damaged)
    assert not result.ok
    assert any(problem.startswith(f"{member}: ") for problem in result.problems)


def test_a_file_replaced_in_a_well_formed_zip_fails_its_digest(
    packs: dict[str, Path], tmp_path: Path
) -> None:
    rebuilt = tmp_path / "rebuilt.wacz"
    with zipfile.ZipFile(packs[POLICIES]) as source, zipfile.ZipFile(rebuilt, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == PAGES:
                data = data.replace(b"robots.txt", b"robots.TXT")
            out.writestr(info, data)
    assert verify_wacz(rebuilt).problems == (f"{PAGES}: sha256 does not match {DATAPACKAGE}",)


def _key_files(folder: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> Path:
    private = folder / "key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "key.pub.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private


@pytest.mark.parametrize("kind", ["ecdsa-p256", "rsa-2048"])
def test_a_signed_pack_verifies_with_its_key_and_fails_with_another(
    crawl_db: Path, tmp_path: Path, kind: str
) -> None:
    def new_key() -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey:
        if kind == "ecdsa-p256":
            return ec.generate_private_key(ec.SECP256R1())
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    (tmp_path / "signer").mkdir()
    (tmp_path / "other").mkdir()
    key = _key_files(tmp_path / "signer", new_key())
    _key_files(tmp_path / "other", new_key())
    db, crawl_id = open_pack_db(crawl_db, "latest")
    try:
        pack = pack_site(db, crawl_id, POLICIES, tmp_path / "signed.wacz", key_path=key).path
    finally:
        db.close()
    with zipfile.ZipFile(pack) as zf:
        digest = json.loads(zf.read(DIGEST))
    assert set(digest["signedData"]) >= {"hash", "signature", "publicKey", "created", "software"}
    assert digest["signedData"]["hash"] == digest["hash"]

    assert verify_wacz(pack).ok
    signer = load_public_key(tmp_path / "signer" / "key.pub.pem")
    assert verify_wacz(pack, signer).ok
    wrong = verify_wacz(pack, load_public_key(tmp_path / "other" / "key.pub.pem"))
    assert not wrong.ok
    assert wrong.problems[0].startswith(f"{DIGEST}: signedData: signed with key")


def test_an_unsigned_pack_fails_when_a_public_key_is_required(
    packs: dict[str, Path], tmp_path: Path
) -> None:
    _key_files(tmp_path, ec.generate_private_key(ec.SECP256R1()))
    result = verify_wacz(packs[POLICIES], load_public_key(tmp_path / "key.pub.pem"))
    assert result.problems == (f"{DIGEST}: not signed, but a public key was given",)


def test_cli_packs_by_default_and_verifies(crawl_db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "site.wacz"
    made = runner.invoke(
        cli, ["evidence", "gallery-pia.example", "--db", str(crawl_db), "-o", str(out)]
    )
    assert made.exit_code == 0, made.output
    assert "fetches of crawl 1" in made.stderr
    checked = runner.invoke(cli, ["evidence", "verify", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "ok" in checked.stdout

    _flip_byte_inside(out, ARCHIVE, tmp_path / "bad.wacz")
    failed = runner.invoke(cli, ["evidence", "verify", str(tmp_path / "bad.wacz")])
    assert failed.exit_code == 1
    assert failed.stdout.startswith(f"{ARCHIVE}: ")


def test_cli_names_close_matches_for_an_unknown_site(crawl_db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["evidence", "galery-pia.example", "--db", str(crawl_db), "-o", str(tmp_path / "x")],
    )
    assert result.exit_code == 1
    assert "did you mean http://gallery-pia.example" in result.output
    assert not (tmp_path / "x").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def wayback(tmp_path: Path, packs: dict[str, Path]) -> Iterator[str]:
    """pywb's wayback on loopback over a collection holding the policies site's pack."""
    for command in ("init", "add"):
        args = ["coll"] if command == "init" else ["--unpack-wacz", "coll", str(packs[POLICIES])]
        subprocess.run(
            [str(pywb_bin("wb-manager")), command, *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            timeout=WAIT_SECONDS,
        )
    port = _free_port()
    log = (tmp_path / "wayback.log").open("wb")
    server = subprocess.Popen(
        [str(pywb_bin("wayback")), "-p", str(port), "-b", "127.0.0.1"],
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "wayback.log").read_text()
                assert time.monotonic() < deadline, "wayback did not start"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def test_pywb_replays_the_stored_robots_txt(
    crawl_db: Path, packs: dict[str, Path], wayback: str
) -> None:
    robots = next(f for f in _fetches(crawl_db, POLICIES) if f["kind"] == "robots")
    with zipfile.ZipFile(packs[POLICIES]) as zf:
        index = zf.read(INDEX).decode("utf-8").splitlines()
    line = next(
        line for line in index if json.loads(line.split(" ", 2)[2])["url"] == robots["final_url"]
    )
    timestamp = line.split(" ")[1]
    url = f"{wayback}/coll/{timestamp}id_/{robots['final_url']}"
    with urllib.request.urlopen(url, timeout=WAIT_SECONDS) as answer:
        assert answer.status == 200
        assert answer.read() == robots["body"]


def test_no_leftover_files_beside_the_pack(packs: dict[str, Path]) -> None:
    folder = packs[POLICIES].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in packs.values())


def test_a_zip_that_is_no_pack_is_reported_not_raised(tmp_path: Path) -> None:
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("notes.txt", b"hello")
        zf.writestr(DATAPACKAGE, b"{not json")
    assert verify_wacz(other).problems == (
        f"{DATAPACKAGE}: not a JSON object",
        f"{DIGEST}: missing",
    )
    text = tmp_path / "text.wacz"
    text.write_text("not a zip")
    (problem,) = verify_wacz(text).problems
    assert problem.startswith("text.wacz: not a readable zip file")


def test_cli_pack_subcommand_signs_and_verify_wants_the_signer(
    crawl_db: Path, tmp_path: Path
) -> None:
    key = _key_files(tmp_path, ec.generate_private_key(ec.SECP256R1()))
    out = tmp_path / "signed.wacz"
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "evidence",
            "pack",
            POLICIES,
            "--db",
            str(crawl_db),
            "-o",
            str(out),
            "--sign-key",
            str(key),
        ],
    )
    assert made.exit_code == 0, made.output
    assert "signed by sha256:" in made.stderr
    checked = runner.invoke(
        cli, ["evidence", "verify", str(out), "--public-key", str(tmp_path / "key.pub.pem")]
    )
    assert checked.exit_code == 0, checked.output
