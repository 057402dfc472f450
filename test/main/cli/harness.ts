// Runs CLI commands in-process for tests: a fresh commander program ("facet" with --json), the given
// command groups mounted on it as program.ts mounts them, stdout and stderr captured. Errors end as
// bin/facet ends them (usage → 2, invalid-argument → 2, else 1, message on stderr), or are thrown
// for tests that look at the error itself.
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { Output } from '../../../src/main/cli/output.js';
import type { CliContext } from '../../../src/main/cli/context.js';
import type { Core } from '../../../src/main/core/index.js';
import { toErrorPayload } from '../../../src/shared/errors.js';

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: <T>() => T;
}

export type Mount = (program: Command, ctx: CliContext) => void;

export async function runCli(core: () => Core, mounts: Mount[], argv: string[], opts: { throwErrors?: boolean } = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  let code = 0;
  const program = new Command('facet').option('--json').exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  const ctx: CliContext = { out: () => new Output({ stdout, stderr }, Boolean(program.opts<{ json?: boolean }>().json)), open: core, setExit: (c) => (code = c) };
  for (const mount of mounts) mount(program, ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (opts.throwErrors) throw error;
    if (error instanceof CommanderError) code = 2;
    else {
      const p = toErrorPayload(error);
      stderr.write(`facet: ${p.message}\n`);
      code = p.code === 'invalid-argument' ? 2 : 1;
    }
  }
  return { code, stdout: stdout.text, stderr: stderr.text, json: <T>() => JSON.parse(stdout.text) as T };
}
