// The core as a set of handlers keyed by the contract's call names. Every face (Electron IPC, the
// HTTP server, the CLI) dispatches through here, so arguments are validated in one place.
import path from 'node:path';
import { calls, isCallName, type CallName, type CallResult, type ParsedArgs } from '../../shared/contract.js';
import { FacetError } from '../../shared/errors.js';
import { generateDemo } from './demo/generate.js';
import { addClass, deleteClass, mergeClasses, renameClass } from './datasets/classes.js';
import { importFolder, rescanDataset } from './datasets/import.js';
import { redo, setLabels, undo } from './datasets/labels.js';
import { getDataset, listClasses, listDatasets, listImages, listSkipped } from './datasets/queries.js';
import { CoreEvents } from './events.js';
import type { Workspace } from './workspace.js';

export type Handlers = { [N in CallName]: (args: ParsedArgs<N>) => Promise<CallResult<N>> | CallResult<N> };

export class Core {
  readonly events = new CoreEvents();
  readonly handlers: Handlers;

  constructor(readonly workspace: Workspace) {
    const ws = workspace;
    const db = ws.db;
    const progress = (p: Parameters<CoreEvents['emit']>[1] & object) => this.events.emit('import/progress', p as never);
    this.handlers = {
      'workspace/info': () => ws.info(),
      'datasets/list': () => listDatasets(db),
      'datasets/get': (a) => getDataset(db, a.datasetId),
      'datasets/import': (a) => importFolder(ws, a, progress),
      'datasets/rescan': (a) => rescanDataset(ws, a.datasetId, progress),
      'datasets/skipped': (a) => listSkipped(db, a.datasetId),
      'images/list': (a) => listImages(db, a),
      'labels/set': (a) => setLabels(db, a.datasetId, a.imageIds, a.classId),
      'labels/undo': (a) => undo(db, a.datasetId),
      'labels/redo': (a) => redo(db, a.datasetId),
      'classes/list': (a) => listClasses(db, a.datasetId),
      'classes/add': (a) => addClass(db, a.datasetId, a.name),
      'classes/rename': (a) => renameClass(db, a.classId, a.name),
      'classes/merge': (a) => mergeClasses(db, a.sourceClassId, a.targetClassId),
      'classes/delete': (a) => deleteClass(db, a.classId, a.moveToClassId),
      'demo/generate': (a) => generateDemo({ out: a.out ?? path.join(ws.dir, 'demo', 'faces'), count: a.count, seed: a.seed }),
    };
  }

  /** Validates raw arguments against the contract, then runs the handler. Throws FacetError. */
  async dispatch(name: unknown, rawArgs: unknown): Promise<unknown> {
    if (!isCallName(name)) {
      throw new FacetError('invalid-argument', `Unknown call "${String(name)}".`, { field: 'call' });
    }
    const parsed = calls[name].args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || undefined;
      throw new FacetError('invalid-argument', `Invalid arguments for ${name}: ${issue?.message ?? 'bad value'}`, field ? { field } : {});
    }
    const handler = this.handlers[name] as (args: unknown) => unknown;
    return await handler(parsed.data);
  }

  /** Typed in-process call, for the CLI and tests. */
  async call<N extends CallName>(name: N, args: ParsedArgs<N> | Record<string, unknown>): Promise<CallResult<N>> {
    return (await this.dispatch(name, args)) as CallResult<N>;
  }

  close(): void {
    this.workspace.close();
  }
}
