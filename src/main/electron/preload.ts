// The sandboxed preload: one object, window.facet, with call() and on(); nothing else of Electron
// reaches the page. The main process checks every call against the contract (ipc.ts: sender, name,
// arguments), so this side only passes strings on: importing the contract here would bundle zod
// into every window for a check that is made again anyway.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { NAME_PATTERN as NAME } from '../../shared/names.js';

const CALL_CHANNEL = 'facet:call';
const EVENT_CHANNEL = 'facet:event';

const bridge = {
  call(name: unknown, args: unknown): Promise<unknown> {
    if (typeof name !== 'string' || !NAME.test(name)) {
      return Promise.resolve({ ok: false, error: { code: 'invalid-argument', message: 'Unknown call: a call name is "domain/verb".', field: 'call' } });
    }
    return ipcRenderer.invoke(CALL_CHANNEL, name, args);
  },
  on(event: unknown, listener: (payload: unknown) => void): () => void {
    if (typeof event !== 'string' || !NAME.test(event) || typeof listener !== 'function') return () => undefined;
    const relay = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => ipcRenderer.off(EVENT_CHANNEL, relay);
  },
};

contextBridge.exposeInMainWorld('facet', bridge);
