// A workspace with a small imported demo dataset, and a raw HTTP client that sends paths and
// headers exactly as given (fetch would normalise them).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Core } from '../../../src/main/core/index.js';
import { generateDemo } from '../../../src/main/core/demo/generate.js';
import { Workspace } from '../../../src/main/core/platform/workspace.js';

export interface DemoWorkspace {
  dir: string;
  core: Core;
  datasetId: number;
  dataRoot: string;
  rendererDir: string;
}

export async function demoWorkspace(count = 9): Promise<DemoWorkspace> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-server-'));
  const dataRoot = path.join(dir, 'data', 'faces');
  await generateDemo({ out: dataRoot, count, size: 64 });
  const core = new Core(Workspace.open(path.join(dir, 'ws')));
  const summary = await core.call('datasets/import', { folder: dataRoot });
  // The health checks the import started: finished, so the workspace is at rest for what follows.
  await core.call('health/check', { datasetId: summary.datasetId });
  const rendererDir = path.join(dir, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Facet</title>');
  return { dir, core, datasetId: summary.datasetId, dataRoot, rendererDir };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function raw(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: false, host: '127.0.0.1', port, method, path: urlPath, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the socket right after refusing an oversized body.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: -1, headers: {}, body: '' });
      else reject(error);
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}
