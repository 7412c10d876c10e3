// One device (or module): its state and keys, its twin, live telemetry, a method and a C2D message.
import { api, identityPath } from '../api.js';
import { ago, clock, h, toast } from '../dom.js';
import { identityOf, on, store } from '../store.js';
import { renderC2dPanel } from './c2d-panel.js';
import { renderMethodPanel } from './method-panel.js';
import { renderTelemetryFeed } from './telemetry.js';
import { renderTwinPanel } from './twin-panel.js';
import { stateBadge } from './devices.js';

/** The heading: name, state, facts, and the connection string on request. */
function renderHead(selection) {
  const { deviceId, moduleId } = selection;
  const badge = h('span', {});
  const facts = h('div', { class: 'facts' });
  const secret = h('input', { readonly: true, id: 'connection-string', 'aria-label': 'Connection string' });
  const draw = () => {
    const item = identityOf(deviceId, moduleId);
    if (item === undefined) {
      badge.replaceChildren(h('span', { class: 'badge bad' }, 'Not registered'));
      facts.replaceChildren();
      return;
    }
    const connected = item.connectionState === 'Connected';
    badge.replaceChildren(stateBadge(item));
    const parts = [
      h('span', {}, connected ? 'Connected at ' : 'Disconnected at ', h('b', {}, item.connectionStateUpdatedTime.startsWith('0001-') ? 'never' : clock(item.connectionStateUpdatedTime))),
      connected ? h('span', {}, 'Over ', h('b', {}, item.transport)) : null,
      h('span', {}, 'Last activity ', h('b', {}, ago(item.lastActivityTime))),
      h('span', {}, 'C2D queued ', h('b', {}, String(item.cloudToDeviceMessageCount))),
      h('span', {}, 'Auth ', h('b', {}, item.authenticationType === 'sas' ? 'SAS key' : 'X.509')),
      item.modelId ? h('span', {}, 'Model ', h('b', {}, item.modelId)) : null,
    ];
    facts.replaceChildren(...parts.filter(Boolean));
  };
  draw();
  const stops = [on('devices', draw)];
  const ticker = setInterval(draw, 5000);

  const show = h('button', { type: 'button', class: 'secondary small' }, 'Connection string');
  show.addEventListener('click', async () => {
    try {
      const identity = await api('GET', identityPath('/devices', deviceId, moduleId));
      const key = identity.authentication.symmetricKey.primaryKey;
      const host = store.hub?.hostName ?? '';
      secret.value = `HostName=${host};DeviceId=${deviceId}${moduleId === undefined ? '' : `;ModuleId=${moduleId}`};${key ? `SharedAccessKey=${key}` : 'x509=true'}`;
      element.lastElementChild.hidden = false;
      secret.select();
    } catch (error) {
      toast(error.message);
    }
  });
  const remove = h('button', { type: 'button', class: 'danger small' }, 'Delete');
  remove.addEventListener('click', async () => {
    if (!confirm(`Delete ${moduleId ?? deviceId}? Its connection is closed and its twin is lost.`)) return;
    try {
      await api('DELETE', identityPath('/devices', deviceId, moduleId), { headers: { 'If-Match': '*' } });
      location.hash = '#/devices';
    } catch (error) {
      toast(error.message);
    }
  });

  const element = h(
    'section',
    { class: 'panel' },
    h(
      'div',
      { class: 'device-head' },
      h('div', { class: 'title' }, h('div', { class: 'row' }, h('h1', { id: 'device-title' }, moduleId === undefined ? deviceId : `${deviceId} / ${moduleId}`), badge), facts),
      h('div', { class: 'actions' }, show, remove),
    ),
    h('div', { class: 'body', hidden: true }, secret),
  );
  return {
    element,
    dispose: () => {
      stops.forEach((stop) => stop());
      clearInterval(ticker);
    },
  };
}

/** Renders the page of `selection` into `container`; returns its dispose function. */
export function renderDevice(container, selection) {
  const { deviceId, moduleId } = selection;
  const head = renderHead(selection);
  const twin = renderTwinPanel(selection);
  const telemetry = renderTelemetryFeed((record) => record.deviceId === deviceId && record.moduleId === moduleId, false);
  const method = renderMethodPanel(selection);
  const c2d = moduleId === undefined ? renderC2dPanel(selection) : undefined;
  const parts = [head, twin, telemetry, method, c2d].filter(Boolean);
  container.replaceChildren(
    head.element,
    h(
      'div',
      { class: 'device-grid' },
      h('div', { class: 'stack' }, twin.element, method.element),
      h(
        'div',
        { class: 'stack' },
        h('section', { class: 'panel', id: 'telemetry-panel' }, h('header', {}, h('h2', {}, 'Live telemetry')), telemetry.element),
        c2d?.element ?? h('section', { class: 'panel' }, h('div', { class: 'body muted' }, 'Modules receive messages on their inputs through edge routing, not cloud-to-device messages.')),
      ),
    ),
  );
  return () => parts.forEach((part) => part.dispose());
}
