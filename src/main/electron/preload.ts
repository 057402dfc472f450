// The sandboxed preload: one object, window.facet, with call() and on(). Names are checked against
// the contract here and again in the main process; nothing else of Electron reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isCallName, isEventName, isShellCallName } from '../../shared/contract.js';
import { describeValue } from '../../shared/errors.js';

const CALL_CHANNEL = 'facet:call';
const EVENT_CHANNEL = 'facet:event';

const bridge = {
  call(name: unknown, args: unknown): Promise<unknown> {
    if (!isCallName(name) && !isShellCallName(name)) {
      return Promise.resolve({ ok: false, error: { code: 'invalid-argument', message: `Unknown call ${describeValue(name)}.`, field: 'call' } });
    }
    return ipcRenderer.invoke(CALL_CHANNEL, name, args);
  },
  on(event: unknown, listener: (payload: unknown) => void): () => void {
    if (!isEventName(event) || typeof listener !== 'function') return () => undefined;
    const relay = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => ipcRenderer.off(EVENT_CHANNEL, relay);
  },
};

contextBridge.exposeInMainWorld('facet', bridge);
