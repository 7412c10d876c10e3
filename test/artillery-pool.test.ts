/**
 * The device pool of artillery-engine-hubwire: how a file of connection strings is read, shared
 * between machines and local workers without overlap, and lent to one user at a time.
 */
import fc from 'fast-check';
import { DevicePool, parseDeviceFile, parseSlice, ScenarioError, shareOf, workerShare } from 'artillery-engine-hubwire';
import { describe, expect, it } from 'vitest';

const cs = (n: number): string => `HostName=h.local;DeviceId=d${n};SharedAccessKey=a2V5`;

describe('device files', () => {
  it('reads lines, a CSV first column and quotes, skipping headers, comments and blank lines', () => {
    expect(parseDeviceFile(`connectionString,room\n# fleet\n${cs(1)}\n\n"${cs(2)}",lab\r\n${cs(3)},x,y\n`, 'f')).toEqual([cs(1), cs(2), cs(3)]);
  });

  it('reads device connection strings anywhere in JSON, skipping other strings', () => {
    expect(parseDeviceFile(JSON.stringify([cs(1), cs(2)]), 'f')).toEqual([cs(1), cs(2)]);
    expect(parseDeviceFile(JSON.stringify([{ deviceId: 'd1', connectionString: cs(1) }]), 'f')).toEqual([cs(1)]);
    const state = {
      service: 'HostName=h.local;SharedAccessKeyName=service;SharedAccessKey=a2V5',
      devices: { d1: cs(1), d2: { connectionString: cs(2), modules: { m: `${cs(2)};ModuleId=m` } } },
    };
    expect(parseDeviceFile(JSON.stringify(state), 'f')).toEqual([cs(1), cs(2), `${cs(2)};ModuleId=m`]);
  });

  it('refuses a file without any device connection string, or broken JSON, naming it', () => {
    expect(() => parseDeviceFile('connectionString\n# nothing\n', 'devices.txt')).toThrow('devices.txt: no device connection strings (HostName=…;DeviceId=…) found');
    expect(() => parseDeviceFile('[1, "HostName=h;SharedAccessKeyName=s;SharedAccessKey=k"]', 'devices.json')).toThrow(/devices.json: no device connection strings/);
    expect(() => parseDeviceFile('{"a":', 'devices.json')).toThrow(/devices.json: not valid JSON/);
  });
});

describe('shares', () => {
  it('parses machine slices k/n and refuses others', () => {
    expect(parseSlice('2/4', 's')).toEqual({ index: 1, count: 4 });
    expect(parseSlice(' 1 / 1 ', 's')).toEqual({ index: 0, count: 1 });
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) expect(() => parseSlice(bad, 'pool.slice')).toThrow(ScenarioError);
  });

  it('reads the worker share from the phases Artillery divided, one share otherwise', () => {
    expect(workerShare([{ arrivalRate: 2, duration: 5, worker: 3, totalWorkers: 4 }])).toEqual({ index: 2, count: 4 });
    expect(workerShare([{ arrivalRate: 2, duration: 5 }])).toEqual({ index: 0, count: 1 });
    expect(workerShare(undefined)).toEqual({ index: 0, count: 1 });
  });

  it('hands every entry to exactly one (machine, worker) pair, for any file and any split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (size, machines, workers) => {
        const entries = Array.from({ length: size }, (_, i) => i);
        const seen: number[] = [];
        for (let m = 0; m < machines; m++) {
          for (let w = 0; w < workers; w++) seen.push(...shareOf(entries, { index: m, count: machines }, { index: w, count: workers }));
        }
        expect(seen.sort((a, b) => a - b)).toEqual(entries);
      }),
    );
  });

  it('keeps shares within one device of each other', () => {
    const sizes = [0, 1, 2, 3].map((w) => shareOf(Array.from({ length: 10 }, (_, i) => i), { index: 0, count: 1 }, { index: w, count: 4 }).length);
    expect(sizes).toEqual([3, 3, 2, 2]);
  });
});

describe('lending', () => {
  it('lends each device to one user at a time, round-robin, and again once given back', () => {
    const pool = new DevicePool([cs(1), cs(2)]);
    const a = pool.take();
    const b = pool.take();
    expect([a.connectionString, b.connectionString]).toEqual([cs(1), cs(2)]);
    expect(() => pool.take()).toThrow(expect.objectContaining({ kind: 'pool_exhausted' }));
    a.release();
    a.release(); // twice is harmless
    expect(pool.take().connectionString).toBe(cs(1));
    expect(() => pool.take()).toThrow(/all 2 devices of this worker are in use/);
  });

  it('says so when a worker got no device at all', () => {
    expect(() => new DevicePool([]).take()).toThrow(/got no device from the pool/);
  });
});
