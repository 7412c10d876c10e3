/**
 * The two operating-system limits a fleet of sockets meets first, read where Linux publishes them:
 * open files per process (every connection is a descriptor; `ulimit -n`) and ephemeral ports per
 * source address, destination address and port (a loopback hub on one port takes at most
 * `ip_local_port_range` connections from one source address). Elsewhere both are unknown.
 */
import { readFileSync } from 'node:fs';

/** Descriptors a Node process holds besides its sockets (stdio, epoll, the listener of /metrics, …). */
const RESERVED_FILES = 64;

/** The soft limit on open files of this process, or undefined when it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return line === undefined || line === 'unlimited' ? undefined : Number(line);
  } catch {
    return undefined;
  }
}

/** Ephemeral ports per source/destination pair (Linux default 32768–60999: 28 232), or undefined. */
export function ephemeralPorts(): number | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low === undefined || high === undefined || !(high >= low) ? undefined : high - low + 1;
  } catch {
    return undefined;
  }
}

/** A warning when `connections` sockets will not fit under `limit` open files, else undefined. */
export function fileLimitWarning(connections: number, limit: number | undefined): string | undefined {
  if (limit === undefined || connections + RESERVED_FILES <= limit) return undefined;
  return (
    `the open-file limit (ulimit -n) is ${limit}: about ${Math.max(limit - RESERVED_FILES, 0)} connections fit in this process, ` +
    `so ${connections - (limit - RESERVED_FILES)} devices will fail with EMFILE; raise it, or split the fleet across processes with --start`
  );
}

/**
 * Source addresses for `connections` to one loopback destination: 127.0.0.1, 127.0.0.2, … as many
 * as the ephemeral ports require (each address gets `ports` connections, less a tenth kept free).
 */
export function loopbackSources(connections: number, ports: number): string[] {
  const perAddress = Math.max(Math.floor(ports * 0.9), 1);
  const count = Math.min(Math.ceil(connections / perAddress), 254);
  return Array.from({ length: Math.max(count, 1) }, (_, i) => `127.0.0.${i + 1}`);
}

/**
 * The source addresses a run's sockets use: the ones given, else 127.0.0.x for a loopback target
 * when one address has too few ephemeral ports, else none (the system picks). Logs what it chose
 * and the open-file limit the run will meet.
 */
export function planSources(devices: number, target: string | undefined, given: readonly string[] | undefined, log: (line: string) => void): string[] {
  const warning = fileLimitWarning(devices, openFileLimit());
  if (warning !== undefined) log(`warning: ${warning}`);
  if (given !== undefined) return [...given];
  const ports = ephemeralPorts();
  if (ports === undefined || target === undefined || !target.startsWith('127.') || devices <= ports * 0.9) return [];
  const sources = loopbackSources(devices, ports);
  log(`connecting from ${sources.length} source addresses (${sources[0]} … ${sources[sources.length - 1]}): one has ${ports} ephemeral ports towards the hub`);
  return sources;
}
