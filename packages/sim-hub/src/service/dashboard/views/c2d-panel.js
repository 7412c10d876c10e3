// Send a cloud-to-device message and follow what became of it.
import { api, identityPath } from '../api.js';
import { clock, h } from '../dom.js';
import { on, store } from '../store.js';

/** Badge style per outcome. */
const OUTCOME_STYLE = { pending: 'info', completed: 'ok', delivered: 'ok', expired: 'warn', purged: 'warn', 'hub-closed': 'bad' };
/** What each outcome means, for the badge's tooltip. */
const OUTCOME_TEXT = {
  pending: 'queued: waiting for the device to take it',
  completed: 'the device acknowledged it (PUBACK)',
  delivered: 'sent at QoS 0: nothing can acknowledge it',
  expired: 'its time to live ran out first',
  purged: 'the queue was purged or the device deleted',
  'hub-closed': 'the hub stopped first',
};

/** Message bodies sent from this page, by message id (the hub keeps outcomes, not bodies). */
const sentBodies = new Map();

/** `key=value` lines → `iothub-app-key` headers. */
function propertyHeaders(text) {
  const headers = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}" is not key=value`);
    headers[`iothub-app-${line.slice(0, eq).trim()}`] = line.slice(eq + 1).trim();
  }
  return headers;
}

/** Renders the C2D panel for a device. */
export function renderC2dPanel({ deviceId }) {
  const body = h('textarea', { id: 'c2d-body', rows: 3, spellcheck: 'false', placeholder: 'Message body' }, '');
  const properties = h('textarea', { id: 'c2d-properties', rows: 2, spellcheck: 'false', placeholder: 'priority=high' }, '');
  const ttl = h('input', { id: 'c2d-ttl', type: 'number', min: 1, max: 172800, value: 3600, 'aria-label': 'Time to live in seconds' });
  const send = h('button', { type: 'button', id: 'send-c2d' }, 'Send');
  const error = h('p', { class: 'error-text', role: 'alert' });
  const list = h('table', { id: 'c2d-list' });

  const draw = () => {
    const mine = [...store.deliveries.values()].filter((record) => record.deviceId === deviceId).reverse().slice(0, 20);
    list.replaceChildren(
      h('thead', {}, h('tr', {}, h('th', {}, 'Sent'), h('th', {}, 'Message'), h('th', {}, 'Outcome'))),
      h(
        'tbody',
        {},
        mine.length === 0
          ? h('tr', {}, h('td', { colspan: 3, class: 'muted' }, 'Nothing sent yet'))
          : mine.map((record) =>
              h(
                'tr',
                { dataset: { messageId: record.messageId } },
                h('td', { class: 'mono' }, clock(record.enqueuedTimeUtc)),
                h('td', {}, h('div', { class: 'mono' }, sentBodies.get(record.messageId) ?? ''), h('div', { class: 'muted mono' }, record.messageId)),
                h(
                  'td',
                  {},
                  h('span', { class: `badge ${OUTCOME_STYLE[record.outcome] ?? ''}`, title: OUTCOME_TEXT[record.outcome] ?? '', dataset: { outcome: record.outcome } }, record.outcome),
                  record.deliveryCount > 1 ? h('div', { class: 'muted' }, `${record.deliveryCount} deliveries`) : null,
                ),
              ),
            ),
      ),
    );
  };

  send.addEventListener('click', async () => {
    send.disabled = true;
    error.textContent = '';
    try {
      const expiry = new Date(Date.now() + Number(ttl.value) * 1000).toISOString();
      const record = await api('POST', `${identityPath('/devices', deviceId)}/messages/deviceBound`, {
        body: body.value,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'iothub-expiry': expiry, ...propertyHeaders(properties.value) },
      });
      sentBodies.set(record.messageId, body.value);
      store.deliveries.set(`${deviceId}\n${record.messageId}`, store.deliveries.get(`${deviceId}\n${record.messageId}`) ?? record);
      draw();
    } catch (failure) {
      error.textContent = failure.code ? `${failure.status} ${failure.code}: ${failure.message}` : failure.message;
    } finally {
      send.disabled = false;
    }
  });

  draw();
  const stop = on('deliveries', draw);
  const element = h(
    'section',
    { class: 'panel', id: 'c2d-panel' },
    h('header', {}, h('h2', {}, 'Cloud-to-device message')),
    h(
      'div',
      { class: 'body form' },
      h('label', {}, 'Body', body),
      h('div', { class: 'row' }, h('label', {}, 'Application properties (key=value per line)', properties), h('label', { class: 'narrow' }, 'TTL (s)', ttl)),
      h('div', { class: 'row' }, send),
      error,
    ),
    list,
  );
  return { element, dispose: stop };
}
