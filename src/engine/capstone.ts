/**
 * Machine code → instruction text, in process, through Capstone (the @alexaltea/capstone-js wasm build): no
 * objdump, so untrusted workspaces and machines without binutils get disassembly too (ARCHITECTURE.md says why).
 * x86-64 is printed in AT&T syntax, as objdump and perf annotate print it; AArch64 in its one syntax.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DecodedInstruction {
  address: number;
  size: number;
  mnemonic: string;
  operands: string;
}

/** ELF e_machine values Capstone is set up for here. */
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

interface CapstoneInstruction {
  address: number | bigint;
  size: number;
  mnemonic: string;
  op_str: string;
}
interface CapstoneHandle {
  option(option: number, value: number): void;
  disasm(bytes: Uint8Array | number[], address: number): CapstoneInstruction[];
  close(): void;
}
interface CapstoneModule {
  Capstone: new (arch: number, mode: number) => CapstoneHandle;
  ARCH_X86: number;
  ARCH_ARM64: number;
  MODE_64: number;
  MODE_ARM: number;
  MODE_LITTLE_ENDIAN: number;
  OPT_SYNTAX: number;
  OPT_SYNTAX_ATT: number;
  OPT_SKIPDATA: number;
  OPT_ON: number;
}
type Factory = (options: { wasmBinary: Uint8Array }) => Promise<CapstoneModule>;

let loading: Promise<CapstoneModule> | undefined;

/** The wasm sits next to the bundle in dist/ (scripts/build.mjs copies it), or in node_modules from source. */
function wasmPath(): string {
  const candidates = [join(__dirname, 'capstone.wasm')];
  try {
    candidates.push(require.resolve('@alexaltea/capstone-js/dist/capstone.wasm'));
  } catch {
    /* not installed as a package: the bundle's copy is the only one */
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error('capstone.wasm was not found next to Perf Heat: no disassembly can be shown');
  return found;
}

function capstone(): Promise<CapstoneModule> {
  loading ??= (async () => {
    // Required here, not imported at the top: only a disassembly request pays for the 330 kB of glue.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const factory = require('@alexaltea/capstone-js') as Factory;
    return factory({ wasmBinary: readFileSync(wasmPath()) });
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}

/**
 * Decodes `bytes` as code at `address`. Capstone stops at the first byte sequence it cannot decode; the caller sees
 * that as fewer bytes covered than given.
 */
export async function decode(machine: number, bytes: Uint8Array, address: number): Promise<DecodedInstruction[]> {
  const cs = await capstone();
  let handle: CapstoneHandle;
  if (machine === EM_X86_64) {
    handle = new cs.Capstone(cs.ARCH_X86, cs.MODE_64);
    handle.option(cs.OPT_SYNTAX, cs.OPT_SYNTAX_ATT);
  } else if (machine === EM_AARCH64) {
    handle = new cs.Capstone(cs.ARCH_ARM64, cs.MODE_ARM);
  } else {
    throw new Error(
      `machine type ${machine} (ELF e_machine) is not one Perf Heat disassembles (x86-64 and AArch64 are)`,
    );
  }
  try {
    // Bytes that decode as no instruction (data in .text, a jump table) become `.byte` rows rather than ending the
    // listing there, as objdump shows them.
    handle.option(cs.OPT_SKIPDATA, cs.OPT_ON);
    if (bytes.length === 0) return [];
    return handle
      .disasm(bytes, address)
      .map((i) => ({ address: Number(i.address), size: i.size, mnemonic: i.mnemonic, operands: i.op_str }));
  } catch (e) {
    // capstone.js throws strings, and throws when it decoded nothing without an error: bytes shorter than one
    // instruction (an AArch64 tail under 4 bytes), which is no instruction rather than a failure.
    if (/\(CS_ERR_OK\)/.test(String(e))) return [];
    throw e instanceof Error ? e : new Error(String(e));
  } finally {
    handle.close();
  }
}
