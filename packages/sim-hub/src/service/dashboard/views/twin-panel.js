// The twin of one identity: desired, reported and tags side by side, and a patch editor.
import { api, identityPath } from '../api.js';
import { h, jsonBlock, parseJsonInput } from '../dom.js';
import { identityOf, on } from '../store.js';

/** A section without the members IoT Hub adds (`$version`, `$metadata`). */
function properties(section) {
  const { $version, $metadata, ...rest } = section ?? {};
  return rest;
}

/** Renders the twin panel for `{ deviceId, moduleId }`; returns `{ element, dispose }`. */
export function renderTwinPanel({ deviceId, moduleId }) {
  const desired = h('div', { id: 'twin-desired' });
  const reported = h('div', { id: 'twin-reported' });
  const tags = h('div', { id: 'twin-tags' });
  const versions = { desired: h('span', { class: 'badge' }), reported: h('span', { class: 'badge' }), twin: h('span', { class: 'badge' }) };
  const result = h('div', { class: 'result', id: 'twin-result' });

  const load = async () => {
    try {
      const twin = await api('GET', identityPath('/twins', deviceId, moduleId));
      desired.replaceChildren(jsonBlock(properties(twin.properties.desired)));
      reported.replaceChildren(jsonBlock(properties(twin.properties.reported)));
      tags.replaceChildren(jsonBlock(twin.tags ?? {}));
      versions.desired.textContent = `v${twin.properties.desired.$version}`;
      versions.reported.textContent = `v${twin.properties.reported.$version}`;
      versions.twin.textContent = `twin v${twin.version}`;
    } catch (error) {
      result.replaceChildren(h('span', { class: 'error-text' }, error.message));
    }
  };

  const target = h('select', { 'aria-label': 'What to patch' }, h('option', { value: 'desired' }, 'Desired properties'), h('option', { value: 'tags' }, 'Tags'));
  const editor = h('textarea', { id: 'desired-patch', rows: 4, spellcheck: 'false', placeholder: '{ "targetTemperature": 21 }' }, '');
  const apply = h('button', { type: 'button', id: 'apply-patch' }, 'Apply patch');
  apply.addEventListener('click', async () => {
    apply.disabled = true;
    result.replaceChildren();
    try {
      const patch = parseJsonInput(editor.value, 'The patch');
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw new Error('The patch must be a JSON object');
      const body = target.value === 'tags' ? { tags: patch } : { properties: { desired: patch } };
      const twin = await api('PATCH', identityPath('/twins', deviceId, moduleId), { json: body, headers: { 'If-Match': '*' } });
      const online = identityOf(deviceId, moduleId)?.connectionState === 'Connected';
      const message = target.value === 'tags'
        ? `Tags saved (twin v${twin.version})`
        : `Desired v${twin.properties.desired.$version} saved${online ? ' and sent to the device' : ' (the device is offline: it reads it when it next gets its twin)'}`;
      result.replaceChildren(h('span', { class: 'badge ok' }, 'Saved'), h('span', {}, message));
      await load();
    } catch (error) {
      result.replaceChildren(h('span', { class: 'badge bad' }, error.code ?? 'Error'), h('span', { class: 'error-text' }, error.message));
    } finally {
      apply.disabled = false;
    }
  });

  const versionKey = () => {
    const item = identityOf(deviceId, moduleId);
    return item === undefined ? '' : `${item.twinVersion}/${item.desiredVersion}/${item.reportedVersion}`;
  };
  let seen = versionKey();
  void load();
  // Reload when the device reports or anyone writes the twin (the feed carries every version).
  const stop = on('devices', () => {
    const key = versionKey();
    if (key === seen) return;
    seen = key;
    void load();
  });

  const element = h(
    'section',
    { class: 'panel', id: 'twin-panel' },
    h('header', {}, h('h2', {}, 'Twin'), versions.twin),
    h(
      'div',
      { class: 'body stack' },
      h(
        'div',
        { class: 'kv' },
        h('div', {}, h('h3', {}, 'Desired ', versions.desired), desired),
        h('div', {}, h('h3', {}, 'Reported ', versions.reported), reported),
        h('div', {}, h('h3', {}, 'Tags'), tags),
      ),
      h('div', { class: 'form' }, h('div', { class: 'row' }, h('label', {}, 'Patch', target)), editor, h('div', { class: 'row' }, apply), result),
    ),
  );
  return { element, dispose: stop };
}
