// Loads the event's Tiled map (.tmj), its tileset images, and draws the tile
// layers once into offscreen canvases (chunks, so big maps stay under the
// browsers' canvas size limits). Layers marked `above` (WorkAdventure's
// layers after `floorLayer`, or `amphi-above`) go into a second set of
// chunks the renderer draws over avatars. Also keeps what the client needs
// to guess walkability: the `collides` tiles and layers (the server decides
// anyway).
//
// Tileset images and external tilesets are relative to the map's URL: the
// embedded venue's `/assets/maps/default.tmj`, or a custom map's checked copy
// whose images the server has already made absolute (`/venue/...`).

const FLIP_H = 0x80000000;
const FLIP_V = 0x40000000;
const FLIP_D = 0x20000000;
const GID_MASK = 0x0fffffff; // also drops Tiled's hexagonal-rotation bit
const CHUNK_TILES = 64;

export async function loadMap(mapUrl) {
  const res = await fetch(mapUrl, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`map: HTTP ${res.status}`);
  const tmj = await res.json();
  const base = new URL(mapUrl, location.href);
  const tilesets = await Promise.all((tmj.tilesets || []).map((ts) => loadTileset(ts, base)));
  tilesets.sort((a, b) => a.firstgid - b.firstgid);
  const map = new TileMap(tmj, tilesets);
  map.paint();
  return map;
}

async function loadTileset(ref, base) {
  let ts = ref;
  let dir = base;
  if (ref.source) {
    const url = new URL(ref.source, base);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`tileset ${ref.source}: HTTP ${res.status}`);
    ts = { ...(await res.json()), firstgid: ref.firstgid };
    dir = url;
  }
  const collides = new Set();
  for (const tile of ts.tiles || []) {
    if ((tile.properties || []).some((p) => p.name === 'collides' && p.value === true)) collides.add(tile.id);
  }
  let image = null;
  if (ts.image) {
    image = new Image();
    image.decoding = 'async';
    image.src = new URL(ts.image, dir).href;
    try {
      await image.decode();
    } catch {
      image = null; // drawn as flat colour below rather than failing the page
    }
  }
  const tw = ts.tilewidth;
  const th = ts.tileheight;
  return {
    firstgid: ts.firstgid,
    count: ts.tilecount,
    columns: ts.columns || Math.max(1, Math.floor(((ts.imagewidth || tw) - (ts.margin || 0)) / (tw + (ts.spacing || 0)))),
    tw,
    th,
    margin: ts.margin || 0,
    spacing: ts.spacing || 0,
    image,
    collides,
  };
}

function layerData(layer) {
  if (Array.isArray(layer.data)) return layer.data;
  if (typeof layer.data === 'string' && layer.encoding === 'base64' && !layer.compression) {
    const bin = atob(layer.data.trim());
    const out = new Array(bin.length >> 2);
    for (let i = 0; i < out.length; i++) {
      const o = i * 4;
      out[i] = (bin.charCodeAt(o) | (bin.charCodeAt(o + 1) << 8) | (bin.charCodeAt(o + 2) << 16) | (bin.charCodeAt(o + 3) << 24)) >>> 0;
    }
    return out;
  }
  return null;
}

function flatLayers(layers, out = [], opacity = 1, visible = true) {
  for (const layer of layers || []) {
    const op = opacity * (layer.opacity ?? 1);
    const vis = visible && layer.visible !== false;
    if (layer.type === 'group') flatLayers(layer.layers, out, op, vis);
    else if (layer.type === 'tilelayer') out.push({ layer, opacity: op, visible: vis, above: layer.above === true });
  }
  return out;
}

export class TileMap {
  constructor(tmj, tilesets) {
    this.width = tmj.width;
    this.height = tmj.height;
    this.tw = tmj.tilewidth;
    this.th = tmj.tileheight;
    this.pixelWidth = this.width * this.tw;
    this.pixelHeight = this.height * this.th;
    this.background = tmj.backgroundcolor || '#1f2430';
    this.tilesets = tilesets;
    this.layers = flatLayers(tmj.layers).map((l) => ({ ...l, data: layerData(l.layer) })).filter((l) => l.data);
    this.blocked = new Uint8Array(this.width * this.height);
    for (const { layer, data } of this.layers) {
      const layerCollides = (layer.properties || []).some((p) => p.name === 'collides' && p.value === true);
      for (let i = 0; i < data.length && i < this.blocked.length; i++) {
        const gid = data[i] & GID_MASK;
        if (!gid) continue;
        const ts = this.tilesetOf(gid);
        if (layerCollides || (ts && ts.collides.has(gid - ts.firstgid))) this.blocked[i] = 1;
      }
    }
    this.chunks = [];
    /** Chunks of the layers drawn over avatars (transparent elsewhere). */
    this.overChunks = [];
  }

