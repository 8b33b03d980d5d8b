/** Every parser reports bad input the same way: the file, where in it (line or byte offset), and what was wrong. */
export class ProfileFormatError extends Error {
  constructor(
    readonly file: string,
    readonly where: { line: number } | { offset: number } | undefined,
    readonly problem: string,
  ) {
    super(`${file}${where ? ('line' in where ? `:${where.line}` : ` (byte ${where.offset})`) : ''}: ${problem}`);
    this.name = 'ProfileFormatError';
  }
}
