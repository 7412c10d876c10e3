import { describe, expect, it } from 'vitest';
import { FleetConfigError } from './config-error.ts';
import { parseFlags } from './flags.ts';
import { idPattern } from './id-pattern.ts';
import { PayloadTemplate } from './payload-template.ts';
import { parseDuration, parseSize } from './units.ts';

describe('fleet flags', () => {
  it('reads the acceptance command with its defaults', () => {
    const config = parseFlags(['--devices', '2000', '--duration', '20s']);
    expect(config).toMatchObject({ devices: 2000, durationMs: 20_000, drainMs: 5000, transport: 'tls', qos: 1, inflight: 16, start: 0, source: { kind: 'embedded', dps: false } });
    expect(parseFlags(['--duration', '5s', '--drain', '0'])).toMatchObject({ durationMs: 5000, drainMs: 0 });
  });

  it('names the flag and what it wants for every mistake', () => {
    const cases: [string[], RegExp][] = [
      [['--devices=-3'], /--devices: "-3" must be an integer from 1/],
      [['--devices', '2.5'], /--devices: "2.5" must be an integer from 1/],
      [['--qos', '2'], /--qos: "2" must be an integer from 0 to 1/],
      [['--duration', 'soon'], /--duration: "soon" is not a duration/],
      [['--drain=soon'], /--drain: "soon" is not a duration/],
      [['--transport', 'udp'], /--transport: "udp" must be one of tls, wss, tcp, ws/],
      [['--id-pattern', 'dev'], /--id-pattern: "dev" needs \{n\}/],
      [['--id-pattern', 'a b {n}'], /not a valid device id/],
      [['--size', '300k'], /over IoT Hub's 256 KB/],
      [['--dps-id-scope', '0ne0001'], /needs both --dps-id-scope and --dps-group-key/],
      [['--in-process', '--connection-strings', 'x.json'], /--in-process simulates its own hub/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
      [['--source-addresses', '127.0.0.9-127.0.0.2'], /--source-addresses: "127.0.0.9-127.0.0.2" must be an IPv4 address or a range/],
      [['--ca', '/nonexistent/ca.pem'], /--ca: cannot read \/nonexistent\/ca.pem \(ENOENT\)/],
    ];
    for (const [argv, message] of cases) {
      expect(() => parseFlags(argv), argv.join(' ')).toThrow(FleetConfigError);
      expect(() => parseFlags(argv), argv.join(' ')).toThrow(message);
    }
  });

  it('makes ids from a pattern so disjoint --start ranges never share one', () => {
    const format = idPattern('sim-{n:05}');
    expect([format(0), format(1000), format(123456)]).toEqual(['sim-00000', 'sim-01000', 'sim-123456']);
    const first = new Set(Array.from({ length: 100 }, (_, i) => format(0 + i)));
    const second = Array.from({ length: 100 }, (_, i) => format(100 + i));
    expect(second.some((id) => first.has(id))).toBe(false);
  });

  it('reads source addresses as lists and ranges', () => {
    expect(parseFlags(['--source-addresses', '127.0.0.2-127.0.0.4,10.0.0.7'])).toMatchObject({ sourceAddresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '10.0.0.7'] });
    expect(parseFlags(['--source-addresses', '127.0.0.5-7'])).toMatchObject({ sourceAddresses: ['127.0.0.5', '127.0.0.6', '127.0.0.7'] });
  });

  it('reads durations and sizes as typed', () => {
    expect([parseDuration('500ms', 'x'), parseDuration('20s', 'x'), parseDuration('2m', 'x'), parseDuration('3', 'x')]).toEqual([500, 20_000, 120_000, 3000]);
    expect([parseSize('200', 'x'), parseSize('16k', 'x'), parseSize('256KiB', 'x')]).toEqual([200, 16_384, 262_144]);
  });

  it('renders payload templates, padding to --size and sharing bytes when nothing varies', () => {
    const varying = new PayloadTemplate('{"id":"{id}","n":{n},"seq":{seq},"t":{rand:20-30}}', 64, () => 0.5);
    const body = new TextDecoder().decode(varying.render('sim-7', 7, 3));
    expect(body).toHaveLength(64);
    expect(JSON.parse(body)).toEqual({ id: 'sim-7', n: 7, seq: 3, t: 25 });
    const fixed = new PayloadTemplate('{"ok":true}', 0, Math.random);
    expect(fixed.isShared).toBe(true);
    expect(fixed.render('a', 1, 1)).toBe(fixed.render('b', 2, 2));
  });
});
