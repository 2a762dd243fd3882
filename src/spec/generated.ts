// Do not edit directly: rendered by scripts/gen-netlink.mjs from kernel/mutex.yaml.
/* eslint-disable */

export const FAMILY_NAME = 'mutex';
export const FAMILY_VERSION = 1;

export type AttrType = 'pad' | 'flag' | 'binary' | 'string' | 'nest' | 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64';
export interface AttrSpec {
  readonly name: string;
  /** JSON key: the spec name in snake_case. */
  readonly key: string;
  readonly value: number;
  readonly type: AttrType;
  readonly nested?: string;
  readonly multi?: boolean;
  readonly enumName?: string;
  readonly doc?: string;
}

export const enums: Readonly<Record<string, readonly { name: string; value: number }[]>> = {
  'alert-type': [{ name: 'high-latency', value: 0 }, { name: 'high-error-rate', value: 1 }, { name: 'bandwidth-spike', value: 2 }, { name: 'connection-flood', value: 3 }, { name: 'packet-drop', value: 4 }],
  'flow-state': [{ name: 'new', value: 0 }, { name: 'established', value: 1 }, { name: 'closing', value: 2 }, { name: 'closed', value: 3 }, { name: 'idle', value: 4 }],
  'alert-state': [{ name: 'raised', value: 0 }, { name: 'cleared', value: 1 }],
  'direction': [{ name: 'outbound', value: 0 }, { name: 'inbound', value: 1 }],
};

