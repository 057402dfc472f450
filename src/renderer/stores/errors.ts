// Turns anything a call throws into a payload the UI shows in place (message + what to do).
import { toErrorPayload, type ErrorPayload } from '../../shared/errors.js';

export function asPayload(error: unknown): ErrorPayload {
  return toErrorPayload(error);
}
