import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { browserContentSecurityPolicy, startServer, type RunningServer } from '../../../src/main/server/index.js';
import { demoWorkspace, raw, type DemoWorkspace } from './helpers.js';

let ws: DemoWorkspace;
let server: RunningServer;
let auth: Record<string, string>;
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  ws = await demoWorkspace();
  server = await startServer({ core: ws.core, rendererDir: ws.rendererDir });
  auth = { 'x-facet-token': server.token };
});

afterAll(async () => {
  await server.close();
  await ws.core.close();
  fs.rmSync(ws.dir, { recursive: true, force: true });
});

describe('browser-mode server: doors', () => {
  it('prints a URL on 127.0.0.1 with the token in the fragment', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
  });

  it('listens on 127.0.0.1 only: another loopback address and any external one are refused', async () => {
    const answers = (host: string) => fetch(`http://${host}:${server.port}/`).then(
      () => true,
      () => false,
    );
    expect(await answers('127.0.0.1')).toBe(true);
    // Linux routes all of 127/8 to the loopback device: a server bound to 0.0.0.0 would answer on
    // 127.0.0.2, one bound to 127.0.0.1 does not. So this probe works on machines with no network.
    const probes = process.platform === 'linux' ? ['127.0.0.2'] : [];
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) probes.push(external.address);
    expect(probes.length, 'no address to probe: not Linux and no external IPv4 interface').toBeGreaterThan(0);
    for (const host of probes) expect(await answers(host), host).toBe(false);
  });

  it('refuses a call without a token (401) and with a wrong one (401)', async () => {
    expect((await raw(server.port, 'POST', '/api/datasets/list', json, '{}')).status).toBe(401);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, 'x-facet-token': 'f'.repeat(64) }, '{}')).status).toBe(401);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, authorization: 'Bearer nope' }, '{}')).status).toBe(401);
  });

  it('accepts the token as Authorization: Bearer or x-facet-token', async () => {
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, authorization: `Bearer ${server.token}` }, '{}')).status).toBe(200);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth }, '{}')).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin with 403', async () => {
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth, host: `evil.example:${server.port}` }, '{}')).status).toBe(403);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth, host: '127.0.0.1:1' }, '{}')).status).toBe(403);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth, origin: 'http://evil.example' }, '{}')).status).toBe(403);
    expect((await raw(server.port, 'GET', '/', { host: `evil.example:${server.port}` })).status).toBe(403);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth, origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` }, '{}')).status).toBe(200);
  });

  it('serves the page with the strict CSP and no token (the token lives in the fragment)', async () => {
    const res = await raw(server.port, 'GET', '/');
    expect(res.status).toBe(200);
    const csp = browserContentSecurityPolicy(server.port);
    expect(res.headers['content-security-policy']).toBe(csp);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  });

  it('refuses a body over 1 MB with 413', async () => {
    const big = JSON.stringify({ folder: 'x'.repeat(1024 * 1024 + 10) });
    const res = await raw(server.port, 'POST', '/api/datasets/import', { ...json, ...auth }, big);
    expect([413, -1]).toContain(res.status);
    if (res.status === 413) expect(JSON.parse(res.body).error.message).toMatch(/larger than/);
  });
});

describe('browser-mode server: calls', () => {
  it('round-trips a call: datasets/list then images/list', async () => {
    const list = await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth }, '{}');
    expect(list.status).toBe(200);
    const datasets = JSON.parse(list.body) as { id: number; images: number }[];
    expect(datasets).toHaveLength(1);
    expect(datasets[0]!.images).toBe(9);
    const page = await raw(server.port, 'POST', '/api/images/list', { ...json, ...auth }, JSON.stringify({ datasetId: ws.datasetId, limit: 3 }));
    expect(JSON.parse(page.body).items).toHaveLength(3);
  });

  it('answers a validation error with 400 and the field at fault', async () => {
    const res = await raw(server.port, 'POST', '/api/labels/set', { ...json, ...auth }, JSON.stringify({ datasetId: ws.datasetId, imageIds: [], classId: 1 }));
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.body);
    expect(error.code).toBe('invalid-argument');
    expect(error.field).toBe('imageIds');
  });

  it('answers an unknown call with 404, bad JSON with 400, a non-JSON body with 415', async () => {
    expect((await raw(server.port, 'POST', '/api/nope/nothing', { ...json, ...auth }, '{}')).status).toBe(404);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { ...json, ...auth }, '{oops')).status).toBe(400);
    expect((await raw(server.port, 'POST', '/api/datasets/list', { 'content-type': 'text/plain', ...auth }, '{}')).status).toBe(415);
  });

  it('answers not-found errors from the core with 404 and their hint', async () => {
    const res = await raw(server.port, 'POST', '/api/datasets/get', { ...json, ...auth }, JSON.stringify({ datasetId: 999 }));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body).error.hint).toBeTruthy();
  });
});

describe('browser-mode server: events', () => {
  it('refuses a WebSocket without the token and streams core events to one with it', async () => {
    const base = `ws://127.0.0.1:${server.port}/events`;
    const refused = await new Promise<boolean>((resolve) => {
      const s = new WebSocket(base, ['facet']);
      s.on('open', () => resolve(false));
      s.on('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    const foreign = await new Promise<boolean>((resolve) => {
      const s = new WebSocket(base, ['facet', `facet-token.${server.token}`], { origin: 'http://evil.example' });
      s.on('open', () => resolve(false));
      s.on('error', () => resolve(true));
    });
    expect(foreign).toBe(true);
    const socket = new WebSocket(base, ['facet', `facet-token.${server.token}`], { origin: server.origin });
    await new Promise((resolve, reject) => {
      socket.on('open', resolve);
      socket.on('error', reject);
    });
    const got = new Promise<{ event: string; payload: unknown }>((resolve) => socket.on('message', (d) => resolve(JSON.parse(String(d)))));
    ws.core.events.emit('import/progress', { datasetId: 1, phase: 'scanning', done: 1, total: 2 });
    expect(await got).toEqual({ event: 'import/progress', payload: { datasetId: 1, phase: 'scanning', done: 1, total: 2 } });
    socket.close();
  });
});