export const attributeSets: Readonly<Record<string, readonly AttrSpec[]>> = {
  'stats': [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'instance-id', key: 'instance_id', value: 2, type: 'u64', doc: "Random identifier chosen when the module is loaded." },
    { name: 'load-time-ns', key: 'load_time_ns', value: 3, type: 'u64', doc: "Wall-clock time the module was loaded, ns since the Unix epoch." },
    { name: 'fds-total', key: 'fds_total', value: 4, type: 'u64', doc: "Contexts created since load." },
    { name: 'fds-active', key: 'fds_active', value: 5, type: 'u32', doc: "Contexts alive now." },
    { name: 'conns-total', key: 'conns_total', value: 6, type: 'u64', doc: "Connections started: TCP connections whose SYN was seen, and other flows\nat their first packet. A flow picked up mid-stream (after idle eviction,\nor by a context opened later) is not counted." },
    { name: 'conns-open', key: 'conns_open', value: 7, type: 'u64', doc: "Connections open now (flows in state new, established or closing)." },
    { name: 'bytes-sent', key: 'bytes_sent', value: 8, type: 'u64', doc: "L3 bytes of tracked packets leaving this host (LOCAL_OUT)." },
    { name: 'bytes-received', key: 'bytes_received', value: 9, type: 'u64', doc: "L3 bytes of tracked packets arriving (LOCAL_IN)." },
    { name: 'packets-sent', key: 'packets_sent', value: 10, type: 'u64', doc: "Tracked packets leaving this host; a GSO packet counts once." },
    { name: 'packets-received', key: 'packets_received', value: 11, type: 'u64', doc: "Tracked packets arriving." },
    { name: 'retransmits', key: 'retransmits', value: 12, type: 'u64', doc: "TCP retransmissions of tracked sockets (each side's tcpi_total_retrans)." },
    { name: 'errors', key: 'errors', value: 13, type: 'u64', doc: "TCP resets sent or received and ICMP errors referring to tracked flows\n(resets + icmp-errors)." },
    { name: 'drops', key: 'drops', value: 14, type: 'u64', doc: "Packets of tracked flows the kernel lost: kfree_skb events whose drop\nreason means loss (docs/semantics.md lists the reasons that do not, such\nas the purge of a closing socket's queue)." },
    { name: 'rtt-samples', key: 'rtt_samples', value: 15, type: 'u64', doc: "Smoothed-RTT samples taken from tracked TCP sockets." },
    { name: 'rtt-sum-us', key: 'rtt_sum_us', value: 16, type: 'u64', doc: "Sum of those samples in microseconds (average = sum / samples)." },
    { name: 'rtt-min-us', key: 'rtt_min_us', value: 17, type: 'u64', doc: "Smallest sample in microseconds, 0 when there is none." },
    { name: 'rtt-max-us', key: 'rtt_max_us', value: 18, type: 'u64', doc: "Largest sample in microseconds." },
    { name: 'sent-bytes-per-sec', key: 'sent_bytes_per_sec', value: 19, type: 'u64', doc: "Bytes sent during the last completed one-second window." },
    { name: 'sent-bytes-per-sec-peak', key: 'sent_bytes_per_sec_peak', value: 20, type: 'u64', doc: "Highest sent-bytes-per-sec since load (stats) or since the context was\ncreated." },
    { name: 'received-bytes-per-sec', key: 'received_bytes_per_sec', value: 21, type: 'u64', doc: "Bytes received during the last completed one-second window." },
    { name: 'received-bytes-per-sec-peak', key: 'received_bytes_per_sec_peak', value: 22, type: 'u64', doc: "Highest received-bytes-per-sec." },
    { name: 'conns-per-sec', key: 'conns_per_sec', value: 23, type: 'u64', doc: "New connections during the last completed one-second window." },
    { name: 'conns-per-sec-peak', key: 'conns_per_sec_peak', value: 24, type: 'u64', doc: "Highest conns-per-sec." },
    { name: 'lookups-hit', key: 'lookups_hit', value: 25, type: 'u64', doc: "Flow-table lookups that found their flow." },
    { name: 'lookups-miss', key: 'lookups_miss', value: 26, type: 'u64', doc: "Flow-table lookups that found none." },
    { name: 'flow-buckets', key: 'flow_buckets', value: 27, type: 'u32', doc: "Hash buckets of the flow table." },
    { name: 'flow-limit', key: 'flow_limit', value: 28, type: 'u32', doc: "Most flows this namespace may hold now: its fair share of max_flows,\ncapped by max_flows_per_netns." },
    { name: 'flows-evicted', key: 'flows_evicted', value: 29, type: 'u64', doc: "Flows removed before their context closed: by the GC after their state\ntimeout, or to give a namespace below its fair share of the table room\n(taken from a namespace above its share)." },
    { name: 'flows-untracked', key: 'flows_untracked', value: 30, type: 'u64', doc: "Packets of new flows not tracked because the table (or this network\nnamespace's share of it) was full; no state is kept for such a flow, so\neach of its packets counts." },
    { name: 'memory-bytes', key: 'memory_bytes', value: 31, type: 'u64', doc: "Kernel memory held by this namespace's flows (and, in the initial\nnamespace, the bucket array)." },
    { name: 'unmatched-packets', key: 'unmatched_packets', value: 32, type: 'u64', doc: "Packets seen by the hooks that belong to no context." },
    { name: 'alerts-raised', key: 'alerts_raised', value: 33, type: 'u64', doc: "Alerts raised since load." },
    { name: 'alerts-cleared', key: 'alerts_cleared', value: 34, type: 'u64', doc: "Alerts cleared since load." },
    { name: 'alerts-overwritten', key: 'alerts_overwritten', value: 35, type: 'u64', doc: "Alerts lost from the ring because it was full." },
    { name: 'alerts-notify-dropped', key: 'alerts_notify_dropped', value: 36, type: 'u64', doc: "Alert notifications that could not be delivered to listeners." },
    { name: 'flows-tracked', key: 'flows_tracked', value: 37, type: 'u64', doc: "Flows in the flow table now: the open connections plus recently closed\nand idle flows kept until their timeout." },
    { name: 'resets', key: 'resets', value: 38, type: 'u64', doc: "TCP resets sent or received on tracked flows (each counted once)." },
    { name: 'icmp-errors', key: 'icmp_errors', value: 39, type: 'u64', doc: "ICMP and ICMPv6 errors quoting a packet of a tracked flow (where sent,\nor where they arrive unless over loopback)." },
  ],
  'fd': [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'id', key: 'id', value: 2, type: 'u32', doc: "Context id, assigned by the kernel, never reused while loaded." },
    { name: 'name', key: 'name', value: 3, type: 'string' },
    { name: 'selector', key: 'selector', value: 4, type: 'string', doc: "The selector in force, in canonical form, in the reader's namespaces." },
    { name: 'owner-tgid', key: 'owner_tgid', value: 5, type: 'u32', doc: "The opener's process id, in the reader's pid namespace (0 when it is not\nvisible there)." },
    { name: 'owner-uid', key: 'owner_uid', value: 6, type: 'u32', doc: "The opener's user id, in the reader's user namespace." },
    { name: 'owner-comm', key: 'owner_comm', value: 7, type: 'string' },
    { name: 'created-ns', key: 'created_ns', value: 8, type: 'u64', doc: "Wall-clock creation time, ns since the Unix epoch." },
    { name: 'uptime-ns', key: 'uptime_ns', value: 9, type: 'u64' },
    { name: 'conns-open', key: 'conns_open', value: 10, type: 'u64', doc: "Connections open now (flows in state new, established or closing)." },
    { name: 'conns-total', key: 'conns_total', value: 11, type: 'u64', doc: "Connections started: TCP connections whose SYN was seen, and other flows\nat their first packet. A flow picked up mid-stream (after idle eviction,\nor by a context opened later) is not counted." },
    { name: 'bytes-sent', key: 'bytes_sent', value: 12, type: 'u64', doc: "L3 bytes of tracked packets leaving this host (LOCAL_OUT)." },
    { name: 'bytes-received', key: 'bytes_received', value: 13, type: 'u64', doc: "L3 bytes of tracked packets arriving (LOCAL_IN)." },
    { name: 'packets-sent', key: 'packets_sent', value: 14, type: 'u64', doc: "Tracked packets leaving this host; a GSO packet counts once." },
    { name: 'packets-received', key: 'packets_received', value: 15, type: 'u64', doc: "Tracked packets arriving." },
    { name: 'retransmits', key: 'retransmits', value: 16, type: 'u64', doc: "TCP retransmissions of tracked sockets (each side's tcpi_total_retrans)." },
    { name: 'errors', key: 'errors', value: 17, type: 'u64', doc: "TCP resets sent or received and ICMP errors referring to tracked flows\n(resets + icmp-errors)." },
    { name: 'drops', key: 'drops', value: 18, type: 'u64', doc: "Packets of tracked flows the kernel lost: kfree_skb events whose drop\nreason means loss (docs/semantics.md lists the reasons that do not, such\nas the purge of a closing socket's queue)." },
    { name: 'rtt-samples', key: 'rtt_samples', value: 19, type: 'u64', doc: "Smoothed-RTT samples taken from tracked TCP sockets." },
    { name: 'rtt-sum-us', key: 'rtt_sum_us', value: 20, type: 'u64', doc: "Sum of those samples in microseconds (average = sum / samples)." },
    { name: 'rtt-min-us', key: 'rtt_min_us', value: 21, type: 'u64', doc: "Smallest sample in microseconds, 0 when there is none." },
    { name: 'rtt-max-us', key: 'rtt_max_us', value: 22, type: 'u64', doc: "Largest sample in microseconds." },
    { name: 'rtt-p50-us', key: 'rtt_p50_us', value: 23, type: 'u64', doc: "Upper bound (2^i - 1 us) of the log2 bucket holding the median sample,\nnever above rtt-max-us." },
    { name: 'rtt-p90-us', key: 'rtt_p90_us', value: 24, type: 'u64', doc: "The same for the 90th percentile." },
    { name: 'rtt-p99-us', key: 'rtt_p99_us', value: 25, type: 'u64', doc: "The same for the 99th percentile." },
    { name: 'rtt-hist', key: 'rtt_hist', value: 26, type: 'u64', multi: true, doc: "Latency histogram, one attribute per bucket in order; bucket i counts\nsamples of at least 2^(i-1) and less than 2^i microseconds (bucket 0: 0\nus)." },
    { name: 'sent-bytes-per-sec', key: 'sent_bytes_per_sec', value: 27, type: 'u64', doc: "Bytes sent during the last completed one-second window." },
    { name: 'sent-bytes-per-sec-peak', key: 'sent_bytes_per_sec_peak', value: 28, type: 'u64', doc: "Highest sent-bytes-per-sec since load (stats) or since the context was\ncreated." },
    { name: 'received-bytes-per-sec', key: 'received_bytes_per_sec', value: 29, type: 'u64', doc: "Bytes received during the last completed one-second window." },
    { name: 'received-bytes-per-sec-peak', key: 'received_bytes_per_sec_peak', value: 30, type: 'u64', doc: "Highest received-bytes-per-sec." },
    { name: 'conns-per-sec', key: 'conns_per_sec', value: 31, type: 'u64', doc: "New connections during the last completed one-second window." },
    { name: 'conns-per-sec-peak', key: 'conns_per_sec_peak', value: 32, type: 'u64', doc: "Highest conns-per-sec." },
    { name: 'alerts-active', key: 'alerts_active', value: 33, type: 'u32', doc: "Bit mask of the alert types raised now for this context (bit n =\nalert-type n)." },
    { name: 'flows-tracked', key: 'flows_tracked', value: 34, type: 'u64', doc: "Flows in the flow table now: the open connections plus recently closed\nand idle flows kept until their timeout." },
    { name: 'resets', key: 'resets', value: 35, type: 'u64', doc: "TCP resets sent or received on tracked flows (each counted once)." },
    { name: 'icmp-errors', key: 'icmp_errors', value: 36, type: 'u64', doc: "ICMP and ICMPv6 errors quoting a packet of a tracked flow (where sent,\nor where they arrive unless over loopback)." },
    { name: 'drop-reasons', key: 'drop_reasons', value: 37, type: 'nest', nested: 'drop-reason', multi: true, doc: "The drops (see drops) by the kernel's own drop reason, named as the\nrunning kernel names them (NO_SOCKET, SOCKET_RCVBUFF...): one entry per\nreason seen. Reasons of other subsystems than the core count under\nOTHER_SUBSYSTEM." },
  ],
  'conn': [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'id', key: 'id', value: 2, type: 'u64', doc: "Flow id, unique while the module is loaded, in creation order." },
    { name: 'fd-id', key: 'fd_id', value: 3, type: 'u32', doc: "The owning context." },
    { name: 'family', key: 'family', value: 4, type: 'u8', doc: "Address family, AF_INET (2) or AF_INET6 (10)." },
    { name: 'protocol', key: 'protocol', value: 5, type: 'u8', doc: "IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6)." },
    { name: 'local-addr', key: 'local_addr', value: 6, type: 'binary', doc: "4 or 16 bytes, network order." },
    { name: 'local-port', key: 'local_port', value: 7, type: 'u16' },
    { name: 'remote-addr', key: 'remote_addr', value: 8, type: 'binary', doc: "4 or 16 bytes, network order." },
    { name: 'remote-port', key: 'remote_port', value: 9, type: 'u16' },
    { name: 'direction', key: 'direction', value: 10, type: 'u8', enumName: 'direction' },
    { name: 'state', key: 'state', value: 11, type: 'u8', enumName: 'flow-state' },
    { name: 'start-ns', key: 'start_ns', value: 12, type: 'u64', doc: "Wall-clock time of the first packet, ns since the Unix epoch; fixed for\nthe flow's life." },
    { name: 'last-ns', key: 'last_ns', value: 13, type: 'u64', doc: "Wall-clock time of the latest packet, to the jiffy: start-ns plus the\njiffies between the first and the latest packet, so it never moves\nwithout a packet and is never before start-ns." },
    { name: 'bytes-sent', key: 'bytes_sent', value: 14, type: 'u64', doc: "L3 bytes of tracked packets leaving this host (LOCAL_OUT)." },
    { name: 'bytes-received', key: 'bytes_received', value: 15, type: 'u64', doc: "L3 bytes of tracked packets arriving (LOCAL_IN)." },
    { name: 'packets-sent', key: 'packets_sent', value: 16, type: 'u64', doc: "Tracked packets leaving this host; a GSO packet counts once." },
    { name: 'packets-received', key: 'packets_received', value: 17, type: 'u64', doc: "Tracked packets arriving." },
    { name: 'retransmits', key: 'retransmits', value: 18, type: 'u64', doc: "TCP retransmissions of tracked sockets (each side's tcpi_total_retrans)." },
    { name: 'errors', key: 'errors', value: 19, type: 'u64', doc: "TCP resets sent or received and ICMP errors referring to tracked flows\n(resets + icmp-errors)." },
    { name: 'drops', key: 'drops', value: 20, type: 'u64', doc: "Packets of tracked flows the kernel lost: kfree_skb events whose drop\nreason means loss (docs/semantics.md lists the reasons that do not, such\nas the purge of a closing socket's queue)." },
    { name: 'rtt-samples', key: 'rtt_samples', value: 21, type: 'u64', doc: "Smoothed-RTT samples taken from tracked TCP sockets." },
    { name: 'rtt-sum-us', key: 'rtt_sum_us', value: 22, type: 'u64', doc: "Sum of those samples in microseconds (average = sum / samples)." },
    { name: 'rtt-min-us', key: 'rtt_min_us', value: 23, type: 'u64', doc: "Smallest sample in microseconds, 0 when there is none." },
    { name: 'rtt-max-us', key: 'rtt_max_us', value: 24, type: 'u64', doc: "Largest sample in microseconds." },
    { name: 'midstream', key: 'midstream', value: 25, type: 'u8', doc: "1 when the connection on this flow was picked up after it had started (a\nTCP flow whose first packet seen was not a SYN): it is not counted in\nconns-total, and it inherits no retransmissions from before. A new\nconnection reusing the 5-tuple (a SYN) clears it." },
    { name: 'resets', key: 'resets', value: 26, type: 'u64', doc: "TCP resets sent or received on tracked flows (each counted once)." },
    { name: 'icmp-errors', key: 'icmp_errors', value: 27, type: 'u64', doc: "ICMP and ICMPv6 errors quoting a packet of a tracked flow (where sent,\nor where they arrive unless over loopback)." },
    { name: 'pid', key: 'pid', value: 28, type: 'u32', doc: "The process that last sent from the flow's local endpoint, as its pid in\nthe reader's pid namespace (what ss -p shows for the socket); 0 when no\nprocess sent on the flow (one that only receives), when it is not\nvisible from the reader's pid namespace, or when it has exited. In a\nconn-get dump request, only that process's flows." },
    { name: 'comm', key: 'comm', value: 29, type: 'string', doc: "That process's command name; empty when pid is 0. In a conn-get dump\nrequest, only flows of processes of that name." },
    { name: 'drop-reasons', key: 'drop_reasons', value: 30, type: 'nest', nested: 'drop-reason', multi: true, doc: "The drops (see drops) by the kernel's own drop reason, named as the\nrunning kernel names them (NO_SOCKET, SOCKET_RCVBUFF...): one entry per\nreason seen. Reasons of other subsystems than the core count under\nOTHER_SUBSYSTEM." },
    { name: 'local-prefix-len', key: 'local_prefix_len', value: 31, type: 'u8', doc: "In a conn-get dump request, with local-addr: the length of the prefix of\nthe local address to match (CIDR); every bit when absent." },
    { name: 'remote-prefix-len', key: 'remote_prefix_len', value: 32, type: 'u8', doc: "The same for remote-addr." },
    { name: 'local-port-max', key: 'local_port_max', value: 33, type: 'u16', doc: "In a conn-get dump request, with local-port: the upper end of the range\nof local ports to match; local-port alone matches one port." },
    { name: 'remote-port-max', key: 'remote_port_max', value: 34, type: 'u16', doc: "The same for remote-port." },
  ],
  'drop-reason': [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'reason', key: 'reason', value: 2, type: 'string', doc: "The running kernel's name for the reason, e.g. NO_SOCKET." },
    { name: 'drops', key: 'drops', value: 3, type: 'u64' },
  ],
  'alert': [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'seq', key: 'seq', value: 2, type: 'u64', doc: "Sequence number, from 1, per network namespace; gaps mean lost events." },
    { name: 'time-ns', key: 'time_ns', value: 3, type: 'u64', doc: "Wall-clock time of the evaluation that raised or cleared it." },
    { name: 'type', key: 'type', value: 4, type: 'u8', enumName: 'alert-type' },
    { name: 'severity', key: 'severity', value: 5, type: 'u8', doc: "0 (cleared) to 10." },
    { name: 'state', key: 'state', value: 6, type: 'u8', enumName: 'alert-state' },
    { name: 'fd-id', key: 'fd_id', value: 7, type: 'u32' },
    { name: 'value', key: 'value', value: 8, type: 'u64', doc: "The measured value, in the unit of the threshold it crossed." },
    { name: 'threshold', key: 'threshold', value: 9, type: 'u64' },
    { name: 'message', key: 'message', value: 10, type: 'string' },
    { name: 'since-seq', key: 'since_seq', value: 11, type: 'u64', doc: "Dump filter, alerts with a sequence number above this one." },
  ],
  'thresholds': [
    { name: 'pad', key: 'pad', value: 1, type: 'pad' },
    { name: 'fd-id', key: 'fd_id', value: 2, type: 'u32', doc: "The context; absent for the global defaults." },
    { name: 'latency-us', key: 'latency_us', value: 3, type: 'u64', doc: "Average RTT over an evaluation interval, microseconds." },
    { name: 'error-rate-ppm', key: 'error_rate_ppm', value: 4, type: 'u32', doc: "Errors per packet over an interval, parts per million." },
    { name: 'bandwidth-bps', key: 'bandwidth_bps', value: 5, type: 'u64', doc: "Bits per second in either direction over the last one-second window." },
    { name: 'conn-rate', key: 'conn_rate', value: 6, type: 'u32', doc: "New connections per second." },
    { name: 'drop-rate-ppm', key: 'drop_rate_ppm', value: 7, type: 'u32', doc: "Dropped per received-or-dropped packet over an interval, parts per million." },
    { name: 'disabled', key: 'disabled', value: 8, type: 'u32', doc: "Bit mask of disabled alert types (bit n = alert-type n)." },
    { name: 'interval-ms', key: 'interval_ms', value: 9, type: 'u32', doc: "Evaluation interval, global only." },
    { name: 'overridden', key: 'overridden', value: 10, type: 'u32', doc: "Reply: bit mask of the fields a context overrides, in attribute\norder from latency-us (bit 0) to disabled (bit 5)." },
    { name: 'reset', key: 'reset', value: 11, type: 'flag', doc: "Request: drop a context's overrides, or restore the global defaults,\nbefore applying the other attributes." },
    { name: 'alerts-active', key: 'alerts_active', value: 12, type: 'u32', doc: "Reply for a context, bit mask of the alert types raised now." },
  ],
};

