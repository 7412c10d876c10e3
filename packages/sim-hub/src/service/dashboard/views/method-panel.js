// Invoke a direct method and see the device's answer (or why there was none).
import { api, identityPath } from '../api.js';
import { h, jsonBlock, parseJsonInput } from '../dom.js';

/** Renders the direct-method panel for `{ deviceId, moduleId }`. */
export function renderMethodPanel({ deviceId, moduleId }) {
  const name = h('input', { id: 'method-name', value: 'reboot', spellcheck: 'false', 'aria-label': 'Method name' });
  const timeout = h('input', { id: 'method-timeout', type: 'number', min: 5, max: 300, value: 30, 'aria-label': 'Response timeout in seconds' });
  const payload = h('textarea', { id: 'method-payload', rows: 3, spellcheck: 'false' }, '{}');
  const invoke = h('button', { type: 'button', id: 'invoke-method' }, 'Invoke');
  const result = h('div', { class: 'result', id: 'method-result', 'aria-live': 'polite' });

  invoke.addEventListener('click', async () => {
    invoke.disabled = true;
    result.replaceChildren(h('span', { class: 'badge info' }, 'Waiting'), h('span', { class: 'muted' }, `for ${deviceId} to answer ${name.value}…`));
    const started = performance.now();
    try {
      const answer = await api('POST', `${identityPath('/twins', deviceId, moduleId)}/methods`, {
        json: { methodName: name.value.trim(), payload: parseJsonInput(payload.value, 'The payload'), responseTimeoutInSeconds: Number(timeout.value) },
      });
      const ms = Math.round(performance.now() - started);
      const ok = answer.status >= 200 && answer.status < 300;
      result.replaceChildren(
        h('span', { class: `badge ${ok ? 'ok' : 'warn'}`, dataset: { status: answer.status } }, `Status ${answer.status}`),
        h('span', { class: 'muted' }, `answered in ${ms} ms`),
        jsonBlock(answer.payload, { id: 'method-answer' }),
      );
    } catch (error) {
      const why = error.code === 'DeviceNotOnline' ? 'The device is not connected, or not subscribed to methods.' : error.code === 'GatewayTimeout' ? 'The device did not answer in time.' : error.message;
      result.replaceChildren(h('span', { class: 'badge bad' }, error.status ? `${error.status} ${error.code}` : 'Error'), h('span', { class: 'error-text' }, why));
    } finally {
      invoke.disabled = false;
    }
  });

  const element = h(
    'section',
    { class: 'panel', id: 'method-panel' },
    h('header', {}, h('h2', {}, 'Direct method')),
    h(
      'div',
      { class: 'body form' },
      h('div', { class: 'row' }, h('label', {}, 'Method name', name), h('label', { class: 'narrow' }, 'Timeout (s)', timeout)),
      h('label', {}, 'Payload (JSON)', payload),
      h('div', { class: 'row' }, invoke),
      result,
    ),
  );
  return { element, dispose: () => {} };
}
