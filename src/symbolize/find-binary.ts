/**
 * Finding the binary a profile names. Profiles are often read on another machine or in another checkout than the
 * one they were recorded in: the configured binary folders, a bounded search of the given roots (the workspace) by
 * file name, and the recorded path are the candidates. `chooseBinary` decides which one may be used: the one with
 * the recorded build-id, else the recorded path, else a guess that is said to be one.
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
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
  for (const root of search.searchRoots ?? []) for (const p of findByName(root, name, search)) add(p);
  if (isAbsolute(recorded)) add(recorded);
  return out;
}

/**
 * The workspace is walked once per search (one load), not once per missing binary: the walk makes an index of file
 * names that every lookup of the load shares. `prepareBinarySearch` walks asynchronously, so a load does not block
 * the server while it reads thousands of folders; a lookup without it walks synchronously, once. The walk is
 * bounded (depth, folders, names), whatever the workspace holds.
 */
const MAX_NAMES = 200_000;
const indexes = new WeakMap<BinarySearch, Map<string, Map<string, string[]>>>();
/** Folders read by walks, for tests that check the walk happens once. */
export const walkStats = { dirsRead: 0 };

type NameIndex = Map<string, string[]>;

/** Walks every search root (asynchronously) so that the load's lookups need no file-system walk of their own. */
export async function prepareBinarySearch(search: BinarySearch): Promise<void> {
  const byRoot = indexFor(search);
  for (const root of search.searchRoots ?? []) {
    if (!byRoot.has(root)) byRoot.set(root, await walk(root, async (d) => readdir(d, { withFileTypes: true })));
  }
}

function indexFor(search: BinarySearch): Map<string, NameIndex> {
  let byRoot = indexes.get(search);
  if (!byRoot) indexes.set(search, (byRoot = new Map()));
  return byRoot;
}

function findByName(root: string, name: string, search: BinarySearch): string[] {
  const byRoot = indexFor(search);
  let index = byRoot.get(root);
  if (!index) byRoot.set(root, (index = walkSync(root)));
  return index.get(name) ?? [];
}

function walkSync(root: string): NameIndex {
  const out: NameIndex = new Map();
  const state = { visited: 0, names: 0 };
  let queue: string[] = [root];
  for (let depth = 0; depth <= MAX_DEPTH && queue.length; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (!admit(state)) break;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      collect(dir, entries, next, out, state);
    }
    queue = next;
  }
  return out;
}

async function walk(root: string, list: (dir: string) => Promise<Dirent[]>): Promise<NameIndex> {
  const out: NameIndex = new Map();
  const state = { visited: 0, names: 0 };
  let queue: string[] = [root];
  for (let depth = 0; depth <= MAX_DEPTH && queue.length; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (!admit(state)) break;
      const entries = await list(dir).catch(() => undefined);
      if (entries) collect(dir, entries, next, out, state);
    }
    queue = next;
  }
  return out;
}

function admit(state: { visited: number; names: number }): boolean {
  if (state.visited >= MAX_DIRS || state.names >= MAX_NAMES) return false;
  state.visited++;
  walkStats.dirsRead++;
  return true;
}

function collect(dir: string, entries: Dirent[], next: string[], out: NameIndex, state: { names: number }): void {
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) next.push(join(dir, e.name));
    } else if (e.isFile()) {
      state.names++;
      const list = out.get(e.name);
      if (list) list.push(join(dir, e.name));
      else out.set(e.name, [join(dir, e.name)]);
    }
  }
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

const HOW =
  "pass --binary-path (perfHeat.binaryPaths in the editor) with the folder of the recorded build, or add it to perf's cache with `perf buildid-cache -a <binary>`";

/**
 * The recorded binary, or a clear no. With a recorded build-id only a file with that build-id is used, wherever it
 * is (perf refuses the others too, and shows raw addresses): a rebuilt binary would name the wrong functions and
 * lines. Without one (perf record -B, perf script text) the recorded path is taken when it exists; any other file of
 * that name is a guess, used with a warning that says so.
 */
export function chooseBinary(
  recorded: string,
  buildId: string | undefined,
  search: BinarySearch,
  cachePaths: readonly string[] = [],
): BinaryChoice {
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
      return {
        elf: unverifiable,
        warnings: [
          `${unverifiable.path} has no build-id to check against the recording's (${buildId}): it is used as a guess for ${recorded}, so names and lines may be wrong. ${cap(HOW)}.`,
        ],
      };
    }
    if (refused.length) {
      const list = refused
        .slice(0, 3)
        .map((e) => `${e.path} (build-id ${e.buildId})`)
        .join(', ');
      return {
        note: `refused: build-id differs from the recording's ${buildId}`,
        warnings: [
          `${basename(recorded)}: not symbolized, samples are shown as raw addresses: ${list} ${refused.length > 1 ? 'are' : 'is'} not the build that was recorded (build-id ${buildId}), as perf would also refuse. ${cap(HOW)}.`,
        ],
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
    const why = recordedPath
      ? `${recordedPath} is not a readable ELF file`
      : isAbsolute(recorded)
        ? `${recorded} does not exist here`
        : `the profile names it only as ${recorded}`;
    return {
      elf,
      warnings: [
        `${elf.path} is a guess for ${recorded} (${why}, and the profile has no build-id to check a file against): if it is another build, names and lines are wrong. ${cap(HOW)}.`,
      ],
    };
  }
  return { note: 'not found', warnings: [] };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
