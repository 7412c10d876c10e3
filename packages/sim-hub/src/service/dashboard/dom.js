// Small DOM helpers: build elements from data (text is always set as text, never parsed as HTML).

/**
 * Creates an element: `h('button', { class: 'small', onclick }, 'Send')`.
 * Attributes starting with `on` become listeners; `false`/`null`/`undefined` attributes are skipped.
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...(Node | string | number | null | undefined | false | Array<Node | string>)} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children, flattening arrays and skipping empty values. */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : String(child));
  }
}

/** Pretty JSON for display. */
export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** A `<pre class="json">` block. */
export function jsonBlock(value, attributes = {}) {
  return h('pre', { class: 'json', ...attributes }, pretty(value));
}

/** `HH:MM:SS` of an ISO time. */
export function clock(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toTimeString().slice(0, 8);
}

/** "3 s ago", "5 min ago", or "never" for IoT Hub's zero time. */
export function ago(iso) {
  const time = Date.parse(iso);
  if (Number.isNaN(time) || iso.startsWith('0001-')) return 'never';
  const seconds = Math.max(0, Math.round((Date.now() - time) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** Parses JSON typed by a person; throws an Error that says where it went wrong. */
export function parseJsonInput(text, what) {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${error.message}`);
  }
}

/** Shows a short message in the corner for a few seconds. */
export function toast(message) {
  const element = h('div', { class: 'toast', role: 'status' }, message);
  document.body.append(element);
  setTimeout(() => element.remove(), 3500);
}

/** The `#/a/b` route as `['a', 'b']` (segments decoded). */
export function route() {
  return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}