export interface OpSpec {
  readonly name: string;
  readonly value: number;
  readonly attributeSet: string;
  readonly hasDo: boolean;
  readonly hasDump: boolean;
  readonly adminOnly: boolean;
  readonly doRequest: readonly string[];
  readonly dumpRequest: readonly string[];
}

export const operations: Readonly<Record<string, OpSpec>> = {
  'stats-get': { name: 'stats-get', value: 1, attributeSet: 'stats', hasDo: true, hasDump: false, adminOnly: false, doRequest: [], dumpRequest: [] },
  'fd-get': { name: 'fd-get', value: 2, attributeSet: 'fd', hasDo: true, hasDump: true, adminOnly: false, doRequest: ['id'], dumpRequest: [] },
  'conn-get': { name: 'conn-get', value: 3, attributeSet: 'conn', hasDo: true, hasDump: true, adminOnly: false, doRequest: ['id'], dumpRequest: ['fd-id', 'protocol', 'state', 'family', 'local-addr', 'local-prefix-len', 'remote-addr', 'remote-prefix-len', 'local-port', 'local-port-max', 'remote-port', 'remote-port-max', 'pid', 'comm'] },
  'alert-get': { name: 'alert-get', value: 4, attributeSet: 'alert', hasDo: false, hasDump: true, adminOnly: false, doRequest: [], dumpRequest: ['since-seq', 'fd-id', 'type'] },
  'alert-clear': { name: 'alert-clear', value: 5, attributeSet: 'alert', hasDo: true, hasDump: false, adminOnly: true, doRequest: [], dumpRequest: [] },
  'thresholds-get': { name: 'thresholds-get', value: 6, attributeSet: 'thresholds', hasDo: true, hasDump: false, adminOnly: false, doRequest: ['fd-id'], dumpRequest: [] },
  'thresholds-set': { name: 'thresholds-set', value: 7, attributeSet: 'thresholds', hasDo: true, hasDump: false, adminOnly: true, doRequest: ['fd-id', 'latency-us', 'error-rate-ppm', 'bandwidth-bps', 'conn-rate', 'drop-rate-ppm', 'disabled', 'interval-ms', 'reset'], dumpRequest: [] },
  'alert-ntf': { name: 'alert-ntf', value: 8, attributeSet: 'alert', hasDo: false, hasDump: false, adminOnly: false, doRequest: [], dumpRequest: [] },
};

