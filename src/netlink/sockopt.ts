// The `netlink` package offers no setsockopt, and extended ACKs (the kernel's
// own error texts) must be switched on per socket. So: find the socket's file
// descriptor through /proc and call libc's setsockopt through koffi.
// koffi is a 1.6 MB native addon: it is loaded (synchronously) only when a
// socket's options are first needed, not at every start (see socket.ts).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { NETLINK_EXT_ACK, NETLINK_GENERIC, NETLINK_GET_STRICT_CHK, SOL_NETLINK } from './constants.js';

type SetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number) => number;

let setsockoptFn: SetSockOpt | null | undefined;

function loadSetsockopt(): SetSockOpt | null {
  if (setsockoptFn !== undefined) return setsockoptFn;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const libc = koffi.load('libc.so.6');
    const fn = libc.func('int setsockopt(int, int, int, const void *, uint32_t)');
    setsockoptFn = (fd, level, name, value, length) => fn(fd, level, name, value, length) as number;
  } catch {
    setsockoptFn = null;
  }
  return setsockoptFn;
}

/** Socket inode of the netlink socket bound to `port`, from /proc/net/netlink. */
function netlinkInode(port: number, protocol: number): string | undefined {
  const lines = readFileSync('/proc/net/netlink', 'utf8').trim().split('\n');
  const columns = (lines.shift() ?? '').trim().split(/\s+/);
  const protocolColumn = columns.indexOf('Eth');
  const portColumn = columns.indexOf('Pid');
  const inodeColumn = columns.indexOf('Inode');
  if (protocolColumn < 0 || portColumn < 0 || inodeColumn < 0) return undefined;
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields[protocolColumn] === String(protocol) && fields[portColumn] === String(port >>> 0)) {
      return fields[inodeColumn];
    }
  }
  return undefined;
}

/** The file descriptor of this process's netlink socket bound to `port`. */
export function findNetlinkSocketFd(port: number, protocol = NETLINK_GENERIC): number | undefined {
  try {
    const inode = netlinkInode(port, protocol);
    if (!inode) return undefined;
    const target = `socket:[${inode}]`;
    for (const entry of readdirSync('/proc/self/fd')) {
      try {
        if (readlinkSync(`/proc/self/fd/${entry}`) === target) return Number(entry);
      } catch {
        // the fd closed while we looked (readdir's own fd, for one)
      }
    }
  } catch {
    // no /proc: no extended ACKs
  }
  return undefined;
}

const NETLINK_BROADCAST_ERROR = 4;
const NETLINK_NO_ENOBUFS = 5;

/**
 * Turns on NETLINK_EXT_ACK and NETLINK_GET_STRICT_CHK, and for multicast:
 * NETLINK_BROADCAST_ERROR, so the kernel learns (and counts) notifications this
 * socket had no room for, and NETLINK_NO_ENOBUFS, so an overrun does not come
 * back as a recvmsg() error: the netlink package aborts the process on one.
 * Lost notifications show up as gaps in the alert sequence numbers instead.
 * Returns whether extended ACKs are on; false means errno names only.
 */
export function enableExtendedAck(port: number): boolean {
  const setsockopt = loadSetsockopt();
  if (!setsockopt) return false;
  const fd = findNetlinkSocketFd(port);
  if (fd === undefined) return false;
  const one = Buffer.alloc(4);
  one.writeInt32LE(1);
  try {
    const extendedAck = setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, one.length) === 0;
    setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, one, one.length);
    setsockopt(fd, SOL_NETLINK, NETLINK_BROADCAST_ERROR, one, one.length);
    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, one, one.length);
    return extendedAck;
  } catch {
    return false;
  }
}
