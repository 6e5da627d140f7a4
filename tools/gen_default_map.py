#!/usr/bin/env python3
"""Generate Amphi's default tileset and venue map (standard library only).

Writes, relative to the repository root:
  assets/tiles/amphi-tiles.png   32x32 tiles, 8 columns, flat colours
  assets/maps/default.tmj        the default venue (Tiled 1.10 JSON, that tileset)
  assets/maps/campus.tmj         a venue for about 2,000 people (same tileset)

Usage:
  python3 tools/gen_default_map.py [--preview /tmp/map-preview.png]

The preview renders the whole map from the tileset, to check by eye that it
reads as a venue. It is not committed. The map format is described in
docs/maps.md; the loader is src/venue/.
"""

import argparse
import json
import os
import struct
import zlib

TILE = 32
COLUMNS = 8
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---------------------------------------------------------------- PNG output


def write_png(path, width, height, rgba):
    """Write an RGBA image (bytes, row-major) as a PNG file."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    stride = width * 4
    raw = b"".join(b"\x00" + bytes(rgba[y * stride:(y + 1) * stride]) for y in range(height))
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9))
    png += chunk(b"IEND", b"")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(png)


# ------------------------------------------------------------- tile drawing


def hexc(s, a=255):
    s = s.lstrip("#")
    return (int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16), a)


class Canvas:
    """One 32x32 RGBA tile."""

    def __init__(self, fill=None):
        self.px = bytearray(TILE * TILE * 4)
        if fill:
            self.rect(0, 0, TILE, TILE, fill)

    def set(self, x, y, c):
        if 0 <= x < TILE and 0 <= y < TILE:
            i = (y * TILE + x) * 4
            self.px[i:i + 4] = bytes(c)

    def rect(self, x0, y0, x1, y1, c):
        for y in range(y0, y1):
            for x in range(x0, x1):
                self.set(x, y, c)

    def frame(self, x0, y0, x1, y1, c):
        self.rect(x0, y0, x1, y0 + 1, c)
        self.rect(x0, y1 - 1, x1, y1, c)
        self.rect(x0, y0, x0 + 1, y1, c)
        self.rect(x1 - 1, y0, x1, y1, c)

    def disc(self, cx, cy, r, c):
        for y in range(TILE):
            for x in range(TILE):
                if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r:
                    self.set(x, y, c)

    def round_rect(self, x0, y0, x1, y1, r, c):
        for y in range(y0, y1):
            for x in range(x0, x1):
                dx = max(x0 + r - x - 0.5, 0, x + 0.5 - (x1 - r))
                dy = max(y0 + r - y - 0.5, 0, y + 0.5 - (y1 - r))
                if dx * dx + dy * dy <= r * r:
                    self.set(x, y, c)


def t_hall():
    c = Canvas(hexc("#e8e4dc"))
    c.rect(0, 31, 32, 32, hexc("#d8d1c4"))
    c.rect(31, 0, 32, 32, hexc("#d8d1c4"))
    c.rect(15, 15, 17, 17, hexc("#ded8cc"))
    return c


def t_wood_floor():
    c = Canvas(hexc("#ecd2a8"))
    for y in (7, 15, 23, 31):
        c.rect(0, y, 32, y + 1, hexc("#dcbd8c"))
    for x, y in ((10, 0), (26, 8), (4, 16), (20, 24)):
        c.rect(x, y, x + 1, y + 7, hexc("#dcbd8c"))
    return c


def t_carpet(row=False):
    c = Canvas(hexc("#9e3b4a"))
    for y in range(0, 32, 4):
        for x in range((y // 4) % 2 * 2, 32, 4):
            c.set(x, y, hexc("#a8495a"))
    if row:
        c.rect(0, 26, 32, 30, hexc("#873241"))
        c.rect(0, 26, 32, 27, hexc("#b35566"))
    return c


def t_stage():
    c = Canvas(hexc("#cf9354"))
    for x in (7, 15, 23, 31):
        c.rect(x, 0, x + 1, 32, hexc("#b67a40"))
    for x, y in ((3, 10), (11, 22), (19, 5), (27, 17)):
        c.rect(x, y, x + 2, y + 1, hexc("#b67a40"))
    return c


def t_plain(fill, grout):
    c = Canvas(hexc(fill))
    c.rect(0, 31, 32, 32, hexc(grout))
    c.rect(31, 0, 32, 32, hexc(grout))
    return c


def t_mat():
    c = Canvas(hexc("#5e6470"))
    for y in range(3, 32, 6):
        c.rect(2, y, 30, y + 2, hexc("#737a88"))
    return c


def t_wall_top():
    c = Canvas(hexc("#434b5c"))
    c.rect(0, 0, 32, 2, hexc("#59637a"))
    c.rect(0, 16, 32, 17, hexc("#3a4150"))
    c.rect(15, 0, 16, 16, hexc("#3a4150"))
    c.rect(7, 17, 8, 32, hexc("#3a4150"))
    c.rect(23, 17, 24, 32, hexc("#3a4150"))
    return c


def t_wall_face():
    c = Canvas(hexc("#5a6275"))
    for y in (7, 15, 23, 31):
        c.rect(0, y, 32, y + 1, hexc("#4a5163"))
    for row, y in enumerate((0, 8, 16, 24)):
        for x in ((7, 23) if row % 2 else (15, 31)):
            c.rect(x, y, x + 1, y + 7, hexc("#4a5163"))
    return c


def t_table(fill="#b07a45", grain="#9c6a3a"):
    c = Canvas(hexc(fill))
    for y in (5, 13, 21, 29):
        c.rect(0, y, 32, y + 1, hexc(grain))
    return c


def t_chair():
    c = Canvas()
    c.round_rect(7, 7, 25, 25, 4, hexc("#2f5980"))
    c.round_rect(9, 11, 23, 23, 3, hexc("#3f7bb3"))
    return c


def t_desk():
    c = Canvas(hexc("#6b7a8f"))
    c.rect(0, 0, 32, 2, hexc("#7d8ca2"))
    c.rect(8, 8, 24, 20, hexc("#2b3340"))
    c.rect(9, 9, 23, 19, hexc("#8fc1e8"))
    c.rect(6, 21, 26, 25, hexc("#c9d1db"))
    return c


def t_plant():
    c = Canvas()
    c.disc(16, 16, 11, hexc("#3f8a4a"))
    for cx, cy in ((11, 11), (21, 12), (12, 21), (21, 21), (16, 16)):
        c.disc(cx, cy, 5, hexc("#57ab5f"))
    c.disc(16, 16, 3, hexc("#9a5a2b"))
    return c


def t_whiteboard():
    c = Canvas(hexc("#434b5c"))
    c.rect(2, 4, 30, 26, hexc("#9aa3ad"))
    c.rect(4, 6, 28, 24, hexc("#f7f7f2"))
    c.rect(7, 10, 20, 11, hexc("#d9534f"))
    c.rect(7, 14, 24, 15, hexc("#337ab7"))
    c.rect(7, 18, 16, 19, hexc("#3c9b52"))
    return c


def t_screen():
    c = Canvas(hexc("#434b5c"))
    c.rect(0, 4, 32, 28, hexc("#1f2a38"))
    c.rect(0, 7, 32, 25, hexc("#4a90d9"))
    c.rect(0, 7, 32, 9, hexc("#6aa8e6"))
    return c


def t_lectern():
    c = Canvas()
    c.round_rect(6, 8, 26, 28, 3, hexc("#6a4226"))
    c.rect(8, 10, 24, 16, hexc("#9c6a41"))
    c.disc(16, 22, 2, hexc("#d9d9d9"))
    return c


def t_entrance():
    c = Canvas(hexc("#a7c7dc"))
    c.rect(0, 0, 32, 3, hexc("#6d8ea5"))
    c.rect(15, 0, 17, 32, hexc("#8fb1c8"))
    c.rect(0, 29, 32, 32, hexc("#6d8ea5"))
    return c


def t_counter():
    c = Canvas(hexc("#c9b79c"))
    c.rect(0, 0, 32, 3, hexc("#e0d2bd"))
    c.rect(0, 28, 32, 32, hexc("#a8967b"))
    return c


def t_sofa():
    c = Canvas()
    c.round_rect(2, 6, 30, 28, 5, hexc("#c4833f"))
    c.round_rect(6, 12, 26, 26, 3, hexc("#e09a52"))
    return c


def t_rug():
    c = Canvas(hexc("#e3b34f"))
    c.frame(2, 2, 30, 30, hexc("#c99a3b"))
    c.disc(16, 16, 6, hexc("#c99a3b"))
    return c


# (name, drawing, collides). The index in this list is the local tile id.
TILES = [
    ("hall", t_hall, False),
    ("wood-floor", t_wood_floor, False),
    ("carpet", lambda: t_carpet(False), False),
    ("carpet-row", lambda: t_carpet(True), False),
    ("stage", t_stage, False),
    ("jury-floor", lambda: t_plain("#7fa7b8", "#739aab"), False),
    ("mentor-floor", lambda: t_plain("#bcd9ab", "#abc99a"), False),
    ("mat", t_mat, False),
    ("wall-top", t_wall_top, True),
    ("wall-face", t_wall_face, True),
    ("table", t_table, True),
    ("chair", t_chair, False),
    ("desk", t_desk, True),
    ("plant", t_plant, True),
    ("whiteboard", t_whiteboard, True),
    ("screen", t_screen, True),
    ("lectern", t_lectern, True),
    ("jury-table", lambda: t_table("#5b3a29", "#4d3122"), True),
    ("entrance", t_entrance, False),
    ("counter", t_counter, True),
    ("sofa", t_sofa, True),
    ("rug", t_rug, False),
]
ROWS = (len(TILES) + COLUMNS - 1) // COLUMNS
GID = {name: i + 1 for i, (name, _, _) in enumerate(TILES)}  # firstgid = 1


def tileset_image():
    """All tiles laid out 8 per row; returns (width, height, rgba, canvases)."""
    canvases = [draw() for _, draw, _ in TILES]
    width, height = COLUMNS * TILE, ROWS * TILE
    rgba = bytearray(width * height * 4)
    for i, c in enumerate(canvases):
        ox, oy = (i % COLUMNS) * TILE, (i // COLUMNS) * TILE
        for y in range(TILE):
            row = c.px[y * TILE * 4:(y + 1) * TILE * 4]
            start = ((oy + y) * width + ox) * 4
            rgba[start:start + TILE * 4] = row
    return width, height, rgba, canvases


# ------------------------------------------------------------------ the map

W, H = 80, 50


class Venue:
    """Two tile layers and the object list, filled by the layouts below."""

    def __init__(self, w=W, h=H):
        self.w, self.h = w, h
        self.floor = [GID["hall"]] * (w * h)
        self.furniture = [0] * (w * h)
        self.objects = []

    def put(self, layer, x, y, name):
        layer[y * self.w + x] = GID[name] if name else 0

    def fill(self, layer, x, y, w, h, name):
        for ty in range(y, y + h):
            for tx in range(x, x + w):
                self.put(layer, tx, ty, name)

    def obj(self, name, cls, x, y, w, h, props=None):
        o = {
            "id": len(self.objects) + 1,
            "name": name,
            "type": cls,
            "x": x * TILE, "y": y * TILE, "width": w * TILE, "height": h * TILE,
            "rotation": 0, "visible": True,
        }
        if props:
            o["properties"] = [
                {"name": k, "type": "int" if isinstance(v, int) else "string", "value": v}
                for k, v in props.items()
            ]
        self.objects.append(o)

    def spawn(self, x, y):
        self.objects.append({
            "id": len(self.objects) + 1, "name": "", "type": "spawn", "point": True,
            "x": x * TILE + TILE // 2, "y": y * TILE + TILE // 2,
            "width": 0, "height": 0, "rotation": 0, "visible": True,
        })


def outer_walls(v, door_x):
    """Walls around the map, with a 6-tile entrance at the bottom from door_x."""
    fur, W, H = v.furniture, v.w, v.h
    v.obj("hall", "hall", 0, 0, W, H, {"label": "Hall"})
    v.fill(fur, 0, 0, W, 1, "wall-top")
    v.fill(fur, 0, H - 1, W, 1, "wall-top")
    v.fill(fur, 0, 0, 1, H, "wall-top")
    v.fill(fur, W - 1, 0, 1, H, "wall-top")
    v.fill(fur, door_x, H - 1, 6, 1, None)
    v.fill(v.floor, door_x, H - 1, 6, 1, "entrance")
    v.fill(v.floor, door_x, H - 3, 6, 2, "mat")


def amphitheatre(v):
    """x 1..32, y 1..22, walls on its right and bottom with doors."""
    fur = v.furniture
    v.fill(v.floor, 1, 1, 32, 22, "carpet")
    for y in range(6, 23, 2):
        v.fill(v.floor, 1, y, 32, 1, "carpet-row")
    v.fill(v.floor, 8, 1, 18, 4, "stage")
    v.fill(fur, 11, 0, 12, 1, "screen")
    v.put(fur, 23, 2, "lectern")
    v.fill(fur, 33, 1, 1, 23, "wall-top")
    v.fill(fur, 1, 23, 33, 1, "wall-face")
    for x0 in (6, 25):
        v.fill(fur, x0, 23, 3, 1, None)
        v.fill(v.floor, x0, 23, 3, 1, "mat")
    for y0 in (9, 18):
        v.fill(fur, 33, y0, 1, 3, None)
        v.fill(v.floor, 33, y0, 1, 3, "mat")
    for x, y in ((1, 1), (32, 1), (1, 22), (32, 22)):
        v.put(fur, x, y, "plant")
    v.obj("amphi", "amphitheatre", 1, 1, 32, 22,
          {"label": "Amphithéâtre", "capacity": 400})
    v.obj("", "stage", 8, 1, 18, 4)
    # Rows of seats on the carpet rows, split by a central aisle: summoned
    # people are seated there, front rows first.
    for y in range(6, 21, 2):
        v.obj("", "seats", 2, y, 14, 1)
        v.obj("", "seats", 18, y, 14, 1)


def jury_room(v, x):
    """16x11 tiles from (x, 1), walled, door at the bottom."""
    fur = v.furniture
    v.fill(v.floor, x, 1, 16, 11, "jury-floor")
    v.fill(fur, x - 1, 1, 1, 12, "wall-top")
    v.fill(fur, x - 1, 12, 17, 1, "wall-face")
    v.fill(fur, x + 6, 12, 2, 1, None)
    v.fill(v.floor, x + 6, 12, 2, 1, "mat")
    v.fill(fur, x + 3, 5, 9, 2, "jury-table")
    for cx in range(x + 3, x + 12, 2):
        v.put(fur, cx, 4, "chair")
        v.put(fur, cx, 7, "chair")
    v.fill(fur, x + 4, 0, 7, 1, "whiteboard")
    v.put(fur, x, 1, "plant")
    v.put(fur, x + 15, 1, "plant")
    v.fill(fur, x + 13, 9, 2, 2, "sofa")
    v.obj("jury", "jury-room", x, 1, 16, 11,
          {"label": "Salle du jury", "roles": "jury,moderator"})


def team_table(v, n, x, y):
    """A 7x6 area with a 3x2 table and 7 chairs."""
    fur = v.furniture
    v.fill(v.floor, x, y, 7, 6, "wood-floor")
    v.fill(fur, x + 2, y + 2, 3, 2, "table")
    for dx in range(2, 5):
        v.put(fur, x + dx, y + 1, "chair")
        v.put(fur, x + dx, y + 4, "chair")
    v.put(fur, x + 5, y + 2, "chair")
    v.obj(f"table-{n:02}", "team-table", x, y, 7, 6,
          {"label": f"Table {n}", "capacity": 7})


def mentor_desk(v, n, x, y):
    """A 7x5 area, a desk with a mentor chair behind it."""
    fur = v.furniture
    v.fill(v.floor, x, y, 7, 5, "mentor-floor")
    v.fill(fur, x + 2, y + 2, 3, 1, "desk")
    v.put(fur, x + 3, y + 1, "chair")
    v.put(fur, x + 2, y + 3, "chair")
    v.put(fur, x + 4, y + 3, "chair")
    v.obj(f"mentor-{n}", "mentor-desk", x, y, 7, 5,
          {"label": f"Bureau mentor {n}", "capacity": 6})


def build_map():
    """The default venue, for events of 30 to 400 people."""
    v = Venue()
    fur = v.furniture
    outer_walls(v, 37)
    amphitheatre(v)
    jury_room(v, 63)
    spots = [(x, y) for y in (2, 10, 18, 26) for x in (36, 44, 52)]
    spots += [(x, y) for y in (26, 34) for x in (2, 10, 18, 26)]
    for n, (x, y) in enumerate(spots, start=1):
        team_table(v, n, x, y)
    desks = [(x, y) for y in (15, 22, 29) for x in (64, 72)]
    for n, (x, y) in enumerate(desks, start=1):
        mentor_desk(v, n, x, y)

    # Lobby near the entrance: reception, sofas, plants, a rug; spawns.
    v.fill(fur, 46, 44, 5, 1, "counter")
    v.fill(v.floor, 36, 41, 8, 4, "rug")
    for x, y in ((35, 47), (44, 47), (34, 40), (45, 40), (61, 47), (78, 48), (1, 48)):
        v.put(fur, x, y, "plant")
    v.fill(fur, 54, 45, 3, 1, "sofa")
    v.fill(fur, 24, 45, 3, 1, "sofa")
    for x, y in ((38, 45), (40, 45), (42, 45), (37, 46), (39, 46), (41, 46)):
        v.spawn(x, y)
    return v


def build_campus():
    """A venue for about 2,000 people: the same amphitheatre (400 seats), 100
    team tables (700 seats), 12 mentor desks, and a large hall whose spawn
    points are spread over it, so arrivals do not pile up at one door."""
    v = Venue(160, 100)
    fur = v.furniture
    outer_walls(v, 77)
    amphitheatre(v)
    jury_room(v, 143)
    spots = [(x, y) for y in range(2, 51, 8) for x in range(36, 125, 8)]
    spots += [(x, y) for y in (26, 34, 42, 50) for x in (2, 10, 18, 26)]
    for n, (x, y) in enumerate(spots, start=1):
        team_table(v, n, x, y)
    desks = [(x, y) for y in (15, 22, 29, 36) for x in (136, 144, 152)]
    for n, (x, y) in enumerate(desks, start=1):
        mentor_desk(v, n, x, y)
    v.fill(fur, 86, 94, 5, 1, "counter")
    for x in range(12, 150, 24):
        v.fill(fur, x, 60, 3, 1, "sofa")
        v.put(fur, x + 10, 76, "plant")
    for y in range(64, 97, 8):
        for x in range(6, 155, 8):
            v.spawn(x, y)
    return v


def tmj(v, img_w, img_h):
    W, H = v.w, v.h
    layer = lambda i, name, data: {
        "type": "tilelayer", "id": i, "name": name, "width": W, "height": H,
        "x": 0, "y": 0, "opacity": 1, "visible": True, "data": data,
    }
    return {
        "type": "map", "version": "1.10", "tiledversion": "1.10.2",
        "orientation": "orthogonal", "renderorder": "right-down",
        "infinite": False, "compressionlevel": -1,
        "width": W, "height": H, "tilewidth": TILE, "tileheight": TILE,
        "nextlayerid": 4, "nextobjectid": len(v.objects) + 1,
        "layers": [
            layer(1, "floor", v.floor),
            layer(2, "furniture", v.furniture),
            {"type": "objectgroup", "id": 3, "name": "rooms", "draworder": "topdown",
             "opacity": 1, "visible": True, "x": 0, "y": 0, "objects": v.objects},
        ],
        "tilesets": [{
            "firstgid": 1, "name": "amphi", "image": "../tiles/amphi-tiles.png",
            "imagewidth": img_w, "imageheight": img_h,
            "tilewidth": TILE, "tileheight": TILE, "margin": 0, "spacing": 0,
            "columns": COLUMNS, "tilecount": COLUMNS * ROWS,
            "tiles": [
                {"id": i, "type": name,
                 "properties": [{"name": "collides", "type": "bool", "value": True}]}
                if collides else {"id": i, "type": name}
                for i, (name, _, collides) in enumerate(TILES)
            ],
        }],
    }


def write_tmj(path, doc):
    """JSON with one tile row per line, so diffs of the map stay readable."""
    W, H = doc["width"], doc["height"]
    rows = {}
    for layer in doc["layers"]:
        if layer["type"] == "tilelayer":
            mark = "@@%s@@" % layer["name"]
            data = layer["data"]
            lines = [", ".join(str(g) for g in data[y * W:(y + 1) * W]) for y in range(H)]
            rows[mark] = "[\n    " + ",\n    ".join(lines) + "\n   ]"
            layer["data"] = mark
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    for mark, block in rows.items():
        text = text.replace(json.dumps(mark), block)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def preview(path, v, canvases, scale_down=2):
    """Render both tile layers (alpha-blended) at 1/scale_down size."""
    size = TILE // scale_down
    W, H = v.w, v.h
    width, height = W * size, H * size
    out = bytearray(width * height * 4)
    for layer in (v.floor, v.furniture):
        for i, gid in enumerate(layer):
            if gid == 0:
                continue
            px = canvases[gid - 1].px
            ox, oy = (i % W) * size, (i // W) * size
            for y in range(size):
                for x in range(size):
                    s = ((y * scale_down) * TILE + x * scale_down) * 4
                    a = px[s + 3]
                    if a == 0:
                        continue
                    d = ((oy + y) * width + ox + x) * 4
                    for k in range(3):
                        out[d + k] = (px[s + k] * a + out[d + k] * (255 - a)) // 255
                    out[d + 3] = 255
    write_png(path, width, height, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preview", help="also render the map to this PNG")
    args = parser.parse_args()

    img_w, img_h, rgba, canvases = tileset_image()
    write_png(os.path.join(ROOT, "assets/tiles/amphi-tiles.png"), img_w, img_h, rgba)
    v = build_map()
    write_tmj(os.path.join(ROOT, "assets/maps/default.tmj"), tmj(v, img_w, img_h))
    campus = build_campus()
    write_tmj(os.path.join(ROOT, "assets/maps/campus.tmj"), tmj(campus, img_w, img_h))
    if args.preview:
        preview(args.preview, v, canvases)
        root, ext = os.path.splitext(args.preview)
        preview(root + "-campus" + ext, campus, canvases, scale_down=4)


if __name__ == "__main__":
    main()