export const mcastGroups = ['alerts'] as const;

/** Attribute set `stats`: Global statistics of this network namespace's view of the module. */
export interface StatsAttrs {
  /** Random identifier chosen when the module is loaded. */
  instance_id?: bigint;
  /** Wall-clock time the module was loaded, ns since the Unix epoch. */
  load_time_ns?: bigint;
  /** Contexts created since load. */
  fds_total?: bigint;
  /** Contexts alive now. */
  fds_active?: number;
  /** Connections started: TCP connections whose SYN was seen, and other flows at their first packet. A flow picked up mid-stream (after idle eviction, or by a context opened later) is not counted. */
  conns_total?: bigint;
  /** Connections open now (flows in state new, established or closing). */
  conns_open?: bigint;
  /** L3 bytes of tracked packets leaving this host (LOCAL_OUT). */
  bytes_sent?: bigint;
  /** L3 bytes of tracked packets arriving (LOCAL_IN). */
  bytes_received?: bigint;
  /** Tracked packets leaving this host; a GSO packet counts once. */
  packets_sent?: bigint;
  /** Tracked packets arriving. */
  packets_received?: bigint;
  /** TCP retransmissions of tracked sockets (each side's tcpi_total_retrans). */
  retransmits?: bigint;
  /** TCP resets sent or received and ICMP errors referring to tracked flows (resets + icmp-errors). */
  errors?: bigint;
  /** Packets of tracked flows the kernel lost: kfree_skb events whose drop reason means loss (docs/semantics.md lists the reasons that do not, such as the purge of a closing socket's queue). */
  drops?: bigint;
  /** Smoothed-RTT samples taken from tracked TCP sockets. */
  rtt_samples?: bigint;
  /** Sum of those samples in microseconds (average = sum / samples). */
  rtt_sum_us?: bigint;
  /** Smallest sample in microseconds, 0 when there is none. */
  rtt_min_us?: bigint;
  /** Largest sample in microseconds. */
  rtt_max_us?: bigint;
  /** Bytes sent during the last completed one-second window. */
  sent_bytes_per_sec?: bigint;
  /** Highest sent-bytes-per-sec since load (stats) or since the context was created. */
  sent_bytes_per_sec_peak?: bigint;
  /** Bytes received during the last completed one-second window. */
  received_bytes_per_sec?: bigint;
  /** Highest received-bytes-per-sec. */
  received_bytes_per_sec_peak?: bigint;
  /** New connections during the last completed one-second window. */
  conns_per_sec?: bigint;
  /** Highest conns-per-sec. */
  conns_per_sec_peak?: bigint;
  /** Flow-table lookups that found their flow. */
  lookups_hit?: bigint;
  /** Flow-table lookups that found none. */
  lookups_miss?: bigint;
  /** Hash buckets of the flow table. */
  flow_buckets?: number;
  /** Most flows this namespace may hold now: its fair share of max_flows, capped by max_flows_per_netns. */
  flow_limit?: number;
  /** Flows removed before their context closed: by the GC after their state timeout, or to give a namespace below its fair share of the table room (taken from a namespace above its share). */
  flows_evicted?: bigint;
  /** Packets of new flows not tracked because the table (or this network namespace's share of it) was full; no state is kept for such a flow, so each of its packets counts. */
  flows_untracked?: bigint;
  /** Kernel memory held by this namespace's flows (and, in the initial namespace, the bucket array). */
  memory_bytes?: bigint;
  /** Packets seen by the hooks that belong to no context. */
  unmatched_packets?: bigint;
  /** Alerts raised since load. */
  alerts_raised?: bigint;
  /** Alerts cleared since load. */
  alerts_cleared?: bigint;
  /** Alerts lost from the ring because it was full. */
  alerts_overwritten?: bigint;
  /** Alert notifications that could not be delivered to listeners. */
  alerts_notify_dropped?: bigint;
  /** Flows in the flow table now: the open connections plus recently closed and idle flows kept until their timeout. */
  flows_tracked?: bigint;
  /** TCP resets sent or received on tracked flows (each counted once). */
  resets?: bigint;
  /** ICMP and ICMPv6 errors quoting a packet of a tracked flow (where sent, or where they arrive unless over loopback). */
  icmp_errors?: bigint;
}

