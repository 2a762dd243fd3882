// A tally: counts by name (drops by the kernel's drop reason). JSON carries it
// as an object of numbers, CSV as one field `NAME=N;NAME=N`, a table as
// `NAME N, NAME N`; names in the order the kernel sent them.

export type Tally = Readonly<Record<string, bigint>>;

export function isTally(value: unknown): value is Tally {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function tallyText(tally: Tally, separator: string, between: string): string {
  return Object.entries(tally)
    .map(([name, count]) => `${name}${between}${count}`)
    .join(separator);
}

/** Entries of a nested multi-attr list ({name, count} records) as a tally; summed when a name repeats. */
export function tallyOf<T>(entries: readonly T[] | undefined, name: (entry: T) => string | undefined, count: (entry: T) => bigint | undefined): Tally {
  const tally: Record<string, bigint> = {};
  for (const entry of entries ?? []) {
    const key = name(entry);
    if (key !== undefined) tally[key] = (tally[key] ?? 0n) + (count(entry) ?? 0n);
  }
  return tally;
}

/** The sum of tallies, name by name. */
export function sumTallies(tallies: readonly (Tally | undefined)[]): Tally {
  const sum: Record<string, bigint> = {};
  for (const tally of tallies) for (const [name, count] of Object.entries(tally ?? {})) sum[name] = (sum[name] ?? 0n) + count;
  return sum;
}
