/**
 * Connects one device to a real Azure IoT Hub with the Node drivers (@hubwire/node). Not run by the tests.
 *
 *   IOTHUB_DEVICE_CONNECTION_STRING='HostName=…;DeviceId=…;SharedAccessKey=…' pnpm tsx examples/real-hub.ts
 *   IOTHUB_TRANSPORT=websocket …   # MQTT over WebSockets on 443 instead of TLS on 8883
 *
 * It sends a telemetry message every 10 s, answers every direct method with 200, acknowledges
 * writable properties (IoT Plug and Play), renews its SAS token before expiry and reconnects
 * after network loss. Ctrl-C disconnects cleanly.
 */
import { parseConnectionString } from '@hubwire/sas';
import { WebSocket } from 'ws';
import { DeviceClient, iotHubWebSocketUrl, tcpConnector, webSocketConnector, type WebSocketConstructor } from '@hubwire/node';
import { respondLikeAThermostat } from './demo/thermostat.ts';

const connectionString = process.env['IOTHUB_DEVICE_CONNECTION_STRING'];
if (connectionString === undefined || connectionString === '') {
  console.error('Set IOTHUB_DEVICE_CONNECTION_STRING to a device connection string (HostName=…;DeviceId=…;SharedAccessKey=…).');
  process.exit(2);
}
const cs = parseConnectionString(connectionString);
// TLS goes to the gateway when there is one; user name and token still name the hub (docs/protocol.md §12).
const target = cs.gatewayHostName ?? cs.hostName;
const connector =
  process.env['IOTHUB_TRANSPORT'] === 'websocket'
    ? webSocketConnector({ url: iotHubWebSocketUrl(target), WebSocket: WebSocket as unknown as WebSocketConstructor })
    : tcpConnector({ host: target, port: 8883, tls: { servername: target } });

const log = (...parts: unknown[]): void => console.log(new Date().toISOString(), ...parts);

const client = DeviceClient.fromConnectionString(connectionString, {
  connector,
  tokenTtlSeconds: 3600,
  engineOptions: { keepAliveSeconds: 240, deviceClientType: 'hubwire-example/0.1' },
  onNotice: (notice) => log('driver', notice),
  onEvent: (event) => {
    log('event', event.type, 'body' in event ? new TextDecoder().decode(event.body) : '');
    respondLikeAThermostat(client, event);
  },
});
client.start();

let counter = 0;
const telemetry = setInterval(() => {
  if (client.engine.state !== 'connected') return;
  const body = JSON.stringify({ temperature: 20 + Math.random() * 5, counter: counter++ });
  const { id } = client.act((hub, now) => hub.publishTelemetry(now, body, { contentType: 'application/json', contentEncoding: 'utf-8' }));
  log('sent telemetry', id, body);
}, 10_000);

process.once('SIGINT', () => {
  clearInterval(telemetry);
  void client.stop().then(() => process.exit(0));
});
