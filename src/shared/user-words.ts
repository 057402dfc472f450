// The one place that turns machine words into the user's: a schema's complaint about a field, a
// system error code (ENOENT, ENOTDIR…), a decoder's message (VipsJpeg: premature end…). Core, CLI
// and UI all show errors through these, so no "received NaN" or "ENOTDIR" reaches a person.

/** The parts of a zod issue read here (zod 4's shape). */
export interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  expected?: unknown;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: readonly unknown[];
  keys?: readonly string[];
  format?: string;
}

/** Field names that do not read well split from camelCase. */
const FIELD_WORDS: Record<string, string> = {
  datasetId: 'dataset',
  classId: 'class',
  runId: 'run',
  runIds: 'runs',
  auditId: 'audit',
  imageId: 'image',
  imageIds: 'images',
  sourceClassId: 'class to merge',
  targetClassId: 'class to merge into',
  moveToClassId: 'class to move the images to',
  snapshotId: 'labels and splits',
  out: 'output folder',
  folder: 'folder',
  groupBy: 'group-by',
  imageSize: 'image size',
  batchSize: 'batch size',
  learningRate: 'learning rate',
  denseUnits: 'dense units',
  colorMode: 'colour mode',
  minScore: 'minimum face score',
};

/** "settings.folds" → "folds"; "hyperparameters.learningRate" → "learning rate"; "imageIds.3" → "images (item 4)". */
export function fieldInWords(path: string | readonly PropertyKey[]): string {
  const parts = (typeof path === 'string' ? path.split('.') : path.map(String)).filter((p) => p !== '');
  if (parts.length === 0) return 'the request';
  if (parts[0]!.startsWith('--')) return parts[0]!;
  let item: number | null = null;
  while (parts.length > 1 && /^\d+$/.test(parts[parts.length - 1]!)) item = Number(parts.pop());
  // Containers ("settings", "hyperparameters", "split") add nothing the field's own name does not say.
  const last = parts[parts.length - 1]!;
  const words = FIELD_WORDS[last] ?? last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return item === null ? words : `${words} (item ${item + 1})`;
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const KIND: Record<string, string> = { number: 'a number', int: 'a whole number', string: 'text', boolean: 'on or off', array: 'a list', object: 'a set of values', bigint: 'a whole number' };

/** What the value must be, for one schema issue: "must be a whole number of at least 2". */
export function issueInWords(issue: IssueLike): string {
  // Messages the schema's authors wrote themselves are already in words.
  if (!/^(Invalid|Too (small|big)|Unrecognized|Expected|Number must|String must|Array must|Required)/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const kind = KIND[String(issue.expected)] ?? String(issue.expected);
      return `must be ${kind}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') return Number(issue.minimum) <= 1 ? 'needs at least one item' : `needs at least ${issue.minimum} items`;
      return issue.inclusive === false ? `must be more than ${issue.minimum}` : `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') return `takes at most ${issue.maximum} items`;
      return issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return issue.values && issue.values.length ? `must be one of: ${issue.values.map(String).join(', ')}` : 'has a value that is not allowed';
    case 'not_multiple_of':
      return 'must be a whole number';
    case 'unrecognized_keys':
      return `does not take ${issue.keys && issue.keys.length ? issue.keys.join(', ') : 'these settings'}`;
    case 'invalid_format':
      return `is not a valid ${issue.format ?? 'value'}`;
    case 'invalid_union':
      return 'has a value of the wrong kind';
    default:
      return 'has a value that is not allowed';
  }
}

/** One schema issue as a sentence naming the field: "Folds must be a whole number." */
export function issueSentence(issue: IssueLike): { message: string; field: string } {
  const field = issue.path.map(String).join('.');
  const words = issueInWords(issue);
  // A message the schema's authors wrote ("train for at least 1 epoch") is a whole instruction.
  const own = words === issue.message;
  const message = own ? capital(words) : `${capital(issue.path.length ? fieldInWords(issue.path) : 'the values given')} ${words}`;
  return { message: /[.!?]$/.test(message) ? message : `${message}.`, field };
}

const SYSTEM: Record<string, string> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the disk is read-only',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many files are open at once',
  ENFILE: 'too many files are open at once',
  ELOOP: 'its symbolic links loop back on themselves',
  ENAMETOOLONG: 'the path is too long',
  EBUSY: 'it is in use by another program',
  EIO: 'the disk reported a read or write error',
  EXDEV: 'it is on another disk',
  EINVAL: 'the system refused the path',
};

/** A decoder's complaint (sharp / libvips) in words. */
function decoderInWords(message: string): string | null {
  if (/premature end|truncated|unexpected end|end of (file|stream)|not enough data|Read error/i.test(message)) return 'the image file is cut short (an incomplete download or copy?)';
  if (/unsupported image format|not a known file format|bad (seek|header)/i.test(message)) return 'the content is not an image Facet can read (JPEG, PNG, WebP, GIF, TIFF or AVIF)';
  if (/pixel limit/i.test(message)) return 'the image has too many pixels: downscale it first';
  if (/heif|hevc|compression format/i.test(message)) return 'HEIC/HEVC images are not supported: convert it to JPEG or PNG';
  if (/^(Vips\w*|\w*load|libpng|jpeg|gif|tiff|webp)\b.*:/i.test(message) || /corrupt|invalid (sos|huffman|marker)|bad (huffman|marker)/i.test(message)) return 'the image file is damaged';
  return null;
}

/**
 * A thrown error's reason in words, for "Cannot read X: <reason>." An errno code becomes what it
 * means; a decoder's message what happened to the file; anything else its first line, without the
 * "ENOENT: no such file…, open '…'" machinery.
 */
export function reasonInWords(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && SYSTEM[code]) return SYSTEM[code];
  const message = error instanceof Error ? error.message : String(error);
  const first = (message.split('\n')[0] ?? '').trim();
  const decoded = decoderInWords(first);
  if (decoded) return decoded;
  const errno = /^(E[A-Z]+)\b/.exec(first)?.[1];
  if (errno && SYSTEM[errno]) return SYSTEM[errno];
  return first || 'an unknown error';
}
