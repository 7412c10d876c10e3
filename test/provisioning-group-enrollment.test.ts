/**
 * The docs/protocol.md §4 group-enrollment vector end to end: derive the device key from the group
 * key, sign the DPS password with it, register through the ProvisioningEngine against a scripted
 * DPS that verifies the password, then sign the token for the assigned hub with the same key.
 */
import { describe, expect, it } from 'vitest';
import { createSasToken, deriveGroupKey, deviceResourceUri, dpsResourceUri, verifySasToken } from '@hubwire/sas';
import { ProvisioningEngine } from '@hubwire/core';
import { assignedBody, assigningBody, connack, DpsHarness, dpsReply, suback } from './support/scripted-dps.ts';

const GROUP_KEY = '8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==';
const REG = 'sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6';
const SCOPE = '0ne00000A0A';
const EXPIRES_AT = 1_700_000_000;
const DERIVED_KEY = 'Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=';
const DPS_TOKEN =
  'SharedAccessSignature sr=0ne00000A0A%2Fregistrations%2Fsn-007-888-abc-mac-a1-b2-c3-d4-e5-f6' +
  '&sig=t6%2F8JHWQuQgM9mXdYf%2FuIqa3dKECOEk9Rr4WrFV19q0%3D&se=1700000000&skn=registration';
const HUB_TOKEN =
  'SharedAccessSignature sr=contoso.azure-devices.net%2Fdevices%2Fsn-007-888-abc-mac-a1-b2-c3-d4-e5-f6' +
  '&sig=aogMFXumN5h359Jd2lkt0nG5blAJKPNVgoseKPYlK6o%3D&se=1700000000';

describe('group enrollment over the ProvisioningEngine', () => {
  it('derives the §4 key, connects with the §4 DPS token, and is assigned to a hub it can sign for', async () => {
    const deviceKey = await deriveGroupKey(GROUP_KEY, REG);
    expect(deviceKey).toBe(DERIVED_KEY);
    const password = await createSasToken({
      resourceUri: dpsResourceUri(SCOPE, REG),
      key: deviceKey,
      expiresAt: EXPIRES_AT,
      keyName: 'registration',
    });
    expect(password).toBe(DPS_TOKEN);

    const h = new DpsHarness(new ProvisioningEngine({ idScope: SCOPE, registrationId: REG }), 0);
    h.engine.connect(h.now, { password, passwordExpiresAt: EXPIRES_AT * 1000 });
    const { rid } = h.engine.register(h.now);
    const [connect] = h.sent();
    expect(connect).toMatchObject({
      kind: 'connect',
      clientId: REG,
      username: `${SCOPE}/registrations/${REG}/api-version=2019-03-31`,
      password: DPS_TOKEN,
      clean: true,
    });
    // The scripted service checks the password the way DPS would: signed by the derived key, for this registration.
    const verdict = await verifySasToken(
      connect?.kind === 'connect' ? (connect.password ?? '') : '',
      deviceKey,
      EXPIRES_AT - 60,
      dpsResourceUri(SCOPE, REG),
    );
    expect(verdict.ok).toBe(true);

    h.deliver(connack(0));
    const [subscribe] = h.sent();
    h.deliver(suback(subscribe?.kind === 'subscribe' ? subscribe.messageId : 0, [1]));
    const [register] = h.sent();
    expect(register).toEqual({ kind: 'register', rid, qos: 0, body: { registrationId: REG } });
    h.deliver(dpsReply(202, rid, assigningBody('4.op'), { retryAfter: 2 }));
    h.advance();
    const [poll] = h.sent();
    h.deliver(dpsReply(200, poll?.kind === 'poll' ? poll.rid : '', assignedBody('4.op', { registrationId: REG })));
    const assigned = h.events().find((e) => e.type === 'assigned');
    expect(assigned).toMatchObject({ rid, assignedHub: 'contoso.azure-devices.net', deviceId: REG });

    // The same derived key signs the hub connection for the assigned device (docs/protocol.md §4 vector).
    if (assigned?.type !== 'assigned') throw new Error('not assigned');
    const hubToken = await createSasToken({
      resourceUri: deviceResourceUri(assigned.assignedHub, assigned.deviceId),
      key: deviceKey,
      expiresAt: EXPIRES_AT,
    });
    expect(hubToken).toBe(HUB_TOKEN);
  });

  it('fails the registration when the service rejects a token signed with the group key itself', async () => {
    const wrong = await createSasToken({
      resourceUri: dpsResourceUri(SCOPE, REG),
      key: GROUP_KEY,
      expiresAt: EXPIRES_AT,
      keyName: 'registration',
    });
    const verdict = await verifySasToken(wrong, DERIVED_KEY, EXPIRES_AT - 60, dpsResourceUri(SCOPE, REG));
    expect(verdict).toMatchObject({ ok: false, reason: 'bad-signature' });

    const h = new DpsHarness(new ProvisioningEngine({ idScope: SCOPE, registrationId: REG }), 0);
    h.engine.connect(h.now, { password: wrong });
    const { rid } = h.engine.register(h.now);
    h.sent();
    h.deliver(connack(5)); // what a verifying service answers to a bad signature
    expect(h.events()).toEqual([
      { type: 'connect-failed', returnCode: 5, reason: 'not-authorized', retriable: true },
      expect.objectContaining({ type: 'registration-failed', rid, reason: 'rejected' }),
    ]);
  });
});