/** Attribute set `fd`: One proxy context ("fd") and the aggregates over its flows, live and
ended. */
export interface FdAttrs {
  /** Context id, assigned by the kernel, never reused while loaded. */
  id?: number;
  name?: string;
  /** The selector in force, in canonical form, in the reader's namespaces. */
  selector?: string;
  /** The opener's process id, in the reader's pid namespace (0 when it is not visible there). */
  owner_tgid?: number;
  /** The opener's user id, in the reader's user namespace. */
  owner_uid?: number;
  owner_comm?: string;
  /** Wall-clock creation time, ns since the Unix epoch. */
  created_ns?: bigint;
  uptime_ns?: bigint;
  /** Connections open now (flows in state new, established or closing). */
  conns_open?: bigint;
  /** Connections started: TCP connections whose SYN was seen, and other flows at their first packet. A flow picked up mid-stream (after idle eviction, or by a context opened later) is not counted. */
  conns_total?: bigint;
  /** L3 bytes of tracked packets leaving this host (LOCAL_OUT). */
  bytes_sent?: bigint;
  /** L3 bytes of tracked packets arriving (LOCAL_IN). */
  bytes_received?: bigint;
  /** Tracked packets leaving this host; a GSO packet counts once. */
  packets_sent?: bigint;
  /** Tracked packets arriving. */
  packets_received?: bigint;
  /** TCP retransmissions of tracked sockets (each side's tcpi_total_retrans). */
  retransmits?: bigint;
  /** TCP resets sent or received and ICMP errors referring to tracked flows (resets + icmp-errors). */
  errors?: bigint;
  /** Packets of tracked flows the kernel lost: kfree_skb events whose drop reason means loss (docs/semantics.md lists the reasons that do not, such as the purge of a closing socket's queue). */
  drops?: bigint;
  /** Smoothed-RTT samples taken from tracked TCP sockets. */
  rtt_samples?: bigint;
  /** Sum of those samples in microseconds (average = sum / samples). */
  rtt_sum_us?: bigint;
  /** Smallest sample in microseconds, 0 when there is none. */
  rtt_min_us?: bigint;
  /** Largest sample in microseconds. */
  rtt_max_us?: bigint;
  /** Upper bound (2^i - 1 us) of the log2 bucket holding the median sample, never above rtt-max-us. */
  rtt_p50_us?: bigint;
  /** The same for the 90th percentile. */
  rtt_p90_us?: bigint;
  /** The same for the 99th percentile. */
  rtt_p99_us?: bigint;
  /** Latency histogram, one attribute per bucket in order; bucket i counts samples of at least 2^(i-1) and less than 2^i microseconds (bucket 0: 0 us). */
  rtt_hist?: bigint[];
  /** Bytes sent during the last completed one-second window. */
  sent_bytes_per_sec?: bigint;
  /** Highest sent-bytes-per-sec since load (stats) or since the context was created. */
  sent_bytes_per_sec_peak?: bigint;
  /** Bytes received during the last completed one-second window. */
  received_bytes_per_sec?: bigint;
  /** Highest received-bytes-per-sec. */
  received_bytes_per_sec_peak?: bigint;
  /** New connections during the last completed one-second window. */
  conns_per_sec?: bigint;
  /** Highest conns-per-sec. */
  conns_per_sec_peak?: bigint;
  /** Bit mask of the alert types raised now for this context (bit n = alert-type n). */
  alerts_active?: number;
  /** Flows in the flow table now: the open connections plus recently closed and idle flows kept until their timeout. */
  flows_tracked?: bigint;
  /** TCP resets sent or received on tracked flows (each counted once). */
  resets?: bigint;
  /** ICMP and ICMPv6 errors quoting a packet of a tracked flow (where sent, or where they arrive unless over loopback). */
  icmp_errors?: bigint;
  /** The drops (see drops) by the kernel's own drop reason, named as the running kernel names them (NO_SOCKET, SOCKET_RCVBUFF...): one entry per reason seen. Reasons of other subsystems than the core count under OTHER_SUBSYSTEM. */
  drop_reasons?: DropReasonAttrs[];
}

/** Attribute set `conn`: One tracked flow (connection), keyed by netns and normalised 5-tuple. */
export interface ConnAttrs {
  /** Flow id, unique while the module is loaded, in creation order. */
  id?: bigint;
  /** The owning context. */
  fd_id?: number;
  /** Address family, AF_INET (2) or AF_INET6 (10). */
  family?: number;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  protocol?: number;
  /** 4 or 16 bytes, network order. */
  local_addr?: Uint8Array;
  local_port?: number;
  /** 4 or 16 bytes, network order. */
  remote_addr?: Uint8Array;
  remote_port?: number;
  direction?: number;
  state?: number;
  /** Wall-clock time of the first packet, ns since the Unix epoch; fixed for the flow's life. */
  start_ns?: bigint;
  /** Wall-clock time of the latest packet, to the jiffy: start-ns plus the jiffies between the first and the latest packet, so it never moves without a packet and is never before start-ns. */
  last_ns?: bigint;
  /** L3 bytes of tracked packets leaving this host (LOCAL_OUT). */
  bytes_sent?: bigint;
  /** L3 bytes of tracked packets arriving (LOCAL_IN). */
  bytes_received?: bigint;
  /** Tracked packets leaving this host; a GSO packet counts once. */
  packets_sent?: bigint;
  /** Tracked packets arriving. */
  packets_received?: bigint;
  /** TCP retransmissions of tracked sockets (each side's tcpi_total_retrans). */
  retransmits?: bigint;
  /** TCP resets sent or received and ICMP errors referring to tracked flows (resets + icmp-errors). */
  errors?: bigint;
  /** Packets of tracked flows the kernel lost: kfree_skb events whose drop reason means loss (docs/semantics.md lists the reasons that do not, such as the purge of a closing socket's queue). */
  drops?: bigint;
  /** Smoothed-RTT samples taken from tracked TCP sockets. */
  rtt_samples?: bigint;
  /** Sum of those samples in microseconds (average = sum / samples). */
  rtt_sum_us?: bigint;
  /** Smallest sample in microseconds, 0 when there is none. */
  rtt_min_us?: bigint;
  /** Largest sample in microseconds. */
  rtt_max_us?: bigint;
  /** 1 when the connection on this flow was picked up after it had started (a TCP flow whose first packet seen was not a SYN): it is not counted in conns-total, and it inherits no retransmissions from before. A new connection reusing the 5-tuple (a SYN) clears it. */
  midstream?: number;
  /** TCP resets sent or received on tracked flows (each counted once). */
  resets?: bigint;
  /** ICMP and ICMPv6 errors quoting a packet of a tracked flow (where sent, or where they arrive unless over loopback). */
  icmp_errors?: bigint;
  /** The process that last sent from the flow's local endpoint, as its pid in the reader's pid namespace (what ss -p shows for the socket); 0 when no process sent on the flow (one that only receives), when it is not visible from the reader's pid namespace, or when it has exited. In a conn-get dump request, only that process's flows. */
  pid?: number;
  /** That process's command name; empty when pid is 0. In a conn-get dump request, only flows of processes of that name. */
  comm?: string;
  /** The drops (see drops) by the kernel's own drop reason, named as the running kernel names them (NO_SOCKET, SOCKET_RCVBUFF...): one entry per reason seen. Reasons of other subsystems than the core count under OTHER_SUBSYSTEM. */
  drop_reasons?: DropReasonAttrs[];
  /** In a conn-get dump request, with local-addr: the length of the prefix of the local address to match (CIDR); every bit when absent. */
  local_prefix_len?: number;
  /** The same for remote-addr. */
  remote_prefix_len?: number;
  /** In a conn-get dump request, with local-port: the upper end of the range of local ports to match; local-port alone matches one port. */
  local_port_max?: number;
  /** The same for remote-port. */
  remote_port_max?: number;
}

