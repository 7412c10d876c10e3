// What the live feed has told us, and who wants to know when it changes.

/** Telemetry records kept in the page (newest first). */
const MAX_TELEMETRY = 500;

export const store = {
  /** `hello` of the feed: hostName, idScope. */
  hub: null,
  /** `{ total, items }`: every identity with connection state and twin versions. */
  devices: { total: 0, items: [] },
  /** `{ idScope, enrollments, registrations }`. */
  provisioning: { idScope: '', enrollments: [], registrations: [] },
  /** Telemetry records, newest first. */
  telemetry: [],
  /** Records the hub skipped sending because they came too fast. */
  skipped: 0,
  /** C2D sends by `deviceId\nmessageId`, in send order. */
  deliveries: new Map(),
};

const listeners = new Map();

/** Calls `listener` whenever `topic` changes; returns the function that stops it. */
export function on(topic, listener) {
  if (!listeners.has(topic)) listeners.set(topic, new Set());
  listeners.get(topic).add(listener);
  return () => listeners.get(topic)?.delete(listener);
}

function emit(topic, detail) {
  for (const listener of [...(listeners.get(topic) ?? [])]) listener(detail);
}

/** Applies one feed event. */
export function applyEvent(type, data) {
  switch (type) {
    case 'hello':
      store.hub = data;
      for (const record of data.deliveries) store.deliveries.set(`${record.deviceId}\n${record.messageId}`, record);
      emit('hub');
      emit('deliveries');
      break;
    case 'devices':
      store.devices = data;
      emit('devices');
      break;
    case 'provisioning':
      store.provisioning = data;
      emit('provisioning');
      break;
    case 'telemetry':
      store.telemetry = [...data.items.reverse(), ...store.telemetry].slice(0, MAX_TELEMETRY);
      store.skipped += data.skipped;
      emit('telemetry', data.items);
      break;
    case 'delivery':
      store.deliveries.set(`${data.deviceId}\n${data.messageId}`, data);
      emit('deliveries', data);
      break;
    default:
      break;
  }
}

/** The device-list entry of an identity, or undefined. */
export function identityOf(deviceId, moduleId) {
  return store.devices.items.find((item) => item.deviceId === deviceId && item.moduleId === moduleId);
}
