// The one api object of the app, chosen once at startup.
import { createBrowserApi } from './browser.js';
import { createElectronApi } from './electron.js';
import type { FacetBridge, RendererApi } from './types.js';

export type { RendererApi } from './types.js';

let current: RendererApi | null = null;

export function installApi(api?: RendererApi): RendererApi {
  const bridge = (window as unknown as { facet?: FacetBridge }).facet;
  current = api ?? (bridge ? createElectronApi(bridge) : createBrowserApi());
  return current;
}

export function api(): RendererApi {
  if (!current) throw new Error('installApi() must run before the app mounts');
  return current;
}
