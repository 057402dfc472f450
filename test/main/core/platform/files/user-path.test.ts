import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FacetError } from '../../../../../src/shared/errors.js';
import {
  inspectUserPath, prepareOutputFolder, removeCreatedFolders, requireInputFolder, resolveUserPath, withTimeLimit,
} from '../../../../../src/main/core/platform/files/user-path.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'facet-user-path-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('resolveUserPath', () => {
  it('expands ~ to the home folder and keeps absolute paths', () => {
    expect(resolveUserPath('~/faces', 'out', { home: '/home/ada' })).toBe('/home/ada/faces');
    expect(resolveUserPath('~', 'out', { home: '/home/ada' })).toBe('/home/ada');
    expect(resolveUserPath('  /data/a/../b  ', 'out')).toBe('/data/b');
  });

  it('refuses relative paths where there is no folder to read them from (app, server), and resolves them in the CLI', () => {
    expect(() => resolveUserPath('relative/models', '--out')).toThrow(/relative\/models is not a full path/);
    expect(() => resolveUserPath('~other/x', '--out')).toThrow(/another user's home/);
    expect(resolveUserPath('relative/models', '--out', { relativeTo: '/home/ada/work' })).toBe('/home/ada/work/relative/models');
  });

  it.each(['\\\\attacker\\share\\x', '\\\\?\\C:\\x', '\\\\.\\PhysicalDrive0', '//attacker/share', '/\\attacker\\share'])(
    'refuses the network or device path %s on every platform (it would send the NTLM hash)',
    (typed) => {
      for (const platform of ['linux', 'win32'] as const) {
        expect(() => resolveUserPath(typed, '--out', { platform, relativeTo: '/x' })).toThrow(/network or device path/);
      }
    },
  );

  it('on Windows, wants a drive letter: a rooted path without one is refused, C:\\ and ~\\ work', () => {
    expect(resolveUserPath('C:\\Users\\ada\\faces', 'out', { platform: 'win32' })).toBe('C:\\Users\\ada\\faces');
    expect(resolveUserPath('~\\faces', 'out', { platform: 'win32', home: 'C:\\Users\\ada' })).toBe('C:\\Users\\ada\\faces');
    expect(() => resolveUserPath('\\faces', 'out', { platform: 'win32', relativeTo: 'C:\\x' })).toThrow(/not a full path/);
  });

  it.each(['/proc/nope', '/proc', '/sys/kernel/x', '/dev/null', '/tmp/../proc/self'])('refuses %s (a view of the running system)', (typed) => {
    const error = (() => {
      try {
        resolveUserPath(typed, '--out');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'invalid-argument', field: '--out', message: expect.stringMatching(/view of the running system/) });
  });

  it('refuses empty paths and NUL characters', () => {
    expect(() => resolveUserPath('  ', 'folder')).toThrow(/empty/);
    expect(() => resolveUserPath('/tmp/a\0b', 'folder')).toThrow(/NUL/);
  });
});

describe('inspectUserPath', () => {
  it('tells folders, files and missing paths apart and refuses special files', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'f.txt'), 'x');
    expect(await inspectUserPath(d, 'folder')).toBe('directory');
    expect(await inspectUserPath(path.join(d, 'f.txt'), 'folder')).toBe('file');
    expect(await inspectUserPath(path.join(d, 'nope'), 'folder')).toBe('missing');
    await expect(inspectUserPath(path.join(d, 'f.txt', 'below'), 'folder')).rejects.toThrow(/goes through a file/);
    if (process.platform === 'linux') await expect(inspectUserPath('/dev/null', 'folder')).rejects.toThrow(/view of the running system/);
  });

  it.skipIf(process.platform !== 'linux')('follows a symlink into /proc and refuses it', async () => {
    const d = tmp();
    fs.symlinkSync('/proc', path.join(d, 'innocent'));
    await expect(prepareOutputFolder(path.join(d, 'innocent', 'nope'), '--out')).rejects.toThrow(/\/proc, a view of the running system/);
  });
});

describe('prepareOutputFolder', () => {
  it('creates a missing folder one level at a time and reports what it created', async () => {
    const d = tmp();
    const target = path.join(d, 'a', 'b');
    const out = await prepareOutputFolder(target, '--out');
    expect(out).toEqual({ dir: target, created: [path.join(d, 'a'), target], existing: new Set() });
    expect(fs.statSync(target).isDirectory()).toBe(true);
    await removeCreatedFolders(out.created);
    expect(fs.existsSync(path.join(d, 'a'))).toBe(false);
  });

  it('refuses a non-empty folder unless forced, and then lists what was there', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'labels.json'), 'mine');
    await expect(prepareOutputFolder(d, '--out', { forceFlag: 'add --force' })).rejects.toMatchObject({ code: 'conflict', message: `The folder ${d} is not empty.`, hint: expect.stringMatching(/add --force/) });
    const out = await prepareOutputFolder(d, '--out', { force: true });
    expect([...out.existing]).toEqual(['labels.json']);
    expect(out.created).toEqual([]);
  });

  it('refuses a file where the folder should be', async () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, 'f'), 'x');
    await expect(prepareOutputFolder(path.join(d, 'f'), '--out')).rejects.toThrow(/is a file, not a folder/);
    await expect(prepareOutputFolder(path.join(d, 'f', 'sub'), '--out')).rejects.toThrow(/goes through a file/);
  });
});

describe('requireInputFolder and withTimeLimit', () => {
  it('an input folder must exist and be a folder', async () => {
    const d = tmp();
    expect(await requireInputFolder(d, 'folder')).toBe(d);
    await expect(requireInputFolder(path.join(d, 'nope'), 'folder')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('gives up on a call that does not answer, with a message naming the path', async () => {
    await expect(withTimeLimit(new Promise(() => undefined), 'Reading', '/mnt/share', 20)).rejects.toMatchObject({
      code: 'io', message: expect.stringMatching(/Reading \/mnt\/share did not answer within 20 ms/),
    });
  });
});
