// The one door for every path a user types (export and dataset-export folders, import folders,
// predict paths, the workspace): `~` expanded, relative paths resolved against the shell's folder
// (CLI) or refused (UI and server, whose working folder means nothing to the user), Windows UNC and
// device prefixes refused (opening \\host\share sends the user's NTLM hash to that host), pseudo
// file systems and special files refused, and every file-system call on such a path asynchronous
// with a time limit: a synchronous or recursive call there can spin forever (mkdir -p under /proc
// never returns) and would take the server's event loop with it.
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FacetError } from '../../../../shared/errors.js';

export interface UserPathContext {
  /** Folder a relative path is resolved against (the CLI's current folder); absent: relative paths are refused. */
  relativeTo?: string;
  /** Home folder for `~` (tests give their own). */
  home?: string;
  /** Platform rules to apply (tests check Windows rules on Linux). */
  platform?: NodeJS.Platform;
}

/** Time a single file-system call on a user's path may take before Facet gives up on it. */
export const FS_TIME_LIMIT_MS = 10_000;

/** Kernel views that look like folders but are not storage: writing there is meaningless or dangerous. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];
// statfs magic numbers of Linux pseudo file systems (mounted anywhere, not just at the roots above).
const PSEUDO_FS_TYPES = new Map<number, string>([
  [0x9fa0, 'procfs'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x64626720, 'debugfs'], [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'], [0xcafe4a11, 'bpf'], [0x62656570, 'configfs'],
  [0xde5e81e4, 'efivarfs'], [0x6165676c, 'pstore'], [0x65735543, 'fusectl'],
]);

function refuse(field: string, raw: string, message: string, hint: string): FacetError {
  return new FacetError('invalid-argument', message, { field, file: raw, hint });
}

/**
 * The absolute path a user meant, from what they typed, by string rules alone (no file-system call).
 * Throws a FacetError naming the field for what Facet refuses.
 */
export function resolveUserPath(raw: string, field: string, ctx: UserPathContext = {}): string {
  const typed = raw.trim();
  if (typed === '') throw refuse(field, raw, `The ${field} path is empty.`, 'Type the full path of a folder, e.g. ~/faces.');
  if (typed.includes('\0')) throw refuse(field, raw, `The ${field} path contains a NUL character.`, 'Type the path again.');
  // \\server\share, \\?\C:\…, \\.\device and //server/share on any platform: a path on this machine never needs them.
  if (/^[\\/]{2}/.test(typed)) {
    throw refuse(field, raw, `${typed} is a network or device path (it starts with ${typed.slice(0, 2)}); Facet only reads and writes folders on this computer.`,
      'Copy the files to a local folder, or map the share to a drive letter or mount point, and give that path.');
  }
  const platform = ctx.platform ?? process.platform;
  const p = platform === 'win32' ? path.win32 : path.posix;
  let expanded = typed;
  if (typed === '~' || typed.startsWith('~/') || (platform === 'win32' && typed.startsWith('~\\'))) {
    expanded = p.join(ctx.home ?? os.homedir(), typed.slice(1));
  } else if (/^~[^/\\]/.test(typed)) {
    throw refuse(field, raw, `${typed}: another user's home folder (~name) is not supported.`, 'Type the full path instead.');
  }
  if (!p.isAbsolute(expanded) || (platform === 'win32' && !/^[a-zA-Z]:[\\/]/.test(expanded))) {
    if (ctx.relativeTo === undefined || (platform === 'win32' && /^[\\/]/.test(expanded))) {
      throw refuse(field, raw, `${typed} is not a full path.`, 'Give the full path (e.g. /home/you/faces, C:\\Users\\you\\faces or ~/faces): a relative path has no clear meaning here.');
    }
    expanded = p.resolve(ctx.relativeTo, expanded);
  }
  const absolute = p.resolve(expanded);
  if (platform !== 'win32') {
    const root = PSEUDO_ROOTS.find((r) => absolute === r || absolute.startsWith(`${r}/`));
    if (root) throw pseudoError(field, raw, absolute, root);
  }
  return absolute;
}

function pseudoError(field: string, raw: string, absolute: string, what: string): FacetError {
  return refuse(field, raw, `${absolute} is inside ${what}, a view of the running system, not a folder for files.`, 'Choose a folder in your home folder or on a data disk.');
}

/** Runs one file-system call on a user's path, giving up (with a clear message) after the time limit. */
export async function withTimeLimit<T>(work: Promise<T>, what: string, file: string, ms = FS_TIME_LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FacetError('io', `${what} ${file} did not answer within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}.`, { file, hint: 'Check that the disk or network share is reachable, or choose another folder.' })),
      ms,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type PathKind = 'directory' | 'file' | 'missing';

