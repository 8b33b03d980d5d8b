/**
 * perf's ordered_events, for replaying records in time order. Records are not in time order in the file (perf
 * record drains each CPU's ring buffer in turn), so an MMAP written from one CPU can come after a sample that
 * another CPU took later and that needs it. perf queues timed records and, at each FINISHED_ROUND, delivers those
 * no later than the newest time seen at the previous round (a later round can still bring older records, but not
 * older than that). Records with no time (or time 0: synthesized at start) are delivered at once, as perf does.
 *
 * Memory is bounded by what perf record wrote in two rounds, not by the file.
 */
export class OrderedQueue<T> {
  private queue: { time: number; item: T }[] = [];
  private nextFlush = 0;
  private maxTime = 0;

  constructor(private readonly deliver: (item: T) => void) {}

  push(item: T, time: number | undefined): void {
    if (!time) {
      this.deliver(item);
      return;
    }
    this.queue.push({ time, item });
    if (time > this.maxTime) this.maxTime = time;
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

  private flushUpTo(limit: number): void {
    if (!limit) return;
    // Array.prototype.sort is stable: equal times keep file order, as perf's insertion does.
    this.queue.sort((a, b) => a.time - b.time);
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.time <= limit) this.deliver(this.queue[n++]!.item);
    this.queue = n === this.queue.length ? [] : this.queue.slice(n);
  }
}
