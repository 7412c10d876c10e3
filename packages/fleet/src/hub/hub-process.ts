/**
 * The embedded hub's process: a @hubwire/sim-hub on 127.0.0.1 with its own TLS listeners and
 * generated CA, the fleet's devices registered in it (or one DPS group enrollment), and the few
 * service calls a fleet makes (desired patches, direct methods) answered over the IPC channel.
 * It ends with the fleet: when the channel closes, so does the hub.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { MethodInvocationError, SimHub } from '@hubwire/sim-hub';
import { residentSetSize } from '../metrics/process-sampler.ts';
import type { HubReady, HubReply, HubRequest, HubStart, HubStats } from './hub-protocol.ts';

const send = (message: HubReady | HubReply): void => {
  if (process.connected) process.send?.(message);
};
if (process.send === undefined) throw new Error('hub-process.ts runs as a child process with an IPC channel (fork)');
/** Busy time and CPU count from the moment the hub listens, not from its start-up (certificates, modules). */
let since = performance.eventLoopUtilization();
let cpuSince = process.cpuUsage();
let wallSince = performance.now();

// Telemetry records are kept for tests; a fleet only needs the hub to acknowledge.
const hub = new SimHub({ maxTelemetryRecords: 1000, dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 0 } });

const reply = (message: HubReply): void => send(message);

async function start(data: HubStart): Promise<void> {
  try {
    const addresses = await hub.start();
    const [devicePort, dpsPort] = {
      tls: [addresses.mqttsPort, addresses.dpsMqttsPort],
      wss: [addresses.wssPort, addresses.dpsWssPort],
      tcp: [addresses.mqttPort, addresses.dpsPort],
      ws: [addresses.wsPort, addresses.dpsWsPort],
    }[data.transport] as [number, number];
    const groupKey = data.dps ? hub.dps.addGroupEnrollment().key : undefined;
    const keys = data.dps ? [] : data.ids.map((deviceId) => hub.addDevice({ deviceId }).key as string);
    const ready: HubReady = {
      type: 'ready',
      hostName: hub.hostName,
      host: addresses.bind,
      port: devicePort,
      dpsPort,
      idScope: addresses.idScope,
      ca: addresses.caPem,
      keys,
      ...(groupKey === undefined ? {} : { groupKey }),
    };
    since = performance.eventLoopUtilization();
    cpuSince = process.cpuUsage();
    wallSince = performance.now();
    send(ready);
  } catch (error) {
    await hub.close();
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.disconnect();
  }
}

process.on('message', (request: HubRequest) => {
  switch (request.op) {
    case 'start':
      void start(request);
      break;
    case 'desired':
      if (hub.isConnected(request.deviceId)) hub.updateDesired(request.deviceId, request.patch);
      break;
    case 'method':
      hub.invokeMethod(request.deviceId, request.name, request.payload, { timeoutMs: request.timeoutMs }).then(
        (result) => reply({ type: 'reply', id: request.id, result }),
        (error: unknown) =>
          reply({
            type: 'reply',
            id: request.id,
            error: { code: error instanceof MethodInvocationError ? error.code : 'error', message: error instanceof Error ? error.message : String(error) },
          }),
      );
      break;
    case 'stats': {
      const cpu = process.cpuUsage(cpuSince);
      const result: HubStats = {
        busyPercent: performance.eventLoopUtilization(since).utilization * 100,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / Math.max(performance.now() - wallSince, 1)) * 100,
        heapBytes: getHeapStatistics().used_heap_size,
        rssBytes: residentSetSize() ?? 0,
        connected: hub.connectedDevices().length,
      };
      reply({ type: 'reply', id: request.id, result });
      break;
    }
    case 'close':
      void hub.close().then(() => {
        reply({ type: 'reply', id: request.id, result: null });
        process.disconnect();
      });
      break;
  }
});

// The fleet went away (ended, crashed, killed): nothing is left to serve.
process.on('disconnect', () => void hub.close().finally(() => process.exit(0)));