/** Attribute set `drop-reason`: The drops of one kernel drop reason (an entry of drop-reasons). */
export interface DropReasonAttrs {
  /** The running kernel's name for the reason, e.g. NO_SOCKET. */
  reason?: string;
  drops?: bigint;
}

/** Attribute set `alert`: One alert event, as kept in the ring and multicast on "alerts". */
export interface AlertAttrs {
  /** Sequence number, from 1, per network namespace; gaps mean lost events. */
  seq?: bigint;
  /** Wall-clock time of the evaluation that raised or cleared it. */
  time_ns?: bigint;
  type?: number;
  /** 0 (cleared) to 10. */
  severity?: number;
  state?: number;
  fd_id?: number;
  /** The measured value, in the unit of the threshold it crossed. */
  value?: bigint;
  threshold?: bigint;
  message?: string;
  /** Dump filter, alerts with a sequence number above this one. */
  since_seq?: bigint;
}

/** Attribute set `thresholds`: Alert thresholds: the global defaults, or one context's effective values
(its overrides over the defaults). */
export interface ThresholdsAttrs {
  /** The context; absent for the global defaults. */
  fd_id?: number;
  /** Average RTT over an evaluation interval, microseconds. */
  latency_us?: bigint;
  /** Errors per packet over an interval, parts per million. */
  error_rate_ppm?: number;
  /** Bits per second in either direction over the last one-second window. */
  bandwidth_bps?: bigint;
  /** New connections per second. */
  conn_rate?: number;
  /** Dropped per received-or-dropped packet over an interval, parts per million. */
  drop_rate_ppm?: number;
  /** Bit mask of disabled alert types (bit n = alert-type n). */
  disabled?: number;
  /** Evaluation interval, global only. */
  interval_ms?: number;
  /** Reply: bit mask of the fields a context overrides, in attribute order from latency-us (bit 0) to disabled (bit 5). */
  overridden?: number;
  /** Request: drop a context's overrides, or restore the global defaults, before applying the other attributes. */
  reset?: true;
  /** Reply for a context, bit mask of the alert types raised now. */
  alerts_active?: number;
}

/** How a figure is measured and shown: one entry of kernel/counters.yaml. */
export interface FigureSpec {
  readonly kind: 'counter' | 'gauge' | 'id' | 'time' | 'duration' | 'enum' | 'flag' | 'mask' | 'histogram' | 'reasons' | 'text' | 'address';
  readonly unit?: string;
  readonly header: string;
  readonly aggregate?: 'sum' | 'min' | 'max' | 'union' | 'hist';
  /** The Prometheus metric of this set, or null when it is not one of its own. */
  readonly prometheus: { readonly name: string; readonly help: string; readonly labels?: Readonly<Record<string, string>> } | null;
}

