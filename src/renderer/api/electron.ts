// Desktop mode: the preload's window.facet bridge; pictures come through facet-media://.
import type { CallArgs, CallName, CallResult, EventName, EventPayload } from '../../shared/contract.js';
import { FacetError } from '../../shared/errors.js';
import type { FacetBridge, RendererApi } from './types.js';

export function createElectronApi(bridge: FacetBridge): RendererApi {
  const unwrap = async (name: string, args: unknown): Promise<unknown> => {
    const outcome = await bridge.call(name, args ?? {});
    if (!outcome.ok) throw new FacetError(outcome.error.code, outcome.error.message, outcome.error);
    return outcome.result;
  };
  return {
    mode: 'desktop',
    call: <N extends CallName>(name: N, args: CallArgs<N>) => unwrap(name, args) as Promise<CallResult<N>>,
    on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => bridge.on(event, listener as (payload: unknown) => void),
    thumbnailUrl: (hash) => `facet-media://thumbs/${hash}.jpg`,
    faceThumbnailUrl: (hash) => `facet-media://face-thumbs/${hash}.jpg`,
    imageUrl: (imageId) => `facet-media://images/${imageId}`,
    pickFolder: async () => ((await unwrap('dialog/openFolder', {})) as { path: string | null }).path,
  };
}