  tilesetOf(gid) {
    let found = null;
    for (const ts of this.tilesets) {
      if (gid >= ts.firstgid) found = ts;
      else break;
    }
    return found;
  }

  isBlocked(x, y) {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return true;
    return this.blocked[y * this.width + x] === 1;
  }

  /** Draws every visible tile layer into chunk canvases, once. */
  paint() {
    const below = this.layers.filter((l) => !l.above);
    const above = this.layers.filter((l) => l.above);
    this.chunks = this.paintChunks(below, this.background);
    this.overChunks = above.length ? this.paintChunks(above, null) : [];
  }

  /** Chunk canvases of these layers, over a background colour (or none). */
  paintChunks(layers, background) {
    const chunks = [];
    const cols = Math.ceil(this.width / CHUNK_TILES);
    const rows = Math.ceil(this.height / CHUNK_TILES);
    for (let cy = 0; cy < rows; cy++) {
      for (let cx = 0; cx < cols; cx++) {
        const tx0 = cx * CHUNK_TILES;
        const ty0 = cy * CHUNK_TILES;
        const wTiles = Math.min(CHUNK_TILES, this.width - tx0);
        const hTiles = Math.min(CHUNK_TILES, this.height - ty0);
        const canvas = document.createElement('canvas');
        canvas.width = wTiles * this.tw;
        canvas.height = hTiles * this.th;
        const ctx = canvas.getContext('2d');
        ctx.imageSmoothingEnabled = false;
        if (background) {
          ctx.fillStyle = background;
          ctx.fillRect(0, 0, canvas.width, canvas.height);
        }
        for (const { data, opacity, visible } of layers) {
          if (!visible || opacity <= 0) continue;
          ctx.globalAlpha = opacity;
          for (let y = 0; y < hTiles; y++) {
            for (let x = 0; x < wTiles; x++) {
              const raw = data[(ty0 + y) * this.width + tx0 + x];
              if (raw) this.drawTile(ctx, raw, x * this.tw, y * this.th);
            }
          }
        }
        ctx.globalAlpha = 1;
        chunks.push({ canvas, x: tx0 * this.tw, y: ty0 * this.th, w: canvas.width, h: canvas.height });
      }
    }
    return chunks;
  }

  drawTile(ctx, raw, px, py) {
    const gid = raw & GID_MASK;
    const ts = this.tilesetOf(gid);
    if (!ts) return;
    const id = gid - ts.firstgid;
    if (!ts.image) {
      ctx.fillStyle = ts.collides.has(id) ? '#3b4252' : '#d8dee9';
      ctx.fillRect(px, py, this.tw, this.th);
      return;
    }
    const sx = ts.margin + (id % ts.columns) * (ts.tw + ts.spacing);
    const sy = ts.margin + Math.floor(id / ts.columns) * (ts.th + ts.spacing);
    // Tiles taller than the grid are anchored at the bottom-left, as in Tiled.
    const dy = py + this.th - ts.th;
    const flips = raw & (FLIP_H | FLIP_V | FLIP_D);
    if (!flips) {
      ctx.drawImage(ts.image, sx, sy, ts.tw, ts.th, px, dy, ts.tw, ts.th);
      return;
    }
    ctx.save();
    ctx.translate(px + ts.tw / 2, dy + ts.th / 2);
    // Tiled transposes first (diagonal flag), then flips; canvas transforms
    // apply to the drawing in reverse order of the calls.
    ctx.scale(raw & FLIP_H ? -1 : 1, raw & FLIP_V ? -1 : 1);
    if (raw & FLIP_D) {
      ctx.rotate(Math.PI / 2);
      ctx.scale(1, -1);
    }
    ctx.drawImage(ts.image, sx, sy, ts.tw, ts.th, -ts.tw / 2, -ts.th / 2, ts.tw, ts.th);
    ctx.restore();
  }
}