/** Every attribute of the figure sets but the pad, by set and JSON key. */
export const figures: Readonly<Record<string, Readonly<Record<string, FigureSpec>>>> = {
  'stats': {
    instance_id: { kind: 'id', header: "instance id", prometheus: null },
    load_time_ns: { kind: 'time', unit: 'ns', header: "load time", prometheus: {name: "mutex_module_load_time_seconds",help: "Time the module was loaded, seconds since the Unix epoch."} },
    fds_total: { kind: 'counter', unit: 'contexts', header: "fds total", prometheus: {name: "mutex_contexts_created_total",help: "Contexts (fds) created since the module was loaded."} },
    fds_active: { kind: 'gauge', unit: 'contexts', header: "fds active", prometheus: {name: "mutex_contexts",help: "Contexts (fds) alive now."} },
    conns_total: { kind: 'counter', unit: 'connections', header: "conns total", aggregate: 'sum', prometheus: {name: "mutex_connections_tracked_total",help: "Connections started since the module was loaded."} },
    conns_open: { kind: 'gauge', unit: 'connections', header: "conns open", aggregate: 'sum', prometheus: {name: "mutex_connections_open",help: "Connections open now (flows in state new, established or closing)."} },
    bytes_sent: { kind: 'counter', unit: 'bytes', header: "bytes sent", aggregate: 'sum', prometheus: {name: "mutex_sent_bytes_total",help: "L3 bytes of tracked packets leaving this host."} },
    bytes_received: { kind: 'counter', unit: 'bytes', header: "bytes received", aggregate: 'sum', prometheus: {name: "mutex_received_bytes_total",help: "L3 bytes of tracked packets arriving."} },
    packets_sent: { kind: 'counter', unit: 'packets', header: "packets sent", aggregate: 'sum', prometheus: {name: "mutex_sent_packets_total",help: "Tracked packets leaving this host."} },
    packets_received: { kind: 'counter', unit: 'packets', header: "packets received", aggregate: 'sum', prometheus: {name: "mutex_received_packets_total",help: "Tracked packets arriving."} },
    retransmits: { kind: 'counter', unit: 'packets', header: "retransmits", aggregate: 'sum', prometheus: {name: "mutex_retransmits_total",help: "TCP retransmissions of tracked sockets."} },
    errors: { kind: 'counter', unit: 'packets', header: "errors", aggregate: 'sum', prometheus: {name: "mutex_errors_total",help: "TCP resets and ICMP errors of tracked flows."} },
    drops: { kind: 'counter', unit: 'packets', header: "drops", aggregate: 'sum', prometheus: {name: "mutex_drops_total",help: "Packets of tracked flows freed as dropped."} },
    rtt_samples: { kind: 'counter', unit: 'samples', header: "rtt samples", aggregate: 'sum', prometheus: null },
    rtt_sum_us: { kind: 'counter', unit: 'us', header: "rtt sum", aggregate: 'sum', prometheus: null },
    rtt_min_us: { kind: 'gauge', unit: 'us', header: "rtt min", aggregate: 'min', prometheus: {name: "mutex_rtt_min_seconds",help: "Smallest smoothed-RTT sample, 0 when there is none."} },
    rtt_max_us: { kind: 'gauge', unit: 'us', header: "rtt max", aggregate: 'max', prometheus: {name: "mutex_rtt_max_seconds",help: "Largest smoothed-RTT sample."} },
    sent_bytes_per_sec: { kind: 'gauge', unit: 'bytes/s', header: "sent rate", aggregate: 'sum', prometheus: {name: "mutex_sent_bytes_per_second",help: "Bytes sent in the last completed one-second window."} },
    sent_bytes_per_sec_peak: { kind: 'gauge', unit: 'bytes/s', header: "sent rate peak", prometheus: {name: "mutex_peak_sent_bytes_per_second",help: "Highest one-second sent rate since load."} },
    received_bytes_per_sec: { kind: 'gauge', unit: 'bytes/s', header: "received rate", aggregate: 'sum', prometheus: {name: "mutex_received_bytes_per_second",help: "Bytes received in the last completed one-second window."} },
    received_bytes_per_sec_peak: { kind: 'gauge', unit: 'bytes/s', header: "received rate peak", prometheus: {name: "mutex_peak_received_bytes_per_second",help: "Highest one-second received rate since load."} },
    conns_per_sec: { kind: 'gauge', unit: 'connections/s', header: "conns per sec", aggregate: 'sum', prometheus: {name: "mutex_new_connections_per_second",help: "New flows in the last completed one-second window."} },
    conns_per_sec_peak: { kind: 'gauge', unit: 'connections/s', header: "conns per sec peak", prometheus: {name: "mutex_peak_new_connections_per_second",help: "Highest one-second new-flow rate since load."} },
    lookups_hit: { kind: 'counter', unit: 'lookups', header: "lookups hit", prometheus: {name: "mutex_flow_lookups_total",help: "Flow-table lookups, by whether they found their flow.",labels: {result: "hit"}} },
    lookups_miss: { kind: 'counter', unit: 'lookups', header: "lookups miss", prometheus: {name: "mutex_flow_lookups_total",help: "Flow-table lookups, by whether they found their flow.",labels: {result: "miss"}} },
    flow_buckets: { kind: 'gauge', unit: 'buckets', header: "flow buckets", prometheus: {name: "mutex_flow_table_buckets",help: "Hash buckets of the flow table."} },
    flow_limit: { kind: 'gauge', unit: 'flows', header: "flow limit", prometheus: {name: "mutex_flow_table_limit",help: "Most flows tracked at once."} },
    flows_evicted: { kind: 'counter', unit: 'flows', header: "flows evicted", prometheus: {name: "mutex_flows_evicted_total",help: "Flows ended by their timeout or for another namespace's fair share."} },
    flows_untracked: { kind: 'counter', unit: 'packets', header: "flows untracked", prometheus: {name: "mutex_flows_untracked_total",help: "Packets of new flows not tracked because the table was full."} },
    memory_bytes: { kind: 'gauge', unit: 'bytes', header: "memory", prometheus: {name: "mutex_memory_bytes",help: "Kernel memory held by the flow table and its entries."} },
    unmatched_packets: { kind: 'counter', unit: 'packets', header: "unmatched packets", prometheus: {name: "mutex_unmatched_packets_total",help: "Packets that belong to no context."} },
    alerts_raised: { kind: 'counter', unit: 'alerts', header: "alerts raised", prometheus: {name: "mutex_alerts_raised_total",help: "Alerts raised since load."} },
    alerts_cleared: { kind: 'counter', unit: 'alerts', header: "alerts cleared", prometheus: {name: "mutex_alerts_cleared_total",help: "Alerts cleared since load."} },
    alerts_overwritten: { kind: 'counter', unit: 'alerts', header: "alerts overwritten", prometheus: {name: "mutex_alerts_overwritten_total",help: "Alerts lost from the ring because it was full."} },
    alerts_notify_dropped: { kind: 'counter', unit: 'alerts', header: "alerts notify dropped", prometheus: {name: "mutex_alert_notifications_dropped_total",help: "Alert notifications that could not be delivered."} },
    flows_tracked: { kind: 'gauge', unit: 'flows', header: "flows tracked", aggregate: 'sum', prometheus: {name: "mutex_flows_tracked",help: "Flows in the flow table now, open or not."} },
    resets: { kind: 'counter', unit: 'packets', header: "resets", aggregate: 'sum', prometheus: {name: "mutex_resets_total",help: "TCP resets of tracked flows."} },
    icmp_errors: { kind: 'counter', unit: 'packets', header: "icmp errors", aggregate: 'sum', prometheus: {name: "mutex_icmp_errors_total",help: "ICMP errors referring to tracked flows."} },
  },
  'fd': {
    id: { kind: 'id', header: "id", prometheus: null },
    name: { kind: 'text', header: "name", prometheus: null },
    selector: { kind: 'text', header: "selector", prometheus: null },
    owner_tgid: { kind: 'id', header: "owner pid", prometheus: null },
    owner_uid: { kind: 'id', header: "owner uid", prometheus: null },
    owner_comm: { kind: 'text', header: "owner comm", prometheus: null },
    created_ns: { kind: 'time', unit: 'ns', header: "created", prometheus: {name: "mutex_fd_start_time_seconds",help: "Time the context was created, seconds since the Unix epoch."} },
    uptime_ns: { kind: 'duration', unit: 'ns', header: "uptime", prometheus: null },
    conns_open: { kind: 'gauge', unit: 'connections', header: "conns open", aggregate: 'sum', prometheus: {name: "mutex_fd_connections_open",help: "Connections of the context open now (new, established or closing)."} },
    conns_total: { kind: 'counter', unit: 'connections', header: "conns total", aggregate: 'sum', prometheus: {name: "mutex_fd_connections_tracked_total",help: "Connections of the context started since it was created."} },
    bytes_sent: { kind: 'counter', unit: 'bytes', header: "bytes sent", aggregate: 'sum', prometheus: {name: "mutex_fd_sent_bytes_total",help: "L3 bytes the context sent."} },
    bytes_received: { kind: 'counter', unit: 'bytes', header: "bytes received", aggregate: 'sum', prometheus: {name: "mutex_fd_received_bytes_total",help: "L3 bytes the context received."} },
    packets_sent: { kind: 'counter', unit: 'packets', header: "packets sent", aggregate: 'sum', prometheus: {name: "mutex_fd_sent_packets_total",help: "Packets the context sent."} },
    packets_received: { kind: 'counter', unit: 'packets', header: "packets received", aggregate: 'sum', prometheus: {name: "mutex_fd_received_packets_total",help: "Packets the context received."} },
    retransmits: { kind: 'counter', unit: 'packets', header: "retransmits", aggregate: 'sum', prometheus: {name: "mutex_fd_retransmits_total",help: "TCP retransmissions of the context."} },
    errors: { kind: 'counter', unit: 'packets', header: "errors", aggregate: 'sum', prometheus: {name: "mutex_fd_errors_total",help: "TCP resets and ICMP errors of the context."} },
    drops: { kind: 'counter', unit: 'packets', header: "drops", aggregate: 'sum', prometheus: {name: "mutex_fd_drops_total",help: "Dropped packets of the context."} },
    rtt_samples: { kind: 'counter', unit: 'samples', header: "rtt samples", aggregate: 'sum', prometheus: null },
    rtt_sum_us: { kind: 'counter', unit: 'us', header: "rtt sum", aggregate: 'sum', prometheus: null },
    rtt_min_us: { kind: 'gauge', unit: 'us', header: "rtt min", aggregate: 'min', prometheus: {name: "mutex_fd_rtt_min_seconds",help: "Smallest smoothed-RTT sample of the context."} },
    rtt_max_us: { kind: 'gauge', unit: 'us', header: "rtt max", aggregate: 'max', prometheus: {name: "mutex_fd_rtt_max_seconds",help: "Largest smoothed-RTT sample of the context."} },
    rtt_p50_us: { kind: 'gauge', unit: 'us', header: "rtt p50", aggregate: 'hist', prometheus: null },
    rtt_p90_us: { kind: 'gauge', unit: 'us', header: "rtt p90", aggregate: 'hist', prometheus: null },
    rtt_p99_us: { kind: 'gauge', unit: 'us', header: "rtt p99", aggregate: 'hist', prometheus: null },
    rtt_hist: { kind: 'histogram', unit: 'samples', header: "rtt histogram", aggregate: 'sum', prometheus: null },
    sent_bytes_per_sec: { kind: 'gauge', unit: 'bytes/s', header: "sent rate", aggregate: 'sum', prometheus: {name: "mutex_fd_sent_bytes_per_second",help: "Bytes sent in the last completed one-second window."} },
    sent_bytes_per_sec_peak: { kind: 'gauge', unit: 'bytes/s', header: "sent rate peak", prometheus: {name: "mutex_fd_peak_sent_bytes_per_second",help: "Highest one-second sent rate."} },
    received_bytes_per_sec: { kind: 'gauge', unit: 'bytes/s', header: "received rate", aggregate: 'sum', prometheus: {name: "mutex_fd_received_bytes_per_second",help: "Bytes received in the last completed one-second window."} },
    received_bytes_per_sec_peak: { kind: 'gauge', unit: 'bytes/s', header: "received rate peak", prometheus: {name: "mutex_fd_peak_received_bytes_per_second",help: "Highest one-second received rate."} },
    conns_per_sec: { kind: 'gauge', unit: 'connections/s', header: "conns per sec", aggregate: 'sum', prometheus: {name: "mutex_fd_new_connections_per_second",help: "New flows in the last completed one-second window."} },
    conns_per_sec_peak: { kind: 'gauge', unit: 'connections/s', header: "conns per sec peak", prometheus: {name: "mutex_fd_peak_new_connections_per_second",help: "Highest one-second new-flow rate."} },
    alerts_active: { kind: 'mask', header: "alerts raised now", aggregate: 'union', prometheus: null },
    flows_tracked: { kind: 'gauge', unit: 'flows', header: "flows tracked", aggregate: 'sum', prometheus: {name: "mutex_fd_flows_tracked",help: "Flows of the context in the flow table now, open or not."} },
    resets: { kind: 'counter', unit: 'packets', header: "resets", aggregate: 'sum', prometheus: {name: "mutex_fd_resets_total",help: "TCP resets of the context."} },
    icmp_errors: { kind: 'counter', unit: 'packets', header: "icmp errors", aggregate: 'sum', prometheus: {name: "mutex_fd_icmp_errors_total",help: "ICMP errors referring to the context's flows."} },
    drop_reasons: { kind: 'reasons', header: "drop reasons", aggregate: 'sum', prometheus: {name: "mutex_fd_drops_by_reason_total",help: "Packets of the context's flows dropped, by the kernel's drop reason."} },
  },
  'conn': {
    id: { kind: 'id', header: "id", prometheus: null },
    fd_id: { kind: 'id', header: "fd", prometheus: null },
    family: { kind: 'enum', header: "family", prometheus: null },
    protocol: { kind: 'enum', header: "protocol", prometheus: null },
    local_addr: { kind: 'address', header: "local address", prometheus: null },
    local_port: { kind: 'id', header: "local port", prometheus: null },
    remote_addr: { kind: 'address', header: "remote address", prometheus: null },
    remote_port: { kind: 'id', header: "remote port", prometheus: null },
    direction: { kind: 'enum', header: "direction", prometheus: null },
    state: { kind: 'enum', header: "state", prometheus: null },
    start_ns: { kind: 'time', unit: 'ns', header: "first packet", prometheus: {name: "mutex_conn_start_time_seconds",help: "Time of the flow's first packet, seconds since the Unix epoch."} },
    last_ns: { kind: 'time', unit: 'ns', header: "last packet", prometheus: {name: "mutex_conn_last_packet_time_seconds",help: "Time of the flow's latest packet, seconds since the Unix epoch."} },
    bytes_sent: { kind: 'counter', unit: 'bytes', header: "bytes sent", aggregate: 'sum', prometheus: {name: "mutex_conn_sent_bytes_total",help: "L3 bytes the flow sent."} },
    bytes_received: { kind: 'counter', unit: 'bytes', header: "bytes received", aggregate: 'sum', prometheus: {name: "mutex_conn_received_bytes_total",help: "L3 bytes the flow received."} },
    packets_sent: { kind: 'counter', unit: 'packets', header: "packets sent", aggregate: 'sum', prometheus: {name: "mutex_conn_sent_packets_total",help: "Packets the flow sent."} },
    packets_received: { kind: 'counter', unit: 'packets', header: "packets received", aggregate: 'sum', prometheus: {name: "mutex_conn_received_packets_total",help: "Packets the flow received."} },
    retransmits: { kind: 'counter', unit: 'packets', header: "retransmits", aggregate: 'sum', prometheus: {name: "mutex_conn_retransmits_total",help: "TCP retransmissions of the flow."} },
    errors: { kind: 'counter', unit: 'packets', header: "errors", aggregate: 'sum', prometheus: {name: "mutex_conn_errors_total",help: "TCP resets and ICMP errors of the flow."} },
    drops: { kind: 'counter', unit: 'packets', header: "drops", aggregate: 'sum', prometheus: {name: "mutex_conn_drops_total",help: "Dropped packets of the flow."} },
    rtt_samples: { kind: 'counter', unit: 'samples', header: "rtt samples", aggregate: 'sum', prometheus: null },
    rtt_sum_us: { kind: 'counter', unit: 'us', header: "rtt sum", aggregate: 'sum', prometheus: null },
    rtt_min_us: { kind: 'gauge', unit: 'us', header: "rtt min", aggregate: 'min', prometheus: {name: "mutex_conn_rtt_min_seconds",help: "Smallest smoothed-RTT sample of the flow."} },
    rtt_max_us: { kind: 'gauge', unit: 'us', header: "rtt max", aggregate: 'max', prometheus: {name: "mutex_conn_rtt_max_seconds",help: "Largest smoothed-RTT sample of the flow."} },
    midstream: { kind: 'flag', header: "picked up mid-stream", prometheus: null },
    resets: { kind: 'counter', unit: 'packets', header: "resets", aggregate: 'sum', prometheus: {name: "mutex_conn_resets_total",help: "TCP resets of the flow."} },
    icmp_errors: { kind: 'counter', unit: 'packets', header: "icmp errors", aggregate: 'sum', prometheus: {name: "mutex_conn_icmp_errors_total",help: "ICMP errors referring to the flow."} },
    pid: { kind: 'id', header: "pid", prometheus: null },
    comm: { kind: 'text', header: "process", prometheus: null },
    drop_reasons: { kind: 'reasons', header: "drop reasons", aggregate: 'sum', prometheus: {name: "mutex_conn_drops_by_reason_total",help: "Packets of the flow dropped, by the kernel's drop reason."} },
  },
};

