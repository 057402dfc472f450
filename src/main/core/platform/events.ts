// The core's event stream (import and training progress), typed by the contract's event map.
import { EventEmitter } from 'node:events';
import type { EventName, EventPayload } from '../../../shared/contract.js';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export class CoreEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', event, payload);
  }

  /** One event's payloads; returns the unsubscribe function. */
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.subscribe((event, payload) => {
      if ((event as string) === name) listener(payload as unknown as EventPayload<E>);
    });
  }

  /** Every event, with its name; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
