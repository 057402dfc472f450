// Errors are values the user can act on: a code, the file or field at fault, and what to do next.
import { fieldInWords } from './user-words.js';

export type ErrorCode =
  | 'invalid-argument'
  | 'not-found'
  | 'conflict'
  | 'io'
  | 'workspace'
  | 'busy'
  | 'engine'
  | 'cancelled'
  | 'internal';

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  field?: string;
  file?: string;
  hint?: string;
}

export class FacetError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly file?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, details: { field?: string; file?: string; hint?: string } = {}) {
    super(message);
    this.name = 'FacetError';
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
    if (details.file !== undefined) this.file = details.file;
    if (details.hint !== undefined) this.hint = details.hint;
  }

  toPayload(): ErrorPayload {
    const payload: ErrorPayload = { code: this.code, message: this.message };
    if (this.field !== undefined) payload.field = this.field;
    if (this.file !== undefined) payload.file = this.file;
    if (this.hint !== undefined) payload.hint = this.hint;
    return payload;
  }
}

/** Any thrown value as a payload the UI or CLI can show; unknown errors keep their message. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof FacetError) return error.toPayload();
  if (isErrorPayload(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

const ERROR_CODES: readonly string[] = ['invalid-argument', 'not-found', 'conflict', 'io', 'workspace', 'busy', 'engine', 'cancelled', 'internal'];

/** A plain payload (e.g. one that crossed IPC or HTTP); Error instances are not payloads. */
function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== 'object' || value === null || value instanceof Error) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && ERROR_CODES.includes(v.code) && typeof v.message === 'string';
}

/** One line for a terminal or a status bar: "message (field: x) — hint". */
export function formatError(payload: ErrorPayload): string {
  const field = payload.field !== undefined ? fieldInWords(payload.field) : undefined;
  const where = payload.file ? ` (file: ${payload.file})` : field && !payload.message.toLowerCase().includes(field) ? ` (about: ${field})` : '';
  const hint = payload.hint ? ` — ${payload.hint}` : '';
  return `${payload.message}${where}${hint}`;
}

/** Names an untrusted value in an error message without ever throwing (String() throws on objects
 * whose toString is not callable) and without echoing more than 80 characters of it. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  return String(value);
}