/**
 * A conn row: the figures as the kernel sends them, and these as shown (by
 * name, as text; drops by reason as a tally): family, protocol, local_addr, remote_addr, direction, state, drop_reasons, rtt_avg_us.
 */
export function connFigureRow(
  conn: ConnAttrs,
  family: string | undefined,
  protocol: string | undefined,
  local_addr: string | undefined,
  remote_addr: string | undefined,
  direction: string | undefined,
  state: string | undefined,
  drop_reasons: Readonly<Record<string, bigint>> | undefined,
  rtt_avg_us: bigint | undefined,
): Record<string, unknown> {
  return {
    id: conn.id,
    fd_id: conn.fd_id,
    family,
    protocol,
    local_addr,
    local_port: conn.local_port,
    remote_addr,
    remote_port: conn.remote_port,
    direction,
    state,
    start_ns: conn.start_ns,
    last_ns: conn.last_ns,
    bytes_sent: conn.bytes_sent,
    bytes_received: conn.bytes_received,
    packets_sent: conn.packets_sent,
    packets_received: conn.packets_received,
    retransmits: conn.retransmits,
    errors: conn.errors,
    drops: conn.drops,
    rtt_samples: conn.rtt_samples,
    rtt_sum_us: conn.rtt_sum_us,
    rtt_min_us: conn.rtt_min_us,
    rtt_max_us: conn.rtt_max_us,
    midstream: conn.midstream,
    resets: conn.resets,
    icmp_errors: conn.icmp_errors,
    pid: conn.pid,
    comm: conn.comm,
    drop_reasons,
    rtt_avg_us,
  };
}

export interface AttrSetTypes {
  'stats': StatsAttrs;
  'fd': FdAttrs;
  'conn': ConnAttrs;
  'drop-reason': DropReasonAttrs;
  'alert': AlertAttrs;
  'thresholds': ThresholdsAttrs;
}
