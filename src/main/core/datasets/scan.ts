// Walks a class-folder data set as Keras' image_dataset_from_directory reads it: every top-level
// sub-folder is a class (sorted names), images at any depth below it. Images directly in the root
// have no class: they arrive unlabelled (issue 17), as does every image when the whole folder is
// read unlabelled. Every entry the walk meets is either a candidate image or a SkippedFile with its
// reason; nothing is silently dropped.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SkippedFile } from '../../../shared/domain.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);
/** Image formats people drop into folders that this build of sharp cannot decode. */
const UNSUPPORTED_IMAGE_EXTENSIONS = new Set(['.bmp', '.heic', '.heif', '.svg', '.jxl', '.ico', '.psd', '.raw', '.cr2', '.nef', '.dng']);
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db']);

export interface ScannedFile {
  /** Relative to the root, forward slashes. */
  path: string;
  absPath: string;
  /** The class folder the file sits in; null for an unlabelled image (root, or --unlabelled). */
  classFolder: string | null;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: ScannedFile[];
  skipped: SkippedFile[];
  /** Sorted class folder names (including empty ones). */
  classFolders: string[];
  emptyClasses: string[];
}

function toPosix(rel: string): string {
  return rel.split(path.sep).join('/');
}

function isHidden(name: string): boolean {
  return name.startsWith('.') || SYSTEM_FILES.has(name.toLowerCase());
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function skipForError(rel: string, error: unknown): SkippedFile {
  const code = errnoCode(error);
  if (code === 'EACCES' || code === 'EPERM') {
    return { path: rel, code: 'permission-denied', reason: 'Permission denied: give your user read access to this file or folder.' };
  }
  if (code === 'ELOOP') {
    return { path: rel, code: 'symlink-loop', reason: 'Symbolic link loop: the link points back into itself.' };
  }
  if (code === 'ENOENT') {
    return { path: rel, code: 'unreadable', reason: 'Broken link or the file vanished during the scan.' };
  }
  return { path: rel, code: 'unreadable', reason: `Cannot read: ${(error as Error).message}` };
}

/** Classifies a file name that is not a candidate image; null when it is one. */
export function skipByName(rel: string, name: string): SkippedFile | null {
  if (isHidden(name)) return { path: rel, code: 'hidden-file', reason: 'Hidden or system file, not an image.' };
  const ext = path.extname(name).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext)) return null;
  if (UNSUPPORTED_IMAGE_EXTENSIONS.has(ext)) {
    return {
      path: rel,
      code: 'unsupported-format',
      reason: `${ext.slice(1).toUpperCase()} images are not supported: convert to JPEG, PNG, WebP, GIF, TIFF or AVIF.`,
    };
  }
  return { path: rel, code: 'not-an-image', reason: `Not an image file${ext ? ` (${ext})` : ''}.` };
}

export interface ScanOptions {
  /** Read every image as unlabelled: sub-folders are not classes. */
  unlabelled?: boolean;
}

export async function scanFolder(root: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const skipped: SkippedFile[] = [];
  const classFolders: string[] = [];
  const emptyClasses: string[] = [];

  const rootStat = await fs.stat(root);
  const top = await fs.readdir(root, { withFileTypes: true });
  top.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of top) {
    const abs = path.join(root, entry.name);
    let stat;
    try {
      stat = await fs.stat(abs);
    } catch (error) {
      skipped.push(skipForError(entry.name, error));
      continue;
    }
    if (!stat.isDirectory()) {
      if (!stat.isFile()) {
        skipped.push({ path: entry.name, code: 'not-an-image', reason: 'Not a regular file (device, socket or pipe).' });
        continue;
      }
      // An image directly in the root has no class folder: it is imported unlabelled.
      const byName = skipByName(entry.name, entry.name);
      if (byName) skipped.push(byName);
      else files.push({ path: entry.name, absPath: abs, classFolder: null, size: stat.size, mtimeMs: stat.mtimeMs });
      continue;
    }
    if (entry.name.startsWith('.')) {
      skipped.push({ path: entry.name, code: 'hidden-file', reason: 'Hidden folder, not read as a class.' });
      continue;
    }
    if (opts.unlabelled) {
      await walkClass(root, abs, null, new Set([`${rootStat.dev}:${rootStat.ino}`, `${stat.dev}:${stat.ino}`]), files, skipped);
      continue;
    }
    classFolders.push(entry.name);
    const before = files.length;
    await walkClass(root, abs, entry.name, new Set([`${rootStat.dev}:${rootStat.ino}`, `${stat.dev}:${stat.ino}`]), files, skipped);
    if (files.length === before) emptyClasses.push(entry.name);
  }
  return { files, skipped, classFolders, emptyClasses };
}

async function walkClass(
  root: string,
  dir: string,
  classFolder: string | null,
  ancestors: Set<string>,
  files: ScannedFile[],
  skipped: SkippedFile[],
): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    skipped.push(skipForError(toPosix(path.relative(root, dir)), error));
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    const rel = toPosix(path.relative(root, abs));
    let stat;
    try {
      stat = await fs.stat(abs); // follows links; lstat is only needed to tell loops apart
    } catch (error) {
      skipped.push(skipForError(rel, error));
      continue;
    }
    if (stat.isDirectory()) {
      const key = `${stat.dev}:${stat.ino}`;
      if (ancestors.has(key)) {
        skipped.push({ path: rel, code: 'symlink-loop', reason: 'Symbolic link loop: this folder links back to one of its parents.' });
        continue;
      }
      if (entry.name.startsWith('.')) {
        skipped.push({ path: rel, code: 'hidden-file', reason: 'Hidden folder, not read.' });
        continue;
      }
      ancestors.add(key);
      await walkClass(root, abs, classFolder, ancestors, files, skipped);
      ancestors.delete(key);
      continue;
    }
    if (!stat.isFile()) {
      skipped.push({ path: rel, code: 'not-an-image', reason: 'Not a regular file (device, socket or pipe).' });
      continue;
    }
    const byName = skipByName(rel, entry.name);
    if (byName) {
      skipped.push(byName);
      continue;
    }
    files.push({ path: rel, absPath: abs, classFolder, size: stat.size, mtimeMs: stat.mtimeMs });
  }
}

/** The group key of a file for group-aware splits, or null when the file has none. */
export function groupKeyOf(relPath: string, groupBy: string | null): string | null {
  if (!groupBy) return null;
  const parts = relPath.split('/');
  if (groupBy === 'subfolder') return parts.length >= 3 ? (parts[1] ?? null) : null;
  const name = parts[parts.length - 1] ?? '';
  const match = new RegExp(groupBy).exec(name);
  if (!match) return null;
  return match[1] ?? match[0];
}
