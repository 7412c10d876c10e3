// Live telemetry: a feed of records with their properties, for one identity or for all.
import { h, clock } from '../dom.js';
import { on, store } from '../store.js';

/** Records drawn at once (older ones stay in the store). */
const SHOWN = 200;

/** System properties worth a chip, by the name the hub decodes them to. */
const SYSTEM = ['messageId', 'correlationId', 'userId', 'contentType', 'contentEncoding', 'component', 'outputName', 'creationTimeUtc'];

/** The body, compact JSON when it is JSON. */
function bodyText(record) {
  try {
    return JSON.stringify(JSON.parse(record.body));
  } catch {
    return record.body;
  }
}

/** Chips for the record's system and application properties. */
function chips(record) {
  const system = SYSTEM.filter((name) => record.properties[name] !== undefined).map((name) => h('span', { class: 'chip system' }, `${name}=${record.properties[name]}`));
  const application = Object.entries(record.properties.application ?? {}).map(([name, value]) => h('span', { class: 'chip' }, value === null ? name : `${name}=${value}`));
  const flags = [record.qos === 0 ? 'qos0' : null, record.dup ? 'dup' : null, record.will ? 'will' : null].filter(Boolean).map((flag) => h('span', { class: 'chip' }, flag));
  const all = [...system, ...application, ...flags];
  return all.length === 0 ? null : h('div', { class: 'chips' }, all);
}

/** One feed line. */
function line(record, showWho) {
  const who = record.moduleId === undefined ? record.deviceId : `${record.deviceId}/${record.moduleId}`;
  return h(
    'li',
    { dataset: { sequence: record.sequence } },
    h('time', { datetime: record.enqueuedTimeUtc }, clock(record.enqueuedTimeUtc)),
    h('div', {}, showWho ? h('span', { class: 'who' }, who) : null, h('span', { class: 'body' }, bodyText(record)), chips(record)),
  );
}

/** A live feed, filtered by `matches`; `showWho` labels each line with its identity; `paused()` holds new lines back. */
export function renderTelemetryFeed(matches, showWho, paused = () => false) {
  const list = h('ul', { class: 'feed', 'aria-live': 'polite' });
  const empty = h('div', { class: 'empty' }, 'Waiting for telemetry…');
  const draw = () => {
    const records = store.telemetry.filter(matches).slice(0, SHOWN);
    list.replaceChildren(...records.map((record) => line(record, showWho)));
    empty.hidden = records.length > 0;
  };
  draw();
  const stop = on('telemetry', (items) => {
    if (paused()) return;
    const fresh = items.filter(matches);
    if (fresh.length === 0) return;
    list.prepend(...fresh.map((record) => line(record, showWho)));
    while (list.children.length > SHOWN) list.lastElementChild.remove();
    empty.hidden = true;
  });
  return { element: h('div', {}, empty, list), dispose: stop };
}

/** The Telemetry page: every identity's messages, filterable by device. */
export function renderTelemetryPage() {
  const filter = h('input', { placeholder: 'Filter by device id', 'aria-label': 'Filter by device id' });
  const skipped = h('span', { class: 'muted' });
  const holder = h('div', { class: 'page-feed' });
  const pause = h('button', { type: 'button', class: 'secondary small', 'aria-pressed': 'false' }, 'Pause');
  let paused = false;
  let feed;
  const mount = () => {
    feed?.dispose();
    const wanted = filter.value.trim();
    feed = renderTelemetryFeed((record) => wanted === '' || record.deviceId.includes(wanted), true, () => paused);
    holder.replaceChildren(feed.element);
  };
  pause.addEventListener('click', () => {
    paused = !paused;
    pause.textContent = paused ? 'Resume' : 'Pause';
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) mount();
  });
  filter.addEventListener('input', mount);
  mount();
  const showSkipped = () => (skipped.textContent = store.skipped > 0 ? `${store.skipped} records arrived too fast to show` : '');
  showSkipped();
  const stop = on('telemetry', showSkipped);
  const element = h(
    'section',
    { class: 'panel' },
    h('header', {}, h('h2', {}, 'Live telemetry'), skipped, h('span', { class: 'spacer' }), h('div', { class: 'row' }, filter, pause)),
    holder,
  );
  return {
    element,
    dispose: () => {
      feed?.dispose();
      stop();
    },
  };
}
