import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../../src/main/core/platform/files/safetensors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-safetensors-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Writes a safetensors file as the format's spec lays it out (and as train.py writes it). */
function write(file: string, tensors: Record<string, { shape: number[]; data: number[] }>, pad = true): void {
  const header: Record<string, unknown> = { __metadata__: { format: 'test' } };
  let offset = 0;
  const blobs: Buffer[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const b = Buffer.from(new Float32Array(t.data).buffer);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + b.length] };
    offset += b.length;
    blobs.push(b);
  }
  let text = JSON.stringify(header);
  if (pad) text += ' '.repeat((8 - (text.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(text), ...blobs]));
}

describe('readSafetensors', () => {
  it('reads every float32 tensor with its shape, and the metadata', () => {
    const file = path.join(dir, 'ok.safetensors');
    write(file, { 'a.weight': { shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }, 'a.bias': { shape: [2], data: [-0.5, 0.25] } });
    const { tensors, metadata } = readSafetensors(file);
    expect(metadata).toEqual({ format: 'test' });
    expect(tensors.get('a.weight')!.shape).toEqual([2, 3]);
    expect(Array.from(tensors.get('a.weight')!.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(tensors.get('a.bias')!.data)).toEqual([-0.5, 0.25]);
  });

  it('refuses a truncated file, naming it and what to do', () => {
    const file = path.join(dir, 'cut.safetensors');
    write(file, { w: { shape: [4], data: [1, 2, 3, 4] } });
    fs.truncateSync(file, fs.statSync(file).size - 4);
    expect(() => readSafetensors(file)).toThrow(/cut\.safetensors.*wrong byte range/);
  });

  it('refuses a header length beyond the file and a missing file', () => {
    const file = path.join(dir, 'len.safetensors');
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(1000n);
    fs.writeFileSync(file, b);
    expect(() => readSafetensors(file)).toThrow(/header length is out of range/);
    expect(() => readSafetensors(path.join(dir, 'nope.safetensors'))).toThrow(/cannot be read.*ENOENT/);
  });
});
