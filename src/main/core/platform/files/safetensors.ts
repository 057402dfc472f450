// Reads a .safetensors file (https://github.com/huggingface/safetensors: an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the bytes):
// the portable weight format the PyTorch recipe writes. Float32 tensors only, which is all it writes.
import fs from 'node:fs';
import { FacetError } from '../../../../shared/errors.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

const MAX_HEADER = 100 * 1024 * 1024;

export function readSafetensors(file: string): { tensors: Map<string, NamedTensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new FacetError('invalid-argument', `${file} is not a usable safetensors file: ${why}.`, { file, hint: 'Copy the result folder back again; it may be incomplete.' });
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new FacetError('not-found', `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { file, hint: 'Did train.py finish? It writes the weights last.' });
  }
  if (bytes.length < 8) throw bad('it is shorter than its header');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) throw bad('its header length is out of range');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw bad('its header is not JSON');
  }
  const body = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, NamedTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (e.dtype !== 'F32') throw bad(`tensor ${name} is ${e.dtype}, not F32`);
    const [start, end] = e.data_offsets ?? [-1, -1];
    const count = (e.shape ?? []).reduce((a, b) => a * b, 1);
    if (!(start >= 0 && end <= body.length && end - start === count * 4)) throw bad(`tensor ${name} has a wrong byte range`);
    const data = new Float32Array(count);
    Buffer.from(data.buffer).set(body.subarray(start, end));
    tensors.set(name, { shape: e.shape ?? [], data });
  }
  return { tensors, metadata };
}
