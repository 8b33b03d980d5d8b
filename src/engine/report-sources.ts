/**
 * Source files for the report: a profile's recorded paths found under a source root (as recorded when they are
 * there, else by the longest common path suffix, e.g. a tree recorded on another machine), and every path written
 * relative to that root so a report says the same thing wherever it is generated.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PathMapper } from '../model/path-map';

/** The tree walk is for re-rooting by suffix; these never hold the sources a profile names. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.vscode-test']);
const MAX_FILES = 50_000;

export class SourceFiles {
  readonly root: string;
  private mapper: PathMapper | undefined;
  private readonly found = new Map<string, string | undefined>();
  private readonly texts = new Map<string, string[] | undefined>();

  constructor(
    root: string,
    private readonly read: (path: string) => string | undefined = readText,
  ) {
    this.root = resolve(root);
  }

  /** The file on this machine a recorded path names, or undefined. */
  locate(recorded: string): string | undefined {
    if (this.found.has(recorded)) return this.found.get(recorded);
    let hit: string | undefined;
    const direct = isAbsolute(recorded) ? recorded : join(this.root, recorded);
    if (this.isUnderRoot(direct) && isFile(direct)) hit = resolve(direct);
    else {
      const r = this.pathMapper().resolve(recorded.replace(/\\/g, '/'));
      if (r.kind === 'mapped') hit = r.path.split('/').join(sep);
    }
    this.found.set(recorded, hit);
    return hit;
  }

  /** Relative to the root when the file is (or maps) under it; else as recorded when relative, else `…/dir/name`. */
  display(recorded: string): string {
    const hit = this.locate(recorded);
    if (hit) return relative(this.root, hit).split(sep).join('/');
    const norm = recorded.replace(/\\/g, '/');
    if (!norm.startsWith('/')) return norm;
    return `…/${norm.split('/').filter(Boolean).slice(-2).join('/')}`;
  }

  /** 1-based line text of a recorded file, or undefined when the file is not found. */
  lines(recorded: string): string[] | undefined {
    const hit = this.locate(recorded);
    if (!hit) return undefined;
    if (!this.texts.has(hit)) {
      const lines = this.read(hit)
        ?.split('\n')
        .map((l) => l.replace(/\r$/, ''));
      // A final newline ends the last line; it does not start another.
      if (lines && lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
      this.texts.set(hit, lines);
    }
    return this.texts.get(hit);
  }

  text(recorded: string): string | undefined {
    return this.lines(recorded)?.join('\n');
  }

  private isUnderRoot(p: string): boolean {
    const rel = relative(this.root, resolve(p));
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  }

  private pathMapper(): PathMapper {
    if (!this.mapper) this.mapper = new PathMapper(walk(this.root).map((f) => f.split(sep).join('/')));
    return this.mapper;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Files under root, sorted (so ties resolve the same way on every machine), bounded. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) visit(join(dir, e.name));
      } else if (e.isFile()) out.push(join(dir, e.name));
    }
  };
  visit(root);
  return out;
}
