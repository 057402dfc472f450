// The map's geometry: the view (centre and zoom) between data and screen, the points inside a lasso
// or a box, and the point under the pointer (a uniform grid, so hover stays cheap at 20,000 points).
// Plain data, no DOM, so it is tested in Node.

/** What part of the map is on screen: data point (cx, cy) at the centre, `zoom` × the fitted size. */
export interface View {
  cx: number;
  cy: number;
  zoom: number;
}

export const FIT: View = { cx: 0, cy: 0, zoom: 1 };

/** Data units (the [-1, 1] square) → pixels: the square fits the shorter side of the canvas. */
export function pixelsPerUnit(view: View, width: number, height: number): number {
  return (Math.min(width, height) / 2) * view.zoom;
}

export function dataToScreen(view: View, width: number, height: number, x: number, y: number): [number, number] {
  const k = pixelsPerUnit(view, width, height);
  return [width / 2 + (x - view.cx) * k, height / 2 - (y - view.cy) * k];
}

export function screenToData(view: View, width: number, height: number, sx: number, sy: number): [number, number] {
  const k = pixelsPerUnit(view, width, height);
  return [view.cx + (sx - width / 2) / k, view.cy - (sy - height / 2) / k];
}

/** Zooms by `factor` keeping the data point under screen position (sx, sy) where it is. */
export function zoomAt(view: View, width: number, height: number, factor: number, sx: number, sy: number): View {
  const zoom = Math.min(400, Math.max(0.25, view.zoom * factor));
  const [x, y] = screenToData(view, width, height, sx, sy);
  const k = pixelsPerUnit({ ...view, zoom }, width, height);
  return { zoom, cx: x - (sx - width / 2) / k, cy: y + (sy - height / 2) / k };
}

/** Moves the map by a drag of (dx, dy) pixels. */
export function panBy(view: View, width: number, height: number, dx: number, dy: number): View {
  const k = pixelsPerUnit(view, width, height);
  return { ...view, cx: view.cx - dx / k, cy: view.cy + dy / k };
}

/**
 * The map's canvas reaches `marginX` / `marginY` CSS pixels beyond its `width` × `height` box on
 * every side, so that while the map is dragged (or zoomed) the last picture can be moved instead of
 * drawing every point again: a software-rendered WebGL (SwiftShader, blocklisted GPUs) needs ~25 ms
 * for 20,000 points, moving a picture costs the compositor next to nothing.
 */
export interface CanvasFrame {
  width: number;
  height: number;
  marginX: number;
  marginY: number;
}

/** How far a moved picture may be scaled before it looks wrong enough to draw anew (points grow with it). */
const REUSE_SCALE = { min: 1 / 1.6, max: 1.6 };

/**
 * The CSS `translate(x, y) scale(scale)` (about the canvas' top-left corner) that shows a picture
 * drawn for view `drawn` as view `now`, and whether it still covers the whole box and is not
 * scaled too far (otherwise draw again).
 */
export function pictureTransform(drawn: View, now: View, frame: CanvasFrame): { x: number; y: number; scale: number; usable: boolean } {
  const { width, height, marginX, marginY } = frame;
  const k = pixelsPerUnit(now, width, height);
  const scale = now.zoom / drawn.zoom;
  const x = (width / 2 + marginX) * (1 - scale) + (drawn.cx - now.cx) * k;
  const y = (height / 2 + marginY) * (1 - scale) + (now.cy - drawn.cy) * k;
  const left = x - marginX;
  const top = y - marginY;
  const covers = left <= 0 && top <= 0 && left + scale * (width + 2 * marginX) >= width && top + scale * (height + 2 * marginY) >= height;
  return { x, y, scale, usable: covers && scale >= REUSE_SCALE.min && scale <= REUSE_SCALE.max };
}

/** Indices of the points inside a closed polygon (even-odd rule), in index order. */
export function pointsInPolygon(xs: ArrayLike<number>, ys: ArrayLike<number>, polygon: readonly (readonly [number, number])[]): number[] {
  if (polygon.length < 3) return [];
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const [px, py] of polygon) {
    minX = Math.min(minX, px);
    maxX = Math.max(maxX, px);
    minY = Math.min(minY, py);
    maxY = Math.max(maxY, py);
  }
  const out: number[] = [];
  const n = polygon.length;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x < minX || x > maxX || y < minY || y > maxY) continue;
    let inside = false;
    for (let a = 0, b = n - 1; a < n; b = a++) {
      const [ax, ay] = polygon[a]!;
      const [bx, by] = polygon[b]!;
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
    }
    if (inside) out.push(i);
  }
  return out;
}

/** A uniform grid over the points: which points lie near a spot, without looking at all of them. */
export class PointGrid {
  private readonly cells: Map<number, number[]> = new Map();
  private readonly size: number;

  constructor(
    private readonly xs: ArrayLike<number>,
    private readonly ys: ArrayLike<number>,
    /** Cell side in data units: the [-1, 1] square in 128 × 128 cells. */
    cell = 2 / 128,
  ) {
    this.size = cell;
    for (let i = 0; i < xs.length; i++) {
      const key = this.key(Math.floor(xs[i]! / cell), Math.floor(ys[i]! / cell));
      const list = this.cells.get(key);
      if (list) list.push(i);
      else this.cells.set(key, [i]);
    }
  }

  private key(cx: number, cy: number): number {
    return (cx + 32768) * 65536 + (cy + 32768);
  }

  /** The point nearest to (x, y) within `radius` data units, or -1. */
  nearest(x: number, y: number, radius: number): number {
    const c = this.size;
    const r = Math.ceil(radius / c);
    const gx = Math.floor(x / c);
    const gy = Math.floor(y / c);
    let best = -1;
    let bestD = radius * radius;
    // Far zoomed out a radius spans many cells: then scanning every point is the cheaper way.
    if ((2 * r + 1) ** 2 > this.cells.size) {
      for (let i = 0; i < this.xs.length; i++) {
        const d = (this.xs[i]! - x) ** 2 + (this.ys[i]! - y) ** 2;
        if (d <= bestD) [best, bestD] = [i, d];
      }
      return best;
    }
    for (let ix = gx - r; ix <= gx + r; ix++) {
      for (let iy = gy - r; iy <= gy + r; iy++) {
        for (const i of this.cells.get(this.key(ix, iy)) ?? []) {
          const d = (this.xs[i]! - x) ** 2 + (this.ys[i]! - y) ** 2;
          if (d <= bestD) [best, bestD] = [i, d];
        }
      }
    }
    return best;
  }
}
