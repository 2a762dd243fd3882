// The packet path (guest half; bench/run.mjs boots the guest with
// `scripts/vm --icount`, where the guest's clock counts instructions, so a
// rate measured here is instructions per packet or byte and repeats within
// ~1 %). iperf3 over lo, TCP bulk and 64-byte UDP datagrams, under each
// configuration of PACKET_CONFIGS; the rounds interleave the configurations,
// each round in another order.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { log, moduleLoaded, openContext, openContextElsewhere, rotations, setModule, sleep, withClient } from './guest-kit.mjs';

const NFT_TABLE = 'mutex_bench';
const nftRules = (rule) => `table inet ${NFT_TABLE} {
	chain input {
		type filter hook input priority filter;
		${rule}
	}
	chain output {
		type filter hook output priority filter;
		${rule}
	}
}
`;

/**
 * The configurations, in the order they are reported. `budget`: the least
 * ratio to "not loaded" (same run) for TCP and UDP, and `cheaperThan`: a
 * configuration it must beat on both (a higher ratio is a cheaper packet).
 */
export const PACKET_CONFIGS = [
  { id: 'unloaded', label: 'module not loaded' },
  { id: 'loaded', label: 'loaded, no context anywhere', budget: { tcp: 0.999, udp: 0.999 } },
  { id: 'elsewhere', label: 'a context in another netns only', budget: { tcp: 0.999, udp: 0.999 } },
  { id: 'nomatch_port', label: 'context here, port matches nothing', budget: { tcp: 0.999, udp: 0.999 } },
  { id: 'nomatch_uid', label: 'context here, uid: matches nothing', budget: { tcp: 0.999, udp: 0.999 } },
  { id: 'match', label: 'context matching everything', budget: { tcp: 0.995, udp: 0.99, cheaperThan: 'conntrack' } },
  { id: 'conntrack', label: 'nf_conntrack + acct (ct state rule)', reference: true },
  { id: 'nft_counter', label: 'nftables counter, input + output', reference: true },
];

// What each configuration sets up (and how it is checked once measured).
// The selectors of the non-matching contexts: port 9 is no port iperf3 uses;
// iperf3 runs as root, not as uid 65534 (a uid: scope costs a socket lookup
// for each packet of a flow it does not want).
const SETUPS = {
  unloaded: { module: false },
  loaded: { module: true },
  elsewhere: { module: true, open: () => openContextElsewhere('name=elsewhere scope=all') },
  nomatch_port: { module: true, selector: 'name=nomatch scope=all port=9', counts: false },
  nomatch_uid: { module: true, selector: 'name=nomatch scope=uid:65534', counts: false },
  match: { module: true, selector: 'name=bench scope=all', counts: true },
  conntrack: { module: false, nft: nftRules('ct state established,new counter'), conntrackAcct: true },
  nft_counter: { module: false, nft: nftRules('counter') },
};

const NETFILTER_MODULES = ['nft_ct', 'nf_conntrack', 'nf_tables'];
const loadedModule = (name) => {
  try {
    readFileSync(`/sys/module/${name}/refcnt`);
    return true;
  } catch {
    return false;
  }
};

/** Takes nftables and conntrack out of the kernel again: "not loaded" means no netfilter user at all. */
function netfilterOff() {
  spawnSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
  for (const name of NETFILTER_MODULES) {
    if (loadedModule(name)) spawnSync('modprobe', ['-r', name], { stdio: 'ignore' });
  }
  const left = NETFILTER_MODULES.filter(loadedModule);
  if (left.length) throw new Error(`could not unload ${left.join(', ')}`);
}

function nftCounterPackets() {
  const out = JSON.parse(execFileSync('nft', ['-j', 'list', 'table', 'inet', NFT_TABLE], { encoding: 'utf8' }));
  let packets = 0;
  for (const item of out.nftables) {
    for (const expr of item.rule?.expr ?? []) packets += expr.counter?.packets ?? 0;
  }
  return packets;
}

async function contextPackets(ctx) {
  const fd = await withClient((c) => c.doRequest('fd-get', { id: ctx.id }));
  return (fd.packets_sent ?? 0n) + (fd.packets_received ?? 0n);
}

/** Puts the guest into configuration `id`; returns what check() and close() need. */
async function enter(id) {
  const setup = SETUPS[id];
  setModule(setup.module);
  if (setup.nft) {
    execFileSync('nft', ['-f', '-'], { input: setup.nft });
    if (setup.conntrackAcct) writeFileSync('/proc/sys/net/netfilter/nf_conntrack_acct', '1');
  }
  const ctx = setup.selector ? openContext(setup.selector) : undefined;
  const elsewhere = setup.open ? await setup.open() : undefined;
  return { id, setup, ctx, elsewhere };
}

