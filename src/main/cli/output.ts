// Terminal output for the CLI: one JSON document on stdout with --json, readable text otherwise;
// progress and logs always on stderr so stdout stays parseable.
import { SingleBar, Presets } from 'cli-progress';
import type { ImportProgress } from '../../shared/domain.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** The command's result: JSON, or the human rendering. */
  result(data: unknown, human: () => string): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else this.io.stdout.write(`${human().replace(/\n*$/, '')}\n`);
  }

  log(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** A progress bar on a terminal; a line per quarter otherwise (logs, CI). */
  importProgress(): { update: (p: ImportProgress) => void; stop: () => void } {
    const tty = Boolean(this.io.stderr.isTTY);
    let bar: SingleBar | null = null;
    let lastQuarter = -1;
    let lastPhase = '';
    return {
      update: (p) => {
        if (p.phase === 'scanning' && p.phase !== lastPhase) this.log('Scanning folders…');
        if (p.phase === 'reading' && p.total > 0) {
          if (tty) {
            if (!bar) {
              bar = new SingleBar(
                { format: 'Reading images [{bar}] {value}/{total} {percentage}% · {eta_formatted} left', stream: this.io.stderr as NodeJS.WriteStream, hideCursor: true },
                Presets.shades_classic,
              );
              bar.start(p.total, p.done);
            }
            bar.update(p.done);
          } else {
            const quarter = Math.floor((p.done / p.total) * 4);
            if (quarter !== lastQuarter) {
              lastQuarter = quarter;
              this.log(`Reading images: ${p.done}/${p.total}`);
            }
          }
        }
        lastPhase = p.phase;
      },
      stop: () => {
        bar?.stop();
        bar = null;
      },
    };
  }
}

/** A plain text table with right-aligned numbers. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: string[]) =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