/** What is at `absolute`: a folder, a regular file or nothing; special files and pseudo file systems are refused. */
export async function inspectUserPath(absolute: string, field: string, ms = FS_TIME_LIMIT_MS): Promise<PathKind> {
  let st;
  try {
    st = await withTimeLimit(fs.stat(absolute), 'Reading', absolute, ms);
  } catch (error) {
    if (error instanceof FacetError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ENOTDIR') throw refuse(field, absolute, `${absolute} goes through a file as if it were a folder.`, 'Check the path: one of its parts is a file.');
    if (code === 'EACCES' || code === 'EPERM') throw refuse(field, absolute, `Facet may not read ${absolute} (permission denied).`, 'Choose a folder you own, or change its permissions.');
    throw new FacetError('io', `Cannot read ${absolute} (${code ?? (error as Error).message}).`, { field, file: absolute, hint: 'Check the path and try again.' });
  }
  await refusePseudoFileSystem(st.isDirectory() ? absolute : path.dirname(absolute), field, ms);
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  throw refuse(field, absolute, `${absolute} is a special file (a device, pipe or socket), not a file or folder.`, 'Give a regular folder or image file.');
}

async function refusePseudoFileSystem(dir: string, field: string, ms: number): Promise<void> {
  // A symlink can lead anywhere: the real location counts.
  const real = await withTimeLimit(fs.realpath(dir), 'Reading', dir, ms).catch(() => dir);
  const root = process.platform === 'win32' ? undefined : PSEUDO_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  if (root) throw pseudoError(field, dir, real, root);
  if (process.platform !== 'linux') return;
  const info = await withTimeLimit(fs.statfs(real), 'Reading', real, ms).catch(() => null);
  const type = info ? PSEUDO_FS_TYPES.get(Number(info.type)) : undefined;
  if (type) throw pseudoError(field, dir, real, `a ${type} file system`);
}

/** The nearest folder at or above `absolute` that exists (for the checks before creating the rest). */
async function nearestExisting(absolute: string, field: string, ms: number): Promise<{ dir: string; missing: string[] }> {
  const missing: string[] = [];
  for (let dir = absolute; ; dir = path.dirname(dir)) {
    const kind = await inspectUserPath(dir, field, ms);
    if (kind === 'directory') return { dir, missing: missing.reverse() };
    if (kind === 'file') throw refuse(field, absolute, `${dir} is a file, not a folder.`, 'Give a folder to write into (it is created if missing).');
    if (dir === path.dirname(dir)) throw refuse(field, absolute, `No part of ${absolute} exists.`, 'Check the path.');
    missing.push(dir);
  }
}

export interface OutputFolder {
  /** The absolute folder written into. */
  dir: string;
  /** Folders this call created, outermost first: the ones a failed export may remove again. */
  created: string[];
  /** Names in the folder before the export wrote anything (empty for a new folder). */
  existing: Set<string>;
}

/**
 * An output folder for an export: refused if not empty unless `force`, created if missing (one level
 * at a time, never `mkdir -p`, which spins forever under /proc), every call with a time limit.
 */
export async function prepareOutputFolder(
  raw: string,
  field: string,
  opts: { ctx?: UserPathContext; force?: boolean; forceFlag?: string; ms?: number } = {},
): Promise<OutputFolder> {
  const ms = opts.ms ?? FS_TIME_LIMIT_MS;
  const dir = resolveUserPath(raw, field, opts.ctx);
  const { dir: found, missing } = await nearestExisting(dir, field, ms);
  const existing = new Set<string>();
  if (found === dir) {
    for (const name of await withTimeLimit(fs.readdir(dir), 'Listing', dir, ms)) existing.add(name);
    if (existing.size > 0 && !opts.force) {
      throw new FacetError('conflict', `The folder ${dir} is not empty.`, {
        field,
        file: dir,
        hint: `Give a new or empty folder${opts.forceFlag ? `, or ${opts.forceFlag} to write into it (files with the same names are replaced)` : ''}.`,
      });
    }
  }
  await withTimeLimit(fs.access(found, fsConstants.W_OK), 'Writing to', found, ms).catch((error: unknown) => {
    if (error instanceof FacetError) throw error;
    throw refuse(field, dir, `Facet may not write in ${found} (permission denied).`, 'Choose a folder you own.');
  });
  const created: string[] = [];
  for (const sub of missing) {
    try {
      await withTimeLimit(fs.mkdir(sub), 'Creating', sub, ms);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        await removeCreatedFolders(created);
        if (error instanceof FacetError) throw error;
        throw new FacetError('io', `Cannot create the folder ${sub} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, { field, file: sub, hint: 'Choose another folder.' });
      }
    }
    created.push(sub);
  }
  return { dir, created, existing };
}

/** Removes folders an export created, innermost first, only while they are empty. */
export async function removeCreatedFolders(created: string[]): Promise<void> {
  for (const dir of [...created].reverse()) await fs.rmdir(dir).catch(() => undefined);
}

/** An input folder a user gave (import): it must exist and be a folder. */
export async function requireInputFolder(raw: string, field: string, ctx: UserPathContext = {}, ms = FS_TIME_LIMIT_MS): Promise<string> {
  const dir = resolveUserPath(raw, field, ctx);
  const kind = await inspectUserPath(dir, field, ms);
  if (kind === 'missing') throw new FacetError('not-found', `The folder ${dir} does not exist.`, { field, file: dir, hint: 'Check the path and try again.' });
  if (kind === 'file') throw refuse(field, dir, `${dir} is a file, not a folder.`, 'Give the folder that holds one sub-folder per class.');
  return dir;
}
