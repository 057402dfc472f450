// Browser mode: calls are POST /api/<name> with the token header; events come over one WebSocket.
import type { CallArgs, CallName, CallResult, EventName, EventPayload } from '../../shared/contract.js';
import { FacetError, type ErrorPayload } from '../../shared/errors.js';
import type { RendererApi } from './types.js';

const TOKEN_KEY = 'facet.token';

/** Takes the token from #token=… (then removes it from the address bar) or from sessionStorage. */
export function takeToken(location: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([0-9a-f]{16,128})/.exec(location.hash);
  if (match) {
    storage.setItem(TOKEN_KEY, match[1]!);
    history.replaceState(null, '', location.pathname + location.search);
    return match[1]!;
  }
  return storage.getItem(TOKEN_KEY);
}

export function createBrowserApi(): RendererApi {
  const token = takeToken(window.location, window.sessionStorage, window.history) ?? '';
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let retry = 500;

  const connect = () => {
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/events`;
    socket = new WebSocket(url, ['facet', `facet-token.${token}`]);
    socket.onopen = () => (retry = 500);
    socket.onmessage = (message) => {
      const { event, payload } = JSON.parse(String(message.data)) as { event: string; payload: unknown };
      for (const l of listeners.get(event) ?? []) l(payload);
    };
    socket.onclose = () => {
      socket = null;
      // Reconnect while anyone listens (the server may have restarted).
      if ([...listeners.values()].some((s) => s.size > 0)) setTimeout(connect, (retry = Math.min(retry * 2, 10_000)));
    };
  };

  return {
    mode: 'browser',
    async call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
      let response: Response;
      try {
        response = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-facet-token': token },
          body: JSON.stringify(args ?? {}),
        });
      } catch {
        throw new FacetError('io', 'The Facet server does not answer.', { hint: 'Check that `facet serve` is still running, then reload the page.' });
      }
      const body = (await response.json().catch(() => null)) as unknown;
      if (!response.ok) {
        const payload = (body as { error?: ErrorPayload } | null)?.error ?? { code: 'internal', message: `HTTP ${response.status}` };
        if (response.status === 401) payload.hint ??= 'Open the URL that `facet serve` printed, including its #token=… part.';
        throw new FacetError(payload.code, payload.message, payload);
      }
      return body as CallResult<N>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      if (!socket) connect();
      return () => set.delete(l);
    },
    thumbnailUrl: (hash) => `/thumbs/${hash}.jpg?token=${token}`,
    faceThumbnailUrl: (hash) => `/face-thumbs/${hash}.jpg?token=${token}`,
    imageUrl: (imageId) => `/images/${imageId}?token=${token}`,
  };
}
