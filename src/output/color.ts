import { Chalk, type ChalkInstance } from 'chalk';

export interface ColorContext {
  isTTY?: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * Colour only on a terminal, never when NO_COLOR is set (https://no-color.org)
 * or FORCE_COLOR=0; FORCE_COLOR=1..3 turns it on even through a pipe.
 */
export function colorEnabled({ isTTY = process.stdout.isTTY, env = process.env }: ColorContext = {}): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return isTTY === true;
}

export function makeChalk(enabled: boolean): ChalkInstance {
  return new Chalk({ level: enabled ? 1 : 0 });
}

export interface TableStyle {
  readonly boxed: boolean;
  readonly color: boolean;
}

/** Plain columns without colour: tables anywhere but a terminal. */
export const PLAIN_TABLE: TableStyle = { boxed: false, color: false };

/** How tables look on a stream: boxed and (unless NO_COLOR) in colour on a terminal; plain, never coloured, anywhere else. */
export function tableStyle(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): TableStyle {
  if (stream.isTTY !== true) return PLAIN_TABLE;
  return { boxed: true, color: colorEnabled({ isTTY: true, env }) };
}
