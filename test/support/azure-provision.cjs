// Registers one device with the Azure IoT provisioning device SDK over its standard Mqtt transport
// (TLS) and prints the registration result as JSON. Run as a child process: the provisioning SDK
// takes no `ca` option, so the hub's CA is trusted the documented way, with NODE_EXTRA_CA_CERTS.
// Usage: node azure-provision.cjs <provisioningHost> <idScope> <registrationId> <deviceKey>
'use strict';
const { ProvisioningDeviceClient } = require('azure-iot-provisioning-device');
const { Mqtt } = require('azure-iot-provisioning-device-mqtt');
const { SymmetricKeySecurityClient } = require('azure-iot-security-symmetric-key');

const [provisioningHost, idScope, registrationId, deviceKey] = process.argv.slice(2);
const client = ProvisioningDeviceClient.create(provisioningHost, idScope, new Mqtt(), new SymmetricKeySecurityClient(registrationId, deviceKey));
client.setProvisioningPayload({ from: 'azure-iot-provisioning-device' });
const deadline = setTimeout(() => {
  console.error('registration took longer than 20 s');
  process.exit(3);
}, 20_000);
client.register((error, result) => {
  clearTimeout(deadline);
  if (error) {
    console.error(`registration failed: ${error.message}`);
    process.exit(1);
  }
  console.log(JSON.stringify(result));
  process.exit(0);
});
