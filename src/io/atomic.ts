// Files appear whole or not at all: write to a temporary file beside the target, flush, then rename. A command's
// several outputs appear together or not at all: all are written first, then renamed in one go.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';

type FileData = Uint8Array | string | readonly Uint8Array[];

/** What the system's write errors mean for the file. */
const writeFailures: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'over the disk quota',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'a read-only file system',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of its path is a file',
  EEXIST: 'a part of its path is a file',
};

/** The longest file name Linux, macOS and Windows file systems take, in bytes (NAME_MAX). */
const NAME_MAX = 255;

/**
 * A temporary name beside path: `.NAME.PID.RANDOM.tmp`, with NAME cut (whole characters) so that it fits in
 * NAME_MAX bytes, so any name legal for the target is legal for its temporary.
 */
function temporaryPath(path: string): string {
  const suffix = `.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  const room = NAME_MAX - 1 - Buffer.byteLength(suffix);
  const chars = [...basename(path)];
  while (Buffer.byteLength(chars.join('')) > room) chars.pop();
  return join(dirname(path), `.${chars.join('')}${suffix}`);
}

/** Writes data to a new temporary file beside path (flushed to disk) and returns its name; nothing is left on failure. */
function writeTemporary(path: string, data: FileData): string {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryPath(path);
  const chunks = typeof data === 'string' ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  const fd = openSync(tmp, 'w');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Writes data to path atomically (temp file in the same directory + fsync + rename). */
export function writeFileAtomic(path: string, data: FileData): void {
  writeFilesAtomic([{ path, data }]);
}

/**
 * Writes several files so that they all appear or none does (a grid with its per-image PNGs and its GIF): each is
 * written to a temporary name first; only when all are on disk are they renamed into place. On any failure the
 * temporaries, and any file already renamed, are removed; an error names the file it concerns.
 */
export function writeFilesAtomic(files: readonly { path: string; data: FileData }[]): void {
  const staged: { tmp: string; path: string }[] = [];
  const renamed: string[] = [];
  const named = (path: string, e: unknown) => {
    const code = (e as NodeJS.ErrnoException).code;
    return code ? new Error(`${path}: cannot write (${writeFailures[code] ?? code})`) : (e as Error);
  };
  const twice = files.find((f, i) => files.findIndex((g) => resolve(g.path) === resolve(f.path)) !== i);
  if (twice) throw new Error(`${twice.path}: given twice as an output (one would overwrite the other)`);
  try {
    for (const f of files) {
      try {
        staged.push({ tmp: writeTemporary(f.path, f.data), path: f.path });
      } catch (e) {
        throw named(f.path, e);
      }
    }
    for (const s of staged) {
      try {
        renameSync(s.tmp, s.path);
      } catch (e) {
        throw named(s.path, e);
      }
      renamed.push(s.path);
    }
  } catch (e) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    for (const path of renamed) rmSync(path, { force: true });
    throw e;
  }
}
