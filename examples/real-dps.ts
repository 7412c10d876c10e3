/**
 * Provisions a device through the real Azure Device Provisioning Service, then connects it to the
 * hub DPS assigned. Not run by the tests.
 *
 *   DPS_ID_SCOPE=0ne… DPS_REGISTRATION_ID=my-device DPS_SYMMETRIC_KEY=… pnpm tsx examples/real-dps.ts
 *   DPS_GROUP_KEY=… instead of DPS_SYMMETRIC_KEY for a group enrollment (the device key is derived)
 *
 * Both legs use TLS on 8883 with the certificate checked against the host name (docs/protocol.md §1, §13).
 */
import { deriveGroupKey } from '@hubwire/sas';
import { deviceClientForAssignment, dpsAuth, provision, tcpConnector } from '@hubwire/node';

const DPS_HOST = 'global.azure-devices-provisioning.net';
const idScope = process.env['DPS_ID_SCOPE'];
const registrationId = process.env['DPS_REGISTRATION_ID'];
const individualKey = process.env['DPS_SYMMETRIC_KEY'];
const groupKey = process.env['DPS_GROUP_KEY'];
if (idScope === undefined || registrationId === undefined || (individualKey === undefined && groupKey === undefined)) {
  console.error('Set DPS_ID_SCOPE, DPS_REGISTRATION_ID and DPS_SYMMETRIC_KEY (or DPS_GROUP_KEY).');
  process.exit(2);
}
// A group enrollment's key never leaves the factory: each device gets HMAC(group key, registration id).
const key = individualKey ?? (await deriveGroupKey(groupKey as string, registrationId));

const assignment = await provision({
  connector: tcpConnector({ host: DPS_HOST, port: 8883, tls: { servername: DPS_HOST } }),
  engineOptions: { idScope, registrationId },
  auth: dpsAuth(idScope, registrationId, key),
  onEvent: (event) => console.log('dps', event.type),
});
console.log(`assigned to ${assignment.assignedHub} as ${assignment.deviceId} (${assignment.substatus ?? 'no substatus'})`);

const client = deviceClientForAssignment(assignment, {
  connectorFor: (hub) => tcpConnector({ host: hub, port: 8883, tls: { servername: hub } }),
  key,
  onNotice: (notice) => console.log('driver', notice),
  onEvent: (event) => {
    console.log('hub', event.type);
    if (event.type === 'connected') {
      const { id } = client.act((engine, now) => engine.publishTelemetry(now, '{"hello":"from a provisioned device"}'));
      console.log('sent telemetry', id);
    }
    if (event.type === 'telemetry-acked') void client.stop().then(() => process.exit(0));
  },
});
client.start();
