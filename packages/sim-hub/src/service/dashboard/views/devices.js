// The Devices page: every identity in a list beside the selected one (or an overview of all).
import { api, identityPath } from '../api.js';
import { ago, h, toast } from '../dom.js';
import { on, store } from '../store.js';
import { renderDevice } from './device.js';

/** `#/devices/{d}[/modules/{m}]` → the identity it names, or undefined. */
function selectionOf(rest) {
  if (rest.length === 0) return undefined;
  return { deviceId: rest[0], moduleId: rest[1] === 'modules' ? rest[2] : undefined };
}

/** The link of an identity. */
export function identityHref(deviceId, moduleId) {
  return `#${identityPath('/devices', deviceId, moduleId)}`;
}

/** A "Connected" / "Disconnected" badge. */
export function stateBadge(item) {
  const connected = item?.connectionState === 'Connected';
  return h('span', { class: `badge ${connected ? 'ok' : ''}`, dataset: { state: connected ? 'connected' : 'disconnected' } }, h('span', { class: `state-dot ${connected ? 'connected' : ''}` }), connected ? 'Connected' : 'Disconnected');
}

/** The side list of identities, modules under their device. */
function renderList(list, selection) {
  const items = store.devices.items.map((item) => {
    const active = selection !== undefined && item.deviceId === selection.deviceId && item.moduleId === selection.moduleId;
    const connected = item.connectionState === 'Connected';
    return h(
      'li',
      { class: item.moduleId === undefined ? '' : 'module' },
      h(
        'a',
        { href: identityHref(item.deviceId, item.moduleId), class: active ? 'active' : '', dataset: { deviceId: item.deviceId, moduleId: item.moduleId ?? '' } },
        h('span', { class: `state-dot ${connected ? 'connected' : ''}`, title: item.connectionState }),
        h('span', { class: 'name' }, item.moduleId ?? item.deviceId),
        h('span', { class: 'meta' }, connected ? item.transport : ''),
      ),
    );
  });
  list.replaceChildren(...(items.length > 0 ? items : [h('li', { class: 'empty' }, 'No devices yet')]));
}

/** The form that registers a device with generated keys. */
function renderAddDevice() {
  const input = h('input', { placeholder: 'new-device-id', 'aria-label': 'New device id' });
  const button = h('button', { type: 'button', class: 'small' }, 'Add');
  const add = async () => {
    const deviceId = input.value.trim();
    if (deviceId === '') return;
    button.disabled = true;
    try {
      await api('PUT', identityPath('/devices', deviceId), { json: { deviceId } });
      input.value = '';
      location.hash = identityHref(deviceId);
    } catch (error) {
      toast(error.message);
    } finally {
      button.disabled = false;
    }
  };
  button.addEventListener('click', add);
  input.addEventListener('keydown', (event) => event.key === 'Enter' && add());
  return h('div', { class: 'add-device' }, input, button);
}

/** Cards of every device when none is selected. */
function renderOverview(container) {
  const draw = () => {
    const devices = store.devices.items.filter((item) => item.moduleId === undefined);
    const connected = devices.filter((item) => item.connectionState === 'Connected').length;
    container.replaceChildren(
      h('div', { class: 'row' }, h('h1', {}, 'Devices'), h('span', { class: 'muted' }, `${connected} of ${store.devices.total} connected`)),
      devices.length === 0
        ? h('div', { class: 'panel empty' }, 'No devices registered. Add one on the left, provision one through DPS, or start the hub with --device.')
        : h(
            'div',
            { class: 'cards' },
            devices.map((item) =>
              h(
                'a',
                { class: 'panel card', href: identityHref(item.deviceId) },
                h('div', { class: 'line' }, h('h2', {}, item.deviceId)),
                h('div', { class: 'line' }, stateBadge(item), item.transport ? h('span', { class: 'badge' }, item.transport) : null),
                h('div', { class: 'facts' }, h('span', {}, 'Active ', h('b', {}, ago(item.lastActivityTime))), h('span', {}, 'Twin ', h('b', {}, `v${item.twinVersion}`))),
              ),
            ),
          ),
    );
  };
  draw();
  const stop = on('devices', draw);
  const ticker = setInterval(draw, 5000);
  return () => {
    stop();
    clearInterval(ticker);
  };
}

/** Renders the Devices page for the route segments after `devices`. */
export function renderDevices(rest) {
  const selection = selectionOf(rest);
  const list = h('ul', { class: 'device-list', id: 'device-list' });
  const main = h('div', { class: 'stack' });
  const count = h('span', { class: 'muted' });
  const drawList = () => {
    renderList(list, selection);
    count.textContent = String(store.devices.total);
  };
  drawList();
  const stops = [on('devices', drawList)];
  stops.push(selection === undefined ? renderOverview(main) : renderDevice(main, selection));
  const element = h(
    'div',
    { class: 'layout' },
    h('aside', { class: 'panel' }, h('header', {}, h('h2', {}, 'Devices'), count), list, renderAddDevice()),
    main,
  );
  return { element, dispose: () => stops.forEach((stop) => stop()) };
}
