import { describe, expect, it } from 'vitest';
import { Sub } from './options.ts';
import { filterOf, Subscriptions } from './subscriptions.ts';

const ALL = Sub.Messages | Sub.Methods | Sub.TwinResponses | Sub.DesiredPatches;

describe('Subscriptions', () => {
  it('asks for C2D at QoS 1 and the $iothub filters at QoS 0, never QoS 2', () => {
    const subs = new Subscriptions(ALL);
    expect(subs.request(subs.missing, 'd1', undefined)).toEqual([
      { topic: 'devices/d1/messages/devicebound/#', qos: 1 },
      { topic: '$iothub/methods/POST/#', qos: 0 },
      { topic: '$iothub/twin/res/#', qos: 0 },
      { topic: '$iothub/twin/PATCH/properties/desired/#', qos: 0 },
    ]);
    expect(subs.missing).toBe(0);
  });

  it('uses the module inputs filter for modules', () => {
    expect(filterOf(Sub.Messages, 'd1', 'm1')).toBe('devices/d1/modules/m1/#');
  });

  it('records granted QoS, reports refusals and treats missing return codes as refusals', () => {
    const subs = new Subscriptions(ALL);
    const topics = subs.request(ALL, 'd1', undefined).map((s) => s.topic);
    const outcome = subs.acknowledge(ALL, topics, [1, 0x80, 0]);
    expect(outcome.granted).toEqual([1, 0]);
    expect(outcome.refused).toEqual([
      { topic: '$iothub/methods/POST/#', returnCode: 0x80 },
      { topic: '$iothub/twin/PATCH/properties/desired/#', returnCode: 0x80 },
    ]);
    expect(outcome.refusedBits).toBe(Sub.Methods | Sub.DesiredPatches);
    expect([subs.qos(Sub.Messages), subs.qos(Sub.Methods), subs.qos(Sub.TwinResponses)]).toEqual([1, undefined, 0]);
    // Refused filters are asked for again at the next opportunity.
    expect(subs.missing).toBe(Sub.Methods | Sub.DesiredPatches);
  });

  it('forgets pending filters on a lost connection and active ones on a new session', () => {
    const subs = new Subscriptions(Sub.Methods | Sub.TwinResponses);
    const topics = subs.request(Sub.Methods, 'd1', undefined).map((s) => s.topic);
    subs.acknowledge(Sub.Methods, topics, [0]);
    subs.request(Sub.TwinResponses, 'd1', undefined);
    subs.connectionLost();
    expect(subs.missing).toBe(Sub.TwinResponses);
    subs.sessionReset();
    expect(subs.missing).toBe(Sub.Methods | Sub.TwinResponses);
    expect(subs.qos(Sub.Methods)).toBeUndefined();
  });
});
