// A fake of the renderer's api for store and composable tests: calls answered by handlers the test
// sets (or held until the test answers them), events the test emits, every call recorded.
import { createPinia, setActivePinia } from 'pinia';
import { vi } from 'vitest';
import type { CallArgs, CallName, CallResult, EventName, EventPayload } from '../../src/shared/contract.js';
import { installApi, type RendererApi } from '../../src/renderer/api/index.js';

type Handler<N extends CallName> = (args: CallArgs<N>) => CallResult<N> | Promise<CallResult<N>>;

export interface Held<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

export interface FakeApi {
  api: RendererApi;
  /** Every call made so far, in order. */
  calls: { name: CallName; args: unknown }[];
  /** Answers a call with this handler from now on. */
  answer<N extends CallName>(name: N, handler: Handler<N>): void;
  /** Holds the next call of this name until the test resolves or rejects it. */
  hold<N extends CallName>(name: N): Held<CallResult<N>>;
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void;
  /** How many listeners an event has. */
  listeners(event: EventName): number;
}

/** Installs a fresh fake api and a fresh Pinia (stores start empty in every test). */
export function installFakeApi(): FakeApi {
  const handlers = new Map<CallName, (args: unknown) => unknown>();
  const held = new Map<CallName, Held<unknown>[]>();
  const subscribers = new Map<EventName, Set<(payload: unknown) => void>>();
  const calls: FakeApi['calls'] = [];

  const api: RendererApi = {
    mode: 'browser',
    async call<N extends CallName>(name: N, args: CallArgs<N>): Promise<CallResult<N>> {
      calls.push({ name, args });
      const waiting = held.get(name)?.shift();
      if (waiting) return new Promise<CallResult<N>>((resolve, reject) => Object.assign(waiting, { resolve, reject }));
      const handler = handlers.get(name);
      if (!handler) throw new Error(`The fake api has no answer for ${name}`);
      return (await handler(args)) as CallResult<N>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = subscribers.get(event) ?? new Set();
      subscribers.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    thumbnailUrl: (hash) => `/thumbs/${hash}.jpg`,
    faceThumbnailUrl: (hash) => `/face-thumbs/${hash}.jpg`,
    imageUrl: (imageId) => `/images/${imageId}`,
  };

  // installApi looks for the desktop bridge on window first.
  vi.stubGlobal('window', {});
  installApi(api);
  setActivePinia(createPinia());

  return {
    api,
    calls,
    answer: (name, handler) => handlers.set(name, handler as (args: unknown) => unknown),
    hold<N extends CallName>(name: N): Held<CallResult<N>> {
      // Filled with the promise's own resolve / reject when the call arrives.
      const h: Held<unknown> = { resolve: () => undefined, reject: () => undefined };
      const proxy: Held<CallResult<N>> = { resolve: (v) => h.resolve(v), reject: (e) => h.reject(e) };
      held.set(name, [...(held.get(name) ?? []), h]);
      return proxy;
    },
    emit: (event, payload) => {
      for (const l of subscribers.get(event) ?? []) l(payload);
    },
    listeners: (event) => subscribers.get(event)?.size ?? 0,
  };
}

/** Lets pending promise callbacks run (a call's answer reaching the store). */
export const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
