/**
 * perf's ordered_events, for replaying records in time order. Records are not in time order in the file (perf
 * record drains each CPU's ring buffer in turn), so an MMAP written from one CPU can come after a sample that
 * another CPU took later and that needs it. perf queues timed records and, at each FINISHED_ROUND, delivers those
 * no later than the newest time seen at the previous round (a later round can still bring older records, but not
 * older than that). Records with no time (or time 0: synthesized at start) are delivered at once, as perf does.
 *
 * Memory is bounded by what perf record wrote in two rounds, and in any case by `maxQueued`: a recording without
 * FINISHED_ROUND records (a pipe-mode stream, perf inject output) would otherwise queue the whole file. perf's
 * ordered-events buffer has the same cap (`ordered_events__set_alloc_size`, 100 MB by default): when it is full,
 * perf delivers the older half of what it holds — every record up to the midpoint between the oldest and the
 * newest time (OE_FLUSH__HALF) — and carries on; so does this.
 */
export class OrderedQueue<T> {
  private queue: { time: number; item: T }[] = [];
  private nextFlush = 0;
  private maxTime = 0;
  /** Records that arrived older than something already delivered by a half flush (perf warns about these). */
  late = 0;
  private flushedTo = 0;

  constructor(
    private readonly deliver: (item: T) => void,
    /** Most records held at once (perf's buffer holds 100 MB of raw events; this many decoded ones is ~40 MB). */
    private readonly maxQueued = DEFAULT_MAX_QUEUED,
  ) {}

  push(item: T, time: number | undefined): void {
    if (!time) {
      this.deliver(item);
      return;
    }
    if (time < this.flushedTo) this.late++;
    this.queue.push({ time, item });
    if (time > this.maxTime) this.maxTime = time;
    if (this.queue.length > this.maxQueued) this.flushHalf();
  }

  /** Records held now (for tests and the memory benchmark). */
  get size(): number {
    return this.queue.length;
  }

  /** FINISHED_ROUND. */
  round(): void {
    if (this.queue.length === 0) return;
    this.flushUpTo(this.nextFlush);
    this.nextFlush = this.maxTime;
  }

  /** End of the stream. */
  finish(): void {
    this.flushUpTo(Infinity);
  }

  private flushHalf(): void {
    this.sort();
    const first = this.queue[0]!.time;
    const last = this.queue[this.queue.length - 1]!.time;
    // perf's midpoint, but never less than half the records: a lone old record must not make every push sort and
    // slice the whole queue again (the median keeps each flush's cost paid for by the pushes that filled it).
    const mid = Math.max(first + (last - first) / 2, this.queue[this.queue.length >> 1]!.time);
    this.flushUpTo(mid, true);
    if (mid > this.flushedTo) this.flushedTo = mid;
  }

  private sort(): void {
    // Array.prototype.sort is stable: equal times keep file order, as perf's insertion does.
    this.queue.sort((a, b) => a.time - b.time);
  }

  private flushUpTo(limit: number, sorted = false): void {
    if (!limit) return;
    if (!sorted) this.sort();
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.time <= limit) this.deliver(this.queue[n++]!.item);
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
  }
}

/**
 * Measured with bench/memory: a 100 MB round-less pipe file peaks at 220 MB RSS with this cap (700 MB without
 * one), and the peak no longer grows with the file.
 */
export const DEFAULT_MAX_QUEUED = 100_000;
