// The dashboard: sign in, follow the hub's live feed, show the page the URL hash names.
import { followEvents } from './api.js';
import { signedIn, signOut } from './auth.js';
import { route } from './dom.js';
import { applyEvent } from './store.js';
import { renderDevices } from './views/devices.js';
import { renderProvisioning } from './views/provisioning.js';
import { renderSignIn } from './views/signin.js';
import { renderTelemetryPage } from './views/telemetry.js';

const app = document.getElementById('app');
const nav = document.getElementById('nav');
const live = document.getElementById('live');
const signOutButton = document.getElementById('sign-out');
const hubName = document.getElementById('hub-name');

let feed;
let disposeView = () => {};

const LIVE_LABELS = { live: 'live', retrying: 'reconnecting…', unauthorized: 'signed out' };

/** Starts the live feed and the page router. */
function enter() {
  nav.hidden = false;
  live.hidden = false;
  signOutButton.hidden = false;
  feed = followEvents(
    (type, data) => {
      applyEvent(type, data);
      if (type === 'hello') hubName.textContent = `${data.hostName} · DPS ${data.idScope}`;
    },
    (state) => {
      live.className = `live ${state === 'live' ? 'on' : 'off'}`;
      live.querySelector('.live-label').textContent = LIVE_LABELS[state];
      if (state === 'unauthorized') leave();
    },
  );
  show();
}

/** Stops everything and shows the sign-in page. */
function leave() {
  feed?.stop();
  feed = undefined;
  signOut();
  disposeView();
  nav.hidden = true;
  live.hidden = true;
  signOutButton.hidden = true;
  hubName.textContent = '';
  app.replaceChildren(renderSignIn(enter));
}

/** Renders the page of the current route. */
function show() {
  if (feed === undefined) return;
  const [section = 'devices', ...rest] = route();
  disposeView();
  const view = section === 'telemetry' ? renderTelemetryPage() : section === 'provisioning' ? renderProvisioning() : renderDevices(rest);
  disposeView = view.dispose;
  app.replaceChildren(view.element);
  for (const link of nav.querySelectorAll('a')) link.classList.toggle('active', link.dataset.route === section);
}

signOutButton.addEventListener('click', leave);
window.addEventListener('hashchange', show);
if (signedIn()) enter();
else leave();
