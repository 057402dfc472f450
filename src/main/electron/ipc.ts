// The one IPC door: 'facet:call' (name, args) from our window's main frame only. Core calls are
// validated by core.dispatch (zod); shell calls (native dialogs) are answered here. Every answer is
// an envelope, because errors do not cross contextBridge as classes.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { isCallName, isShellCallName, shellCalls, type ShellCallName } from '../../shared/contract.js';
import { FacetError, describeValue, toErrorPayload, type ErrorPayload } from '../../shared/errors.js';
import { isAppUrl } from './security.js';

export const CALL_CHANNEL = 'facet:call';
export const EVENT_CHANNEL = 'facet:event';

export type CallOutcome = { ok: true; result: unknown } | { ok: false; error: ErrorPayload };

export interface Dispatcher {
  dispatch(name: unknown, args: unknown): Promise<unknown>;
}

export type ShellHandlers = { [N in ShellCallName]: () => Promise<(typeof shellCalls)[N]['result']> };

export interface CallHandlerOptions {
  core: Dispatcher;
  /** The window whose main frame may call; anything else (sub-frames, other windows) is refused. */
  window: () => { webContents: WebContents } | null;
  shell: ShellHandlers;
}

/** True when the message comes from the main frame of our window, showing our own page. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, contents: WebContents | undefined): boolean {
  const frame = event.senderFrame;
  if (!contents || !frame || event.sender !== contents) return false;
  return frame === contents.mainFrame && isAppUrl(frame.url);
}

export function createCallHandler(options: CallHandlerOptions) {
  return async (event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, name: unknown, args: unknown): Promise<CallOutcome> => {
    try {
      if (!isTrustedSender(event, options.window()?.webContents)) {
        throw new FacetError('invalid-argument', 'Calls are only accepted from the Facet window.', { field: 'sender' });
      }
      if (isShellCallName(name)) {
        const parsed = shellCalls[name].args.safeParse(args ?? {});
        if (!parsed.success) throw new FacetError('invalid-argument', `Invalid arguments for ${name}.`, { field: 'args' });
        return { ok: true, result: await options.shell[name]() };
      }
      if (!isCallName(name)) throw new FacetError('invalid-argument', `Unknown call ${describeValue(name)}.`, { field: 'call' });
      return { ok: true, result: await options.core.dispatch(name, args) };
    } catch (error) {
      return { ok: false, error: toErrorPayload(error) };
    }
  };
}

export function registerCallHandler(ipcMain: IpcMain, options: CallHandlerOptions): () => void {
  ipcMain.handle(CALL_CHANNEL, createCallHandler(options));
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}
