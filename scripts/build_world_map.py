#!/usr/bin/env python3
"""Build ``results/data/world-110m.json``: one SVG path per country, keyed by ISO alpha-2.

Input: ``countries-110m.json`` of the npm package world-atlas 2.0.2 (TopoJSON of Natural
Earth's 1:110m Admin 0 boundaries, version 4.1.0; data public domain, package ISC), fetched
once with ``npm pack world-atlas@2.0.2``. The TopoJSON is decoded here (its arcs are
delta-encoded integer positions scaled by the file's ``transform``; a ring lists arc indices,
``~i`` meaning arc ``i`` reversed, and consecutive arcs share their end point), projected with
the Equal Earth projection (Šavrič, Patterson and Jenny, 2018: equal-area, so a country's area
on the map is proportional to its area on the ground, as a choropleth needs), and written as
path data rounded to a tenth of a unit. Antarctica is left out (no site is there, and it
would double the map's height at the bottom).

Natural Earth keys countries by ISO 3166-1 numeric code; the alpha-2 code and the English
name come from Debian's iso-codes (``/usr/share/iso-codes/json/iso_3166-1.json``), read at
build time only. Three shapes have no ISO code (N. Cyprus, Somaliland, Kosovo): they are kept
without a code and drawn as land with no data.

Usage: ``python scripts/build_world_map.py /tmp/atlas/package/countries-110m.json [--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "results" / "data" / "world-110m.json"
ISO_CODES = Path("/usr/share/iso-codes/json/iso_3166-1.json")
WIDTH = 960
MARGIN = 4.0
LEFT_OUT = frozenset({"010"})  # Antarctica
NO_ISO_CODE = {"Kosovo": "XK"}  # user-assigned, used by the EU and most registries
SOURCE = {
    "name": "Natural Earth 1:110m Admin 0 countries, version 4.1.0",
    "via": "npm package world-atlas 2.0.2 (countries-110m.json)",
    "data_licence": "public domain (Natural Earth)",
    "package_licence": "ISC (Copyright 2013-2019 Michael Bostock)",
    "projection": "Equal Earth",
    "names": "ISO 3166-1 English short names from Debian iso-codes",
}

# Equal Earth's polynomial coefficients (Šavrič et al. 2018, equations 2 and 3).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2

Point = tuple[float, float]


def equal_earth(lon: float, lat: float) -> Point:
    """Unit Equal Earth coordinates of a position in degrees (y grows northwards)."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc as absolute longitude/latitude positions."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[Point]], indices: Iterable[int]) -> list[Point]:
    """One closed ring from its arcs (``~i``: arc ``i`` backwards); shared ends once."""
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def unwrap(points: Sequence[Point]) -> list[Point]:
    """The ring with no jump of more than 180 degrees of longitude between neighbours, so a
    ring that crosses the antimeridian (Fiji, Chukotka) runs past 180 or -180 instead."""
    out: list[Point] = []
    for lon, lat in points:
        if out:
            while lon - out[-1][0] > 180:
                lon -= 360
            while lon - out[-1][0] < -180:
                lon += 360
        out.append((lon, lat))
    return out


def clip(points: Sequence[Point], edge: float, keep_below: bool) -> list[Point]:
    """Sutherland-Hodgman: the part of a ring on one side of the meridian ``edge``."""

    def inside(p: Point) -> bool:
        return p[0] <= edge if keep_below else p[0] >= edge

    out: list[Point] = []
    for index, current in enumerate(points):
        previous = points[index - 1]
        if inside(current) != inside(previous):
            t = (edge - previous[0]) / (current[0] - previous[0])
            out.append((edge, previous[1] + t * (current[1] - previous[1])))
        if inside(current):
            out.append(current)
    return out


def split_at_antimeridian(points: Sequence[Point]) -> list[list[Point]]:
    """The ring as pieces inside -180..180: what runs past either edge comes back in from
    the other side."""
    ring = unwrap(points)
    pieces = []
    for shift in (-360, 0, 360):
        moved = [(lon + shift, lat) for lon, lat in ring]
        piece = clip(clip(moved, 180, keep_below=True), -180, keep_below=False)
        if len(piece) >= 3:
            pieces.append(piece)
    return pieces


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def path_data(rings: Sequence[Sequence[Point]], scale: float, x0: float, y0: float) -> str:
    """SVG path data: per ring an absolute move, then relative lines in tenths of a unit."""
    parts = []
    for points in rings:
        cells: list[tuple[int, int]] = []
        for lon, lat in points:
            x, y = equal_earth(lon, lat)
            cell = (round((x - x0) * scale * 10), round((y0 - y) * scale * 10))
            if not cells or cell != cells[-1]:
                cells.append(cell)
        if len(cells) < 3:
            continue
        (fx, fy), moves = cells[0], []
        for (ax, ay), (bx, by) in zip(cells, cells[1:], strict=False):
            moves.append(f"{_tenth(bx - ax)} {_tenth(by - ay)}")
        parts.append(f"M{_tenth(fx)} {_tenth(fy)}l" + " ".join(moves) + "z")
    return "".join(parts)


def _tenth(value: int) -> str:
    text = f"{value / 10:.1f}".rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def build(topology: dict[str, Any], iso: list[dict[str, str]]) -> dict[str, Any]:
    by_numeric = {c["numeric"]: c for c in iso}
    names = {c["alpha_2"]: c.get("common_name") or c["name"] for c in iso}
    arcs = decode_arcs(topology)
    geometries = [
        g
        for g in topology["objects"]["countries"]["geometries"]
        if g.get("id") not in LEFT_OUT and polygons(g)
    ]
    shapes = []
    for geometry in geometries:
        rings = [
            piece
            for polygon in polygons(geometry)
            for r in polygon
            for piece in split_at_antimeridian(ring(arcs, r))
        ]
        shapes.append((geometry, rings))
    projected = [equal_earth(lon, lat) for _, rings in shapes for r in rings for lon, lat in r]
    x0, x1 = min(p[0] for p in projected), max(p[0] for p in projected)
    y0, y1 = min(p[1] for p in projected), max(p[1] for p in projected)
    scale = (WIDTH - 2 * MARGIN) / (x1 - x0)
    countries = []
    for geometry, rings in shapes:
        name = geometry["properties"]["name"]
        known = by_numeric.get(geometry.get("id") or "")
        code = known["alpha_2"] if known else NO_ISO_CODE.get(name)
        d = path_data(rings, scale, x0 - MARGIN / scale, y1 + MARGIN / scale)
        countries.append({"code": code, "name": names.get(code or "", name), "d": d})
    countries.sort(key=lambda c: (c["code"] is None, c["code"] or "", c["name"]))
    return {
        "source": SOURCE,
        "width": WIDTH,
        "height": math.ceil((y1 - y0) * scale + 2 * MARGIN),
        "names": dict(sorted(names.items())),
        "countries": countries,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="world-atlas's countries-110m.json")
    parser.add_argument("--iso", type=Path, default=ISO_CODES, help="iso-codes' iso_3166-1.json")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    topology = json.loads(args.source.read_text(encoding="utf-8"))
    iso = json.loads(args.iso.read_text(encoding="utf-8"))["3166-1"]
    data = build(topology, iso)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False)
    args.out.write_text(text + "\n", encoding="utf-8")
    drawn = sum(1 for c in data["countries"] if c["code"])
    print(f"{args.out}: {drawn} countries drawn, {len(text)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
