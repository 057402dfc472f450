// Worker thread timing a transfer head for the run estimate (head-speed.ts).
import { isMainThread, workerData } from 'node:worker_threads';
import { loadEngine } from '../platform/engine/index.js';
import { serveRequests } from '../platform/engine/thread-worker.js';
import type { BackendName } from '../platform/engine/types.js';
import { timeHead, type HeadSpeed, type HeadSpeedRequest } from './head-speed.js';

if (isMainThread) throw new Error('head-speed-worker must run in a worker thread.');
const { backend } = workerData as { backend: BackendName };

serveRequests<HeadSpeedRequest, HeadSpeed>(async (request) => timeHead((await loadEngine({ prefer: backend })).tf, request));
