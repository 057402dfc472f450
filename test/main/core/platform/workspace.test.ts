import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FacetError } from '../../../../src/shared/errors.js';
import { defaultWorkspaceDir, resolveWorkspaceDir, Workspace } from '../../../../src/main/core/platform/workspace.js';
import { tempDir } from '../datasets/helpers.js';

describe('resolveWorkspaceDir', () => {
  it('prefers --workspace over $FACET_WORKSPACE over the per-user default', () => {
    const env = { FACET_WORKSPACE: '/from/env' };
    expect(resolveWorkspaceDir('/from/flag', env)).toBe(path.resolve('/from/flag'));
    expect(resolveWorkspaceDir(undefined, env)).toBe(path.resolve('/from/env'));
    expect(resolveWorkspaceDir(undefined, {})).toBe(path.resolve(defaultWorkspaceDir({})));
  });

  it('treats an empty $FACET_WORKSPACE as unset', () => {
    expect(resolveWorkspaceDir(undefined, { FACET_WORKSPACE: '' })).toBe(path.resolve(defaultWorkspaceDir({})));
  });

  it('makes a relative --workspace absolute against the current folder', () => {
    expect(resolveWorkspaceDir('ws', {})).toBe(path.join(process.cwd(), 'ws'));
  });
});

describe('defaultWorkspaceDir', () => {
  const home = os.homedir();
  it('uses $XDG_DATA_HOME, else ~/.local/share, on Linux', () => {
    expect(defaultWorkspaceDir({ XDG_DATA_HOME: '/xdg' }, 'linux')).toBe(path.join('/xdg', 'facet-studio', 'workspace'));
    expect(defaultWorkspaceDir({}, 'linux')).toBe(path.join(home, '.local', 'share', 'facet-studio', 'workspace'));
    // The XDG spec: a relative or empty value is invalid and ignored.
    expect(defaultWorkspaceDir({ XDG_DATA_HOME: 'rel' }, 'linux')).toBe(path.join(home, '.local', 'share', 'facet-studio', 'workspace'));
    expect(defaultWorkspaceDir({ XDG_DATA_HOME: '' }, 'linux')).toBe(path.join(home, '.local', 'share', 'facet-studio', 'workspace'));
  });

  it('uses ~/Library/Application Support on macOS', () => {
    expect(defaultWorkspaceDir({}, 'darwin')).toBe(path.join(home, 'Library', 'Application Support', 'Facet Studio', 'workspace'));
  });

  it('uses %APPDATA%, else ~/AppData/Roaming, on Windows', () => {
    expect(defaultWorkspaceDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe(
      path.join('C:\\Users\\u\\AppData\\Roaming', 'Facet Studio', 'workspace'),
    );
    expect(defaultWorkspaceDir({}, 'win32')).toBe(path.join(home, 'AppData', 'Roaming', 'Facet Studio', 'workspace'));
  });
});

describe('Workspace.open', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir('facet-workspace-')));
  afterEach(async () => cleanup());

  it('creates the folder and facet.db, and reports where things live', () => {
    const wsDir = path.join(dir, 'nested', 'ws');
    const ws = Workspace.open(wsDir);
    try {
      expect(existsSync(path.join(wsDir, 'facet.db'))).toBe(true);
      const info = ws.info();
      expect(info).toMatchObject({ dir: wsDir, database: path.join(wsDir, 'facet.db'), cache: path.join(wsDir, 'cache') });
      expect(info.schemaVersion).toMatch(/^\d{4}-\d{2}-\d{2}-/);
      expect(ws.thumbnailPath('abcdef')).toBe(path.join(wsDir, 'cache', 'thumbs', 'ab', 'abcdef.jpg'));
    } finally {
      ws.close();
    }
  });

  it('gives a FacetError naming the folder when it cannot be created', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    const target = path.join(file, 'ws');
    let error: unknown;
    try {
      Workspace.open(target);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FacetError);
    expect(error).toMatchObject({ code: 'workspace', file: target });
  });
});
