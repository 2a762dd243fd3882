import { enums } from '../spec/generated.js';
import type { Column } from '../output/index.js';

/** When a snapshot was taken: leads each record of --watch output and of CSV exports, so rows form a time series. */
export const TAKEN_NS: Column = { key: 'taken_ns', header: 'taken', kind: 'time-ns' };

/** The derived sample-weighted RTT average, a column of every view with RTT sums. */
export const RTT_AVERAGE: Column = { key: 'rtt_avg_us', header: 'rtt avg', kind: 'usec' };

/** `columns` with `rtt_avg_us` right after `rtt_max_us` (at the end when there is none). */
export function withRttAverage(columns: readonly Column[]): Column[] {
  const out = [...columns];
  const afterMax = out.findIndex((column) => column.key === 'rtt_max_us') + 1;
  out.splice(afterMax > 0 ? afterMax : out.length, 0, RTT_AVERAGE);
  return out;
}

/** Sample-weighted average, floored; 0 when there are no samples; undefined when the kernel sent neither. */
export function rttAverageUs(values: { rtt_sum_us?: bigint; rtt_samples?: bigint }): bigint | undefined {
  const { rtt_sum_us: sum, rtt_samples: samples } = values;
  if (sum === undefined || samples === undefined) return undefined;
  return samples === 0n ? 0n : sum / samples;
}

// Value → name, per enumeration: enumName runs for every row of a listing.
const namesByValue = new Map<string, ReadonlyMap<number, string>>();

function namesOf(enumeration: string): ReadonlyMap<number, string> {
  let names = namesByValue.get(enumeration);
  if (!names) {
    names = new Map((enums[enumeration] ?? []).map((entry) => [entry.value, entry.name]));
    namesByValue.set(enumeration, names);
  }
  return names;
}

/** The spec's name of an enum value; an unknown value (a newer module) as its number. */
export function enumName(enumeration: string, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return namesOf(enumeration).get(value) ?? String(value);
}

/** An enum value by name, for flags. */
export function enumValue(enumeration: string, name: string): number | undefined {
  return enums[enumeration]?.find((entry) => entry.name === name)?.value;
}

export function enumNames(enumeration: string): string[] {
  return (enums[enumeration] ?? []).map((entry) => entry.name);
}

/** IP protocol numbers of the flows the module tracks, by the names mutexctl uses. */
export const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58 };

const PROTOCOL_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(PROTOCOLS).map(([name, number]) => [number, name]));

export function protocolName(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return PROTOCOL_NAMES.get(value) ?? String(value);
}

const FAMILIES: Readonly<Record<number, string>> = { 2: 'ipv4', 10: 'ipv6' };

export function familyName(value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return FAMILIES[value] ?? String(value);
}

/** `a/b` of two counts, `-` when the kernel sent neither. */
export function pair(a: string | undefined, b: string | undefined): string {
  if (a === undefined && b === undefined) return '-';
  return `${a ?? '-'}/${b ?? '-'}`;
}

/** An alert type as JSON and CSV name it: the spec's name in snake_case (`high_latency`). */
export function alertTypeName(value: number | undefined): string | undefined {
  return enumName('alert-type', value)?.replace(/-/g, '_');
}

/** The alert types of a bit mask (bit n = alert-type n), in type order; an unknown bit as its number. */
export function alertTypesOfMask(mask: number | undefined): string[] | undefined {
  if (mask === undefined) return undefined;
  const names: string[] = [];
  for (let bit = 0; bit < 32; bit++) if ((mask >>> bit) & 1) names.push(alertTypeName(bit)!);
  return names;
}
