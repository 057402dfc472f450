import { Workspace } from '../src/main/core/platform/workspace.js';
import { unmeasured } from '../src/main/core/quality/health/store.js';
import { measureDataset } from '../src/main/core/quality/health/measure-dataset.js';
import fs from 'node:fs';
const ws = Workspace.open(process.argv[2]!);
const todo = unmeasured(ws.db, 1);
console.log('unmeasured', todo.length, todo.slice(0, 5), todo.map((t) => fs.existsSync(ws.thumbnailPath(t.hash))));
