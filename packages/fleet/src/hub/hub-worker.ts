/**
 * The embedded hub's thread: a @hubwire/sim-hub on 127.0.0.1 with its own TLS listeners and
 * generated CA, the fleet's devices registered in it (or one DPS group enrollment), and the few
 * service calls a fleet makes (desired patches, direct methods) answered over the message port.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { MethodInvocationError, SimHub } from '@hubwire/sim-hub';
import type { HubReady, HubReply, HubRequest, HubThreadStats, HubWorkerData } from './hub-protocol.ts';

if (parentPort === null) throw new Error('hub-worker.ts runs as a worker thread');
const port: MessagePort = parentPort;
const data = workerData as HubWorkerData;
/** Busy time counts from the moment the hub listens, not from its start-up (certificates, modules). */
let since = performance.eventLoopUtilization();

// Telemetry records are kept for tests; a fleet only needs the hub to acknowledge.
const hub = new SimHub({ maxTelemetryRecords: 1000, dps: { retryAfterSeconds: 1, pollsBeforeAssigned: 0 } });

const reply = (message: HubReply): void => port.postMessage(message);

async function start(): Promise<void> {
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
    port.postMessage(ready);
  } catch (error) {
    await hub.close();
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies HubReady);
    port.close();
  }
}

port.on('message', (request: HubRequest) => {
  switch (request.op) {
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
      const result: HubThreadStats = {
        busyPercent: performance.eventLoopUtilization(since).utilization * 100,
        heapBytes: getHeapStatistics().used_heap_size,
        connected: hub.connectedDevices().length,
      };
      reply({ type: 'reply', id: request.id, result });
      break;
    }
    case 'close':
      void hub.close().then(() => {
        reply({ type: 'reply', id: request.id, result: null });
        port.close();
      });
      break;
  }
});

void start();
