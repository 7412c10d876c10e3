// The sign-in page: a one-click local session when the hub offers one, else a service connection
// string or a SharedAccessSignature token.
import { useConnectionString, useLocalSession, useToken } from '../auth.js';
import { h } from '../dom.js';

/** Renders the sign-in page; calls `done()` once signed in. */
export function renderSignIn(done) {
  const error = h('p', { class: 'error-text', role: 'alert' });
  const attempt = (button, action) => async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      await action();
      done();
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    } finally {
      button.disabled = false;
    }
  };

  const local = h('div', { class: 'form', hidden: true });
  const localButton = h('button', { type: 'button' }, 'Open local session');
  localButton.addEventListener('click', attempt(localButton, useLocalSession));
  local.append(localButton, h('p', { class: 'note' }, 'The hub hands this browser a service token because it runs on the same machine. Anyone on this machine can do the same.'), h('div', { class: 'or' }, 'or'));

  const secret = h('textarea', { id: 'credential', rows: 3, placeholder: 'HostName=…;SharedAccessKeyName=iothubowner;SharedAccessKey=…\nor SharedAccessSignature sr=…&sig=…&se=…&skn=iothubowner' });
  const signIn = h('button', { type: 'button' }, 'Sign in');
  signIn.addEventListener(
    'click',
    attempt(signIn, async () => {
      const text = secret.value.trim();
      if (text.startsWith('SharedAccessSignature ')) useToken(text);
      else await useConnectionString(text);
    }),
  );

  const hostLine = h('p', { class: 'muted' }, 'A local IoT Hub and Device Provisioning Service.');
  void fetch('/simhub/info')
    .then((response) => response.json())
    .then((info) => {
      hostLine.textContent = `A local IoT Hub and Device Provisioning Service at ${info.hostName}.`;
      local.hidden = !info.localSession;
    })
    .catch(() => undefined);

  const panel = h(
    'section',
    { class: 'panel signin' },
    h('header', {}, h('h1', {}, 'Sign in to sim-hub')),
    h(
      'div',
      { class: 'body' },
      hostLine,
      local,
      h('label', { for: 'credential' }, 'Service connection string or token', secret),
      h('div', { class: 'row' }, signIn),
      h('p', { class: 'note' }, 'The hub prints its service connection string when it starts (and writes it to connection-strings.json in its state folder). The key stays in this browser tab.'),
      error,
    ),
  );
  return panel;
}
