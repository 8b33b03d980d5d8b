/**
 * Finding the binary a profile names. Profiles are often read on another machine or in another checkout than the
 * one they were recorded in: the configured binary folders, a bounded search of the given roots (the workspace) by
 * file name, and the recorded path are the candidates. `chooseBinary` decides which one may be used: the one with
 * the recorded build-id, else the recorded path, else a guess that is said to be one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { readElf, type ElfFile } from './elf';

export interface BinarySearch {
  /** Folders that hold binaries, searched by file name (not recursively). */
  binaryPaths?: readonly string[];
  /** Folders searched recursively, a few levels deep, by file name. */
  searchRoots?: readonly string[];
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.vscode-test', 'dist', 'out']);
const MAX_DEPTH = 5;
const MAX_DIRS = 5000;

/** Every existing candidate, most likely first, without duplicates. */
export function binaryCandidates(recorded: string, search: BinarySearch): string[] {
  const name = basename(recorded);
  const out: string[] = [];
  const add = (p: string): void => {
    if (!out.includes(p) && isFile(p)) out.push(p);
  };
  // Configured folders first (the user said so), then the workspace (the checkout the user is looking at, whose
  // sources the heat is drawn on), then the recorded path (which may be another checkout of the same build).
  for (const dir of search.binaryPaths ?? []) add(join(dir, name));
  for (const root of search.searchRoots ?? []) for (const p of findByName(root, name)) add(p);
  if (isAbsolute(recorded)) add(recorded);
  return out;
}

function findByName(root: string, name: string): string[] {
  const hits: string[] = [];
  let queue: string[] = [root];
  let visited = 0;
  for (let depth = 0; depth <= MAX_DEPTH && queue.length && visited < MAX_DIRS; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++visited > MAX_DIRS) break;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name)) next.push(join(dir, e.name));
        } else if (e.name === name && e.isFile()) {
          hits.push(join(dir, e.name));
        }
      }
    }
    queue = next;
  }
  return hits;
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}

export interface BinaryChoice {
  /** The binary to symbolize with; undefined when none is, or none can be shown to be, the recorded one. */
  elf?: ElfFile;
  /** For the profile's binary list: 'not found', or why a found file was refused. */
  note?: string;
  /** One line each: a refused candidate, or a guess that was used. */
  warnings: string[];
}

const HOW = 'pass --binary-path (perfHeat.binaryPaths in the editor) with the folder of the recorded build, or add it to perf\'s cache with `perf buildid-cache -a <binary>`';

/**
 * The recorded binary, or a clear no. With a recorded build-id only a file with that build-id is used, wherever it
 * is (perf refuses the others too, and shows raw addresses): a rebuilt binary would name the wrong functions and
 * lines. Without one (perf record -B, perf script text) the recorded path is taken when it exists; any other file of
 * that name is a guess, used with a warning that says so.
 */
export function chooseBinary(recorded: string, buildId: string | undefined, search: BinarySearch, cachePaths: readonly string[] = []): BinaryChoice {
  const recordedPath = isAbsolute(recorded) && isFile(recorded) ? recorded : undefined;
  const others = binaryCandidates(recorded, search).filter((p) => p !== recordedPath);
  const ordered = [...(recordedPath ? [recordedPath] : []), ...cachePaths, ...others];
  const read = (p: string): ElfFile | undefined => {
    try {
      return readElf(p);
    } catch {
      return undefined;
    }
  };
  if (buildId) {
    const refused: ElfFile[] = [];
    let unverifiable: ElfFile | undefined;
    for (const p of ordered) {
      const elf = read(p);
      if (!elf) continue;
      if (elf.buildId === buildId) return { elf, warnings: [] };
      if (elf.buildId) refused.push(elf);
      else unverifiable ??= elf;
    }
    if (unverifiable) {
      return { elf: unverifiable, warnings: [`${unverifiable.path} has no build-id to check against the recording's (${buildId}): it is used as a guess for ${recorded}, so names and lines may be wrong. ${cap(HOW)}.`] };
    }
    if (refused.length) {
      const list = refused.slice(0, 3).map((e) => `${e.path} (build-id ${e.buildId})`).join(', ');
      return {
        note: `refused: build-id differs from the recording's ${buildId}`,
        warnings: [`${basename(recorded)}: not symbolized, samples are shown as raw addresses: ${list} ${refused.length > 1 ? 'are' : 'is'} not the build that was recorded (build-id ${buildId}), as perf would also refuse. ${cap(HOW)}.`],
      };
    }
    return { note: 'not found', warnings: [] };
  }
  if (recordedPath) {
    const elf = read(recordedPath);
    if (elf) return { elf, warnings: [] };
  }
  for (const p of others) {
    const elf = read(p);
    if (!elf) continue;
    const why = recordedPath ? `${recordedPath} is not a readable ELF file` : isAbsolute(recorded) ? `${recorded} does not exist here` : `the profile names it only as ${recorded}`;
    return { elf, warnings: [`${elf.path} is a guess for ${recorded} (${why}, and the profile has no build-id to check a file against): if it is another build, names and lines are wrong. ${cap(HOW)}.`] };
  }
  return { note: 'not found', warnings: [] };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
