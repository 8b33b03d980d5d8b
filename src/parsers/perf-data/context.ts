/**
 * What record decoding needs to know about the events: their attrs, which sample id belongs to which, and the
 * layout facts derived from them. Pipe mode learns attrs from records as it goes, so the layout is recomputed
 * whenever one arrives.
 */
import { popcount64 } from './binary';
import { sampleHeadSize } from './sample';
import { sampleIdPos, trailerIdPos, trailerSize, type PerfEventAttr } from './attr';

export interface AttrLayout {
  /** Bytes of the fixed sample fields IDENTIFIER … PERIOD. */
  headSize: number;
  regsUser: number;
  regsIntr: number;
  trailerSize: number;
}

export class DecodeContext {
  readonly attrs: PerfEventAttr[] = [];
  readonly layouts: AttrLayout[] = [];
  readonly idToAttr = new Map<number, number>();
  /** Word index of the id in a SAMPLE body shared by every attr; -1 if none has one, -2 if they disagree. */
  sampleIdPos = -1;
  /** Same, counted from the end of a non-sample record's trailer. */
  trailerIdPos = -1;
  /** perf requires every event to agree on sample_id_all; the first attr's value is used. */
  sampleIdAll = false;

  constructor(
    readonly path: string,
    readonly le: boolean,
    readonly callchains: boolean,
  ) {}

  addAttr(attr: PerfEventAttr): number {
    const index = this.attrs.length;
    this.attrs.push(attr);
    this.layouts.push({
      headSize: sampleHeadSize(attr.sampleType),
      regsUser: popcount64(attr.sampleRegsUser),
      regsIntr: popcount64(attr.sampleRegsIntr),
      trailerSize: trailerSize(attr.sampleType),
    });
    for (const id of attr.ids) if (!this.idToAttr.has(id)) this.idToAttr.set(id, index);
    this.sampleIdAll = this.attrs[0]!.sampleIdAll;
    // Folded in one attr at a time: recomputing over every attr made n pipe-mode HEADER_ATTR records cost n².
    this.sampleIdPos = fold(index, this.sampleIdPos, sampleIdPos(attr.sampleType));
    this.trailerIdPos = fold(index, this.trailerIdPos, trailerIdPos(attr.sampleType));
    return index;
  }

  /**
   * The attr an id belongs to, as perf's evlist__event2evsel decides: the only event if there is one, the first
   * for id 0 (records perf synthesized itself), else the owner of the id, or -1.
   */
  attrForId(id: number | undefined): number {
    if (this.attrs.length <= 1) return this.attrs.length - 1;
    if (id === undefined) return 0;
    if (id === 0) return 0;
    return this.idToAttr.get(id) ?? -1;
  }
}

/** The position every attr so far agrees on (the first attr's), or -2 once two disagree. */
function fold(index: number, sofar: number, next: number): number {
  if (index === 0) return next;
  return sofar === next ? sofar : -2;
}

/** As many attrs as file mode accepts (its attrs section): a pipe stream with more is damaged or hostile. */
export const MAX_ATTRS = 4096;
