"""The per-country map (results/svg_map.py) and the script that built its outlines."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType
from xml.etree import ElementTree

import pytest

from results.countries import CountryRow, world
from results.svg_map import CLASSES, NO_DATA, colour_of, render_map, world_map
from tests.conftest import ROOT

SVG = "{http://www.w3.org/2000/svg}"


def row(code: str | None, sites: int, reserved: int, name: str = "Somewhere") -> CountryRow:
    return CountryRow(code, name, sites, reserved, 0, sites - reserved, 0, 0, (), 0.1, 0.9)


def parsed(rows: list[CountryRow]) -> tuple[str, ElementTree.Element]:
    text = str(render_map(world_map("m", rows)))
    return text, ElementTree.fromstring(text)


def paths(svg: ElementTree.Element, code: str) -> list[ElementTree.Element]:
    return [p for p in svg.iter(f"{SVG}path") if p.get("data-country") == code]


def test_the_bundled_outlines_cover_the_large_countries_and_stay_small() -> None:
    data = world()
    codes = {c["code"] for c in data["countries"]}
    assert {"US", "DE", "BR", "IN", "CN", "AU", "NG", "RU", "FJ"} <= codes
    assert "AQ" not in codes  # Antarctica is left out
    assert len(data["names"]) == 249
    assert (ROOT / "results" / "data" / "world-110m.LICENSE").is_file()


def test_each_share_gets_its_class_colour() -> None:
    assert colour_of(0.0) == CLASSES[0][1]
    assert colour_of(0.2) == CLASSES[0][1]
    assert colour_of(0.21) == CLASSES[1][1]
    assert colour_of(1.0) == CLASSES[-1][1]


def test_a_country_with_sites_is_coloured_titled_and_others_grey() -> None:
    _, svg = parsed([row("DE", 10, 10, "Germany")])
    (germany,) = paths(svg, "DE")
    assert germany.get("fill") == CLASSES[-1][1]
    title = germany.find(f"{SVG}title")
    assert title is not None and title.text is not None
    assert title.text.startswith("Germany (DE): 10 sites, 10 reserving AI training (100%")
    (france,) = paths(svg, "FR")
    assert france.get("fill") == NO_DATA and "no-data" in (france.get("class") or "")


def test_few_sites_get_a_dashed_outline_and_many_do_not() -> None:
    _, svg = parsed([row("DE", 4, 1), row("FR", 5, 1)])
    assert [p.get("class") for p in paths(svg, "DE")] == ["country"]
    dashed = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "few"]
    germany = paths(svg, "DE")[0].get("d")
    assert [p.get("d") for p in dashed] == [germany]


def test_small_countries_are_listed_not_drawn() -> None:
    chart = world_map("m", [row("SG", 3, 1), row("DE", 3, 1), row(None, 2, 0)])
    assert [r.code for r in chart.undrawn] == ["SG"]


def test_hostile_names_are_escaped_and_nothing_outside_is_referenced() -> None:
    text, svg = parsed([row("DE", 6, 3, '<script>alert("x")</script> & "q"')])
    assert "<script" not in text and svg.find(f".//{SVG}script") is None
    title = paths(svg, "DE")[0].find(f"{SVG}title")
    assert title is not None and '<script>alert("x")</script>' in (title.text or "")
    outside = re.findall(r"https?://|url\(|href", text.replace("http://www.w3.org/2000/svg", ""))
    assert outside == []
    assert len(text.encode()) < 300_000


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_world_map", ROOT / "scripts" / "build_world_map.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_topojson_arcs_are_delta_decoded_and_reversed_with_a_tilde() -> None:
    build = _script()
    topology = {
        "transform": {"scale": [1, 1], "translate": [10, 20]},
        "arcs": [[[0, 0], [2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2]]],
    }
    arcs = build.decode_arcs(topology)
    assert arcs == [[(10, 20), (12, 20), (12, 22)], [(12, 22), (10, 22), (10, 20)]]
    assert build.ring(arcs, [0, 1]) == [(10, 20), (12, 20), (12, 22), (10, 22), (10, 20)]
    assert build.ring(arcs, [~1])[0] == (10, 20)


def test_a_ring_across_the_antimeridian_is_split_into_two_pieces() -> None:
    build = _script()
    fiji = [(178.0, -17.0), (-179.0, -17.0), (-179.0, -18.0), (178.0, -18.0), (178.0, -17.0)]
    pieces = build.split_at_antimeridian(fiji)
    assert len(pieces) == 2
    for piece in pieces:
        assert all(-180 <= lon <= 180 for lon, _ in piece)
    assert {max(abs(lon) for lon, _ in piece) for piece in pieces} == {180}


@pytest.mark.parametrize(("lon", "lat"), [(0.0, 0.0), (180.0, 0.0), (0.0, 90.0)])
def test_equal_earth_is_symmetric(lon: float, lat: float) -> None:
    x, y = _script().equal_earth(lon, lat)
    mx, my = _script().equal_earth(-lon, -lat)
    assert (mx, my) == pytest.approx((-x, -y))
