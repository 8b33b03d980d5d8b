/**
 * C syntax through tree-sitter (web-tree-sitter + tree-sitter-c's wasm): function spans and names.
 *
 * tree-sitter-c loses its way in hz3-style code (braces split across `#if` blocks, directives inside expressions:
 * docs/hz3-patterns.md), so every span says whether its subtree parsed cleanly, and callers only trust the header line of
 * an unclean one. The `#if` structure itself never comes from here. The `.wasm` files are passed in by folder,
 * never looked up relative to this module, because the bundle moves them.
 */
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

export interface FunctionSpan {
  name: string;
  /** 1-based line of the declarator (where the name is). */
  line: number;
  /** 1-based line of the closing brace; only reliable when `clean`. */
  endLine: number;
  clean: boolean;
}

const PARSE_BUDGET_MS = 500;
const NOT_A_NAME = /^(__attribute__|__declspec|__asm__|asm|__extension__|_Atomic|_Alignas|__typeof__|typeof)$/;
const CACHE_SIZE = 32;

export class CSyntax {
  private readonly cache = new Map<string, FunctionSpan[]>();

  private constructor(private readonly parser: Parser) {}

  /** `wasmDir` holds `web-tree-sitter.wasm` and `tree-sitter-c.wasm`. */
  /** From a folder holding both wasm files (dist/, as the build lays them out), or from each file's own path. */
  static async create(wasm: string | { runtime: string; language: string }): Promise<CSyntax> {
    const files =
      typeof wasm === 'string'
        ? { runtime: join(wasm, 'web-tree-sitter.wasm'), language: join(wasm, 'tree-sitter-c.wasm') }
        : wasm;
    await Parser.init({ locateFile: (name: string) => (name.endsWith('.wasm') ? files.runtime : name) });
    const language = await Language.load(files.language);
    const parser = new Parser();
    parser.setLanguage(language);
    return new CSyntax(parser);
  }

  /** Function definitions in source order. `key` (uri@version) caches the answer for unchanged documents. */
  functionSpans(text: string, key?: string): FunctionSpan[] {
    const cached = key !== undefined ? this.cache.get(key) : undefined;
    if (cached) return cached;
    const deadline = Date.now() + PARSE_BUDGET_MS;
    let spans: FunctionSpan[] = [];
    // A progress callback that returns true cancels the parse: a pathological file must not stall the server.
    const tree = this.parser.parse(text, null, { progressCallback: () => Date.now() > deadline } as never);
    if (tree) {
      try {
        spans = collect(tree.rootNode);
      } finally {
        tree.delete();
      }
    }
    if (key !== undefined) {
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, spans);
    }
    return spans;
  }
}

function collect(root: Node): FunctionSpan[] {
  const out: FunctionSpan[] = [];
  const visit = (node: Node): void => {
    if (node.type === 'function_definition') {
      const name = declaratorName(node.childForFieldName('declarator'));
      // In an error-recovered tree an attribute or macro can land in the name's place (`void *__attribute__((x)) f`):
      // dropping the span is better than a total labelled with the wrong name.
      if (name && !(node.hasError && NOT_A_NAME.test(name.text))) {
        const decl = node.childForFieldName('declarator')!;
        out.push({
          name: name.text,
          line: decl.startPosition.row + 1,
          endLine: node.endPosition.row + 1,
          clean: !node.hasError,
        });
      }
      return;
    }
    for (const child of node.namedChildren) if (child) visit(child);
  };
  visit(root);
  return out;
}

/** Walks pointer/parenthesised/attributed declarators down to the function's identifier. */
function declaratorName(decl: Node | null): Node | null {
  let d = decl;
  for (let depth = 0; d && depth < 8; depth++) {
    if (d.type === 'identifier' || d.type === 'field_identifier') return d;
    if (
      d.type === 'function_declarator' ||
      d.type === 'pointer_declarator' ||
      d.type === 'parenthesized_declarator' ||
      d.type === 'attributed_declarator'
    ) {
      d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c && c.type.endsWith('declarator')) ?? null;
      continue;
    }
    return null;
  }
  return null;
}
