import { describe, expect, it } from 'vitest';
import { dataToScreen, FIT, panBy, pictureTransform, PointGrid, pointsInPolygon, screenToData, zoomAt, type CanvasFrame, type View } from '../../src/renderer/mapGeometry.js';

describe('map geometry', () => {
  it('fits the [-1, 1] square on the shorter side and maps screen and data both ways', () => {
    expect(dataToScreen(FIT, 800, 400, 0, 0)).toEqual([400, 200]);
    expect(dataToScreen(FIT, 800, 400, 1, 1)).toEqual([600, 0]);
    const view = { cx: 0.3, cy: -0.2, zoom: 3 };
    const [sx, sy] = dataToScreen(view, 640, 480, 0.41, 0.07);
    const [x, y] = screenToData(view, 640, 480, sx, sy);
    expect(x).toBeCloseTo(0.41, 10);
    expect(y).toBeCloseTo(0.07, 10);
  });

  it('zooms around the pointer and pans with the drag', () => {
    const z = zoomAt(FIT, 800, 600, 2, 100, 100);
    expect(z.zoom).toBe(2);
    // The data point under the pointer stays under it.
    const before = screenToData(FIT, 800, 600, 100, 100);
    const after = screenToData(z, 800, 600, 100, 100);
    expect(after[0]).toBeCloseTo(before[0], 10);
    expect(after[1]).toBeCloseTo(before[1], 10);
    // Dragging right by 300 px (half the shorter side at zoom 1) moves the centre left by one unit.
    expect(panBy(FIT, 800, 600, 300, 0)).toEqual({ cx: -1, cy: 0, zoom: 1 });
  });

  it('selects exactly the points inside a lasso, concave shapes included', () => {
    // A grid of 11 × 11 points on [-1, 1]; an L-shaped lasso.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i <= 10; i++) for (let j = 0; j <= 10; j++) {
      xs.push(-1 + i * 0.2);
      ys.push(-1 + j * 0.2);
    }
    const L: [number, number][] = [[-1.05, -1.05], [0.05, -1.05], [0.05, -0.45], [-0.45, -0.45], [-0.45, 0.05], [-1.05, 0.05]];
    const inside = pointsInPolygon(xs, ys, L);
    const expected = xs.map((x, i) => i).filter((i) => {
      const x = xs[i]!, y = ys[i]!;
      return (x <= 0.05 && y <= -0.45) || (x <= -0.45 && y <= 0.05);
    });
    expect(inside).toEqual(expected);
    expect(pointsInPolygon(xs, ys, [[0, 0], [1, 1]])).toEqual([]);
  });

  it('finds the nearest point within a radius, or none', () => {
    const xs = [0, 0.5, -0.5, 0.51];
    const ys = [0, 0.5, 0.5, 0.52];
    const grid = new PointGrid(xs, ys);
    expect(grid.nearest(0.505, 0.515, 0.05)).toBe(3);
    expect(grid.nearest(0.49, 0.49, 0.05)).toBe(1);
    expect(grid.nearest(0.25, 0.25, 0.05)).toBe(-1);
    // A radius wider than the grid falls back to looking at every point.
    expect(grid.nearest(-0.4, 0.4, 5)).toBe(2);
  });

  describe('moving the last picture instead of drawing anew', () => {
    const frame: CanvasFrame = { width: 800, height: 600, marginX: 200, marginY: 150 };
    const points = [[0, 0], [0.7, -0.4], [-0.9, 0.95], [0.33, 0.12]] as const;
    /** Where a point drawn for `drawn` ends up in the box once the canvas is moved by the transform. */
    function shown(drawn: View, now: View, x: number, y: number): [number, number] {
      const t = pictureTransform(drawn, now, frame);
      const [bx, by] = dataToScreen(drawn, frame.width, frame.height, x, y);
      // Canvas pixel = box pixel + margin; the canvas sits at (-margin, -margin) and is transformed about its corner.
      return [-frame.marginX + t.x + t.scale * (bx + frame.marginX), -frame.marginY + t.y + t.scale * (by + frame.marginY)];
    }

    it('puts every point where a fresh drawing of the new view would, for pans and zooms', () => {
      const drawn = { cx: 0.1, cy: -0.2, zoom: 2 };
      const nows = [panBy(drawn, 800, 600, 57, -31), zoomAt(drawn, 800, 600, 1.3, 120, 500), zoomAt(panBy(drawn, 800, 600, -20, 10), 800, 600, 0.8, 400, 300)];
      for (const now of nows) {
        for (const [x, y] of points) {
          const [sx, sy] = shown(drawn, now, x, y);
          const [ex, ey] = dataToScreen(now, 800, 600, x, y);
          expect(sx).toBeCloseTo(ex, 9);
          expect(sy).toBeCloseTo(ey, 9);
        }
      }
    });

    it('is the identity for the view it was drawn for', () => {
      const view = { cx: 0.3, cy: 0.4, zoom: 5 };
      expect(pictureTransform(view, view, frame)).toEqual({ x: 0, y: 0, scale: 1, usable: true });
    });

    it('is usable while the picture still covers the box, not once a gap would show', () => {
      // The margins are 200 and 150 px: a drag of up to that far still covers the box.
      expect(pictureTransform(FIT, panBy(FIT, 800, 600, 200, -150), frame).usable).toBe(true);
      expect(pictureTransform(FIT, panBy(FIT, 800, 600, -199, 149), frame).usable).toBe(true);
      expect(pictureTransform(FIT, panBy(FIT, 800, 600, 201, 0), frame).usable).toBe(false);
      expect(pictureTransform(FIT, panBy(FIT, 800, 600, 0, -151), frame).usable).toBe(false);
      // Zooming in keeps it covered, up to the scale where points would look too big; zooming out soon uncovers an edge.
      expect(pictureTransform(FIT, zoomAt(FIT, 800, 600, 1.5, 400, 300), frame).usable).toBe(true);
      expect(pictureTransform(FIT, zoomAt(FIT, 800, 600, 1.7, 400, 300), frame).usable).toBe(false);
      expect(pictureTransform(FIT, zoomAt(FIT, 800, 600, 1 / 1.4, 400, 300), frame).usable).toBe(true);
      expect(pictureTransform(FIT, zoomAt(FIT, 800, 600, 1 / 1.55, 400, 300), frame).usable).toBe(false);
    });
  });
});
