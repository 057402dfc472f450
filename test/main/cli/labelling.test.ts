// `facet embed | suggest | queue | accept | map` through their command module, with the work in the
// job process (needs the build: npm run build) or --in-process: the --json fields scripts rely on (DESIGN.md).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLabellingCommands } from '../../../src/main/cli/labelling-commands.js';
import { registerDatasetCommands } from '../../../src/main/cli/dataset-commands.js';
import { writeImage } from '../core/datasets/helpers.js';
import { clusteredSet, type ClusteredSet } from '../core/suggestions/helpers.js';
import { runCli } from './harness.js';

let set: ClusteredSet;
const facet = (...argv: string[]) => runCli(() => set.env.core, [registerDatasetCommands, registerLabellingCommands], argv);

beforeAll(async () => {
  set = await clusteredSet(['cat', 'dog', 'fox'], 10, { dims: 8, spread: 1.0 });
}, 60_000);
afterAll(async () => set?.env.cleanup());

describe('facet labelling commands', () => {
  it('import --json counts unlabelled images; embed computes real embeddings once (resumable)', async () => {
    const root = path.join(set.env.dir, 'loose');
    for (let i = 0; i < 4; i++) await writeImage(path.join(root, `p${i}.jpg`), { seed: 200 + i, width: 40, height: 30 });
    const imported = await facet('--json', 'import', root);
    expect(imported.code).toBe(0);
    const summary = imported.json<{ datasetId: number; unlabelled: number; imported: number }>();
    expect(summary).toMatchObject({ unlabelled: 4, imported: 4 });
    const first = await facet('--json', 'embed', String(summary.datasetId), '--backbone', 'centernet');
    expect(first.code, first.stderr).toBe(0);
    const e = first.json<{ images: number; backbone: string; dimensions: number; seconds: number; newlyEmbedded: number }>();
    expect(e).toMatchObject({ images: 4, backbone: 'centernet', dimensions: 480, newlyEmbedded: 4 });
    expect(e.seconds).toBeGreaterThan(0);
    const again = (await facet('--json', 'embed', String(summary.datasetId), '--backbone', 'centernet')).json<{ newlyEmbedded: number; embeddedImages: number }>();
    expect(again).toMatchObject({ newlyEmbedded: 0, embeddedImages: 4 });
  }, 120_000);

  it('suggest, queue, accept and map print their contract fields', async () => {
    const id = String(set.datasetId);
    for (const img of set.images.slice(0, 9)) await set.env.core.call('labels/set', { datasetId: set.datasetId, imageIds: [img.id], classId: set.classIds.get(set.truth.get(img.id)!)! });
    const s = await facet('--json', 'suggest', id);
    expect(s.code, s.stderr).toBe(0);
    const suggest = s.json<{ labelled: number; suggested: number; backbone: string; validationAccuracy: number }>();
    expect(suggest).toMatchObject({ labelled: 9, suggested: 21, backbone: 'mobilenet' });
    expect(suggest.validationAccuracy).toBeGreaterThan(0.5);

    const q = (await facet('--json', 'queue', id, '--count', '4')).json<{ images: { path: string; suggested: string; confidence: number }[]; remaining: number }>();
    expect(q.remaining).toBe(21);
    expect(q.images).toHaveLength(4);
    for (const i of q.images) expect(Object.keys(i)).toEqual(expect.arrayContaining(['path', 'suggested', 'confidence']));
    const random = (await facet('--json', 'queue', id, '--count', '4', '--strategy', 'random')).json<{ images: unknown[] }>();
    expect(random.images).toHaveLength(4);

    const preview = (await facet('--json', 'accept', id, '--min-confidence', '0.5', '--class', 'cat', '--preview')).json<{ count: number; accepted: unknown[] }>();
    const accepted = await facet('--json', 'accept', id, '--min-confidence', '0.5', '--class', 'cat');
    const a = accepted.json<{ accepted: { path: string; class: string; confidence: number }[] }>();
    expect(a.accepted.length).toBe(preview.count);
    expect(a.accepted.every((x) => x.class === 'cat' && x.confidence >= 0.5 && x.path.startsWith('img-'))).toBe(true);
    expect((await facet('accept', id, '--min-confidence', '1.5')).code).toBe(2);

    const m = await facet('--json', 'map', id);
    expect(m.code, m.stderr).toBe(0);
    const map = m.json<{ points: { path: string; x: number; y: number; label: string | null; suggested: string | null }[] }>();
    expect(map.points).toHaveLength(30);
    expect(map.points.filter((p) => p.label === 'cat').length).toBeGreaterThanOrEqual(3 + a.accepted.length);
    for (const p of map.points) expect(Object.keys(p)).toEqual(expect.arrayContaining(['path', 'x', 'y', 'label', 'suggested']));
  }, 120_000);

  it('reports a job\'s progress on stderr, run as a job or --in-process, with the same --json fields', async () => {
    const id = String(set.datasetId);
    for (const argv of [['suggest', id], ['suggest', id, '--in-process']]) {
      const r = await facet('--json', ...argv);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^Suggestions: /m);
      expect(r.json()).toMatchObject({ backbone: 'mobilenet', labelled: expect.any(Number), suggested: expect.any(Number) });
    }
    for (const argv of [['map', id, '--recompute'], ['map', id, '--recompute', '--in-process']]) {
      const r = await facet('--json', ...argv);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^Map: /m);
      expect(r.json<{ points: unknown[] }>().points).toHaveLength(30);
    }
  }, 180_000);
});
