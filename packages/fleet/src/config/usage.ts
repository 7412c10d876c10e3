/** The `--help` text. */
export const USAGE = `hubwire-fleet — simulate many IoT Hub devices in one process

Usage: hubwire-fleet [options]

Devices
  --devices N              how many devices (default 10)
  --id-pattern P           device ids, {n} or {n:05} the number (default sim-{n:05})
  --start N                first device number (default 0); instances with disjoint ranges never collide
Hub and identities (default: an embedded simulated hub that registers the devices itself)
  --embedded-dps           with the embedded hub: register every device through its DPS (group enrollment)
  --connection-strings F   device connection strings: the simulated hub's connection-strings.json or one per line
  --dps-id-scope S         register through DPS with a group key (with --dps-group-key, --dps-host)
  --dps-group-key K        the group enrollment's key (each device key is derived from it)
  --dps-host H[:PORT]      DPS endpoint (default global.azure-devices-provisioning.net)
  --service-connection-string CS   create the devices through the IoT Hub REST API (iothubowner policy)
  --service-url URL        REST endpoint when not https://HostName (e.g. a local hub's HTTPS port)
  --hub H[:PORT]           where sockets go instead of the identities' host
  --transport T            tls (default: MQTT over TLS), wss (MQTT over WebSocket over TLS), tcp, ws (no TLS)
  --ca FILE                trust these PEM certificates instead of the system's
  --source-addresses LIST  connect from these addresses in turn, e.g. 127.0.0.2-127.0.0.9 (TCP, TLS)
  --in-process             no sockets: every engine talks to an in-process hub through memory
Load
  --connect-rate N         connections opened per second (default 50; 0 = unlimited)
  --max-connecting N       connections opening at once, at most (default 100; 0 = unlimited)
  --rate N                 telemetry messages per second per device (default 1; 0 = none)
  --size BYTES             body size, padded with spaces (e.g. 200, 16k)
  --payload T              body template: {id} {n} {seq} {now} {rand:18-26}
  --qos 0|1                telemetry QoS (default 1)
  --inflight N             QoS 1 messages awaiting PUBACK per device (default 16)
  --duration D             run the whole fleet for D once the ramp is done (e.g. 20s, 5m; default 30s unless --messages)
  --messages N             stop after N messages per device (all acknowledged)
  --drain D                after --duration: stop sending, wait up to D for outstanding PUBACKs (default 5s)
  --keep-alive S           MQTT keep-alive seconds (default 240)
Behaviour
  --twin-report            answer every desired patch with a reported patch (value, ac 200, av version)
  --method-status N        status returned for direct methods (default 200)
  --method-delay D         wait before answering a method (default 0ms)
  --service-rate N         embedded hub: N desired patches and N method calls per second on random devices
Output
  --report FILE            HTML report (default hubwire-fleet-report.html)
  --summary-json FILE      the summary as JSON too
  --metrics-port N         serve Prometheus metrics on http://127.0.0.1:N/metrics while running
  --metrics-host H         address for --metrics-port (default 127.0.0.1)
  --progress MODE          auto (default), line, log or none
  --log-interval D         period of the plain log (default 5s)
  --connect-timeout D      give up when the first device cannot connect in D (default 15s)
  -h, --help               this text
`;
