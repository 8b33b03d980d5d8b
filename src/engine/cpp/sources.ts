/**
 * Where source text comes from: the disk, or an editor's unsaved buffer laid over it. Texts are cached and kept as
 * the same string object while the file is unchanged, so the scan cache recognises them by identity; a file is
 * stat-ed at most once per evaluation (`nextGeneration`), which keeps a re-evaluation after a flag toggle off the
 * disk except for one cheap stat per file of the translation unit.
 */
import { readFileSync, statSync } from 'node:fs';

export interface SourceProvider {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  read(path: string): string | undefined;
  exists(path: string): boolean;
  /** Called at the start of each evaluation: cached facts may be re-checked after this. */
  nextGeneration(): void;
}

interface Entry {
  generation: number;
  mtimeMs: number;
  size: number;
  text: string | undefined;
  isFile: boolean;
}

export class FileSystemSources implements SourceProvider {
  private readonly entries = new Map<string, Entry>();
  private readonly overlays = new Map<string, string>();
  private generation = 0;

  /** `recheck: false` trusts the cache forever (benchmarks, one-shot CLI runs). */
  constructor(private readonly recheck = true) {}

  nextGeneration(): void {
    this.generation++;
  }

  /** Text of an unsaved editor buffer; undefined removes it. */
  setOverlay(path: string, text: string | undefined): void {
    if (text === undefined) this.overlays.delete(path);
    else this.overlays.set(path, text);
  }

  private entry(path: string): Entry {
    let e = this.entries.get(path);
    if (e && (e.generation === this.generation || !this.recheck)) return e;
    let st: { mtimeMs: number; size: number; isFile: boolean } | undefined;
    try {
      const s = statSync(path);
      st = { mtimeMs: s.mtimeMs, size: s.size, isFile: s.isFile() };
    } catch {
      st = undefined;
    }
    if (!st) {
      e = { generation: this.generation, mtimeMs: -1, size: -1, text: undefined, isFile: false };
    } else if (e && e.mtimeMs === st.mtimeMs && e.size === st.size && e.isFile === st.isFile) {
      e.generation = this.generation;
    } else {
      let text: string | undefined;
      if (st.isFile) {
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          text = undefined;
        }
      }
      e = { generation: this.generation, mtimeMs: st.mtimeMs, size: st.size, text, isFile: st.isFile };
    }
    this.entries.set(path, e);
    return e;
  }

  read(path: string): string | undefined {
    return this.overlays.get(path) ?? this.entry(path).text;
  }

  exists(path: string): boolean {
    return this.overlays.has(path) || this.entry(path).isFile;
  }
}

/** Sources held in memory (tests, fuzzing, generated trees). */
export class MemorySources implements SourceProvider {
  constructor(readonly files: Map<string, string>) {}
  read(path: string): string | undefined {
    return this.files.get(path);
  }
  exists(path: string): boolean {
    return this.files.has(path);
  }
  nextGeneration(): void {}
}