/** Whether the configuration did what it says, for the round just measured. */
async function check(state, notes) {
  const { id, setup, ctx } = state;
  let seen;
  if (ctx) seen = await contextPackets(ctx);
  if (setup.nft) seen = BigInt(nftCounterPackets());
  if (seen === undefined) return;
  const want = setup.counts !== false;
  notes[`packet_${id}_packets_seen`] = String(seen);
  if (want !== seen > 0n) {
    throw new Error(`${id}: ${want ? 'counted no packet' : `counted ${seen} packets of traffic it does not match`}`);
  }
  if (setup.conntrackAcct) {
    notes.packet_conntrack_acct = readFileSync('/proc/sys/net/netfilter/nf_conntrack_acct', 'utf8').trim();
    notes.packet_conntrack_count = readFileSync('/proc/sys/net/netfilter/nf_conntrack_count', 'utf8').trim();
  }
}

// The module switches its netfilter hooks and tracepoint probes off a
// second (HZ) after the last context closed (kernel/netns.c,
// MUTEX_IDLE_DELAY); the next configuration waits that out, or its first
// guest second would still pay for the previous one's hooks. Under icount an
// idle guest's clock jumps ahead, so the wait costs no host time.
const TEARDOWN_MS = 1500;

async function leave(state) {
  state.ctx?.close();
  await state.elsewhere?.close();
  if (state.setup.nft) netfilterOff();
  if ((state.ctx || state.elsewhere) && moduleLoaded()) await sleep(TEARDOWN_MS);
}

function iperf(seconds, args) {
  const run = spawnSync('iperf3', ['-c', '127.0.0.1', '-J', '-t', String(seconds), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const out = JSON.parse(run.stdout);
  if (out.error) throw new Error(`iperf3 ${args.join(' ')}: ${out.error}`);
  return out.end;
}

const tcpGbit = (seconds) => iperf(seconds, []).sum_received.bits_per_second / 1e9;

// On one vCPU the sender runs a whole time slice before the receiver reads:
// with the default 208 KiB buffer a third of the datagrams are lost, and a
// slower sender then loses fewer (its received rate measures the scheduler).
// 4 MiB takes a time slice's worth, so every datagram is read (and lost ones
// are reported).
const UDP_BUFFER = 4 << 20;

/** 64-byte UDP datagrams, as fast as they go: thousands received per second, and how many were lost. */
function udp(seconds) {
  const { sum } = iperf(seconds, ['-u', '-b', '0', '-l', '64', '-w', String(UDP_BUFFER)]);
  return { kpps: (sum.packets - sum.lost_packets) / sum.seconds / 1e3, lost: sum.lost_packets };
}

/**
 * The configurations to measure: all, or those `only` names (a comma list,
 * BENCH_PACKET_CONFIGS) and "not loaded", which every ratio is to.
 */
export function packetConfigIds(only) {
  const all = PACKET_CONFIGS.map((c) => c.id);
  if (!only) return all;
  const wanted = new Set(['unloaded', ...only.split(',').filter(Boolean)]);
  const unknown = [...wanted].filter((id) => !all.includes(id));
  if (unknown.length) throw new Error(`no packet configuration ${unknown.join(', ')} (${all.join(', ')})`);
  return all.filter((id) => wanted.has(id));
}

export async function packetPath({ rounds, seconds, record, notes, only }) {
  const ids = packetConfigIds(only);
  notes.packet_configs = ids.join(',');
  log(`packet path: iperf3 TCP bulk and UDP 64 B, ${rounds} rounds of ${ids.join(', ')}, ${seconds} s each`);
  netfilterOff();
  for (const max of ['rmem_max', 'wmem_max']) writeFileSync(`/proc/sys/net/core/${max}`, String(UDP_BUFFER));
  const server = spawn('iperf3', ['-s', '-p', '5201'], { stdio: 'ignore' });
  await sleep(1000);
  const started = Date.now();
  try {
    // Not recorded: the first runs read iperf3 and its libraries over 9p (an
    // idle guest's clock jumps ahead under icount) and warm the server.
    tcpGbit(1);
    udp(1);
    for (const [round, order] of [...rotations(ids, rounds)].entries()) {
      for (const id of order) {
        const state = await enter(id);
        try {
          record(`tcp.${id}_gbit`, tcpGbit(seconds));
          const { kpps, lost } = udp(seconds);
          record(`udp.${id}_kpps`, kpps);
          record(`udp.${id}_lost`, lost);
          await check(state, notes);
        } finally {
          await leave(state);
        }
      }
      log(`  round ${round + 1}/${rounds} done (${Math.round((Date.now() - started) / 1000)} guest s)`);
    }
  } finally {
    server.kill();
    if (!moduleLoaded()) setModule(true);
  }
}
