// The spec's enumerations by name: what JSON, CSV and tables print for an
// enum value the kernel sends, and the value of a name given on the command line.
import { enums } from './generated.js';

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
