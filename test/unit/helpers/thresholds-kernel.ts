// A fake kernel keeping threshold state the way the module does: global
// values (seed defaults) and per-context overrides, thresholds-get answering
// with effective values and the `overridden` mask, thresholds-set applying
// `reset` first and then the attributes — or failing as a test says.
import { mutexKernel, type Answer, type MutexKernel, type Request } from './mutex-kernel.js';

export interface GlobalValues {
  latency_us: bigint;
  error_rate_ppm: number;
  bandwidth_bps: bigint;
  conn_rate: number;
  drop_rate_ppm: number;
  disabled: number;
  interval_ms: number;
}

type Overrides = Partial<Omit<GlobalValues, 'interval_ms'>>;

export const SEED: Readonly<GlobalValues> = {
  latency_us: 500_000n,
  error_rate_ppm: 100_000,
  bandwidth_bps: 1_000_000_000n,
  conn_rate: 10_000,
  drop_rate_ppm: 50_000,
  disabled: 0,
  interval_ms: 1000,
};

/** Bits of `overridden`, in attribute order (the spec's doc). */
const OVERRIDE_BITS: readonly (keyof Overrides)[] = ['latency_us', 'error_rate_ppm', 'bandwidth_bps', 'conn_rate', 'drop_rate_ppm', 'disabled'];

export interface ThresholdState {
  global: GlobalValues;
  contexts: Map<number, { overrides: Overrides; alertsActive: number }>;
}

export interface ThresholdsKernel extends MutexKernel {
  state: ThresholdState;
  /** thresholds-set requests in order, failed ones included. */
  sets: Request['attributes'][];
}

export interface ThresholdsKernelOptions {
  contexts?: Record<number, Overrides & { alertsActive?: number }>;
  global?: Partial<GlobalValues>;
  /** Answer for the n-th thresholds-set (1-based) instead of applying it, e.g. an EINVAL with extack. */
  failSet?: (n: number, attributes: Record<string, unknown>) => Answer | undefined;
  /** Other operations (alert-get, …). */
  other?: (request: Request) => Answer;
}

export function snapshot(state: ThresholdState): unknown {
  return {
    global: { ...state.global },
    contexts: [...state.contexts.entries()].map(([id, context]) => [id, { ...context.overrides }]),
  };
}

export async function thresholdsKernel(options: ThresholdsKernelOptions = {}): Promise<ThresholdsKernel> {
  const state: ThresholdState = { global: { ...SEED, ...options.global }, contexts: new Map() };
  for (const [id, { alertsActive = 0, ...overrides }] of Object.entries(options.contexts ?? {})) {
    state.contexts.set(Number(id), { overrides, alertsActive });
  }
  const sets: Request['attributes'][] = [];
  const kernel = await mutexKernel((request) => {
    const attributes = request.attributes;
    const fdId = attributes.fd_id as number | undefined;
    const context = fdId === undefined ? undefined : state.contexts.get(fdId);
    if (fdId !== undefined && !context && request.operation.startsWith('thresholds-')) return { errno: 2 };
    if (request.operation === 'thresholds-get') {
      if (!context) return { items: [{ ...state.global }] };
      const defaults: Partial<GlobalValues> = { ...state.global };
      delete defaults.interval_ms;
      let overridden = 0;
      OVERRIDE_BITS.forEach((key, bit) => {
        if (context.overrides[key] !== undefined) overridden |= 1 << bit;
      });
      return { items: [{ fd_id: fdId, ...defaults, ...context.overrides, overridden, alerts_active: context.alertsActive }] };
    }
    if (request.operation === 'thresholds-set') {
      sets.push(attributes);
      const failure = options.failSet?.(sets.length, attributes);
      if (failure) return failure;
      const { reset, ...values } = attributes;
      delete values.fd_id;
      if (context) {
        if (reset) context.overrides = {};
        Object.assign(context.overrides, values);
      } else {
        if (reset) state.global = { ...SEED };
        Object.assign(state.global, values);
      }
      return { items: [] };
    }
    return options.other ? options.other(request) : { errno: 95 };
  });
  return { ...kernel, state, sets };
}
