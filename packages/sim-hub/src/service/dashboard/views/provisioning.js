// The Provisioning page: enrollments (individual and group) and the registrations DPS assigned.
import { api } from '../api.js';
import { clock, h, toast } from '../dom.js';
import { on, store } from '../store.js';
import { identityHref } from './devices.js';

/** A form that creates an enrollment and shows its key once. */
function renderEnrollForm(kind) {
  const id = h('input', { placeholder: kind === 'individual' ? 'registration-id' : 'group-id', 'aria-label': kind === 'individual' ? 'Registration id' : 'Enrollment group id' });
  const deviceId = h('input', { placeholder: 'device id (optional)', 'aria-label': 'Device id' });
  const button = h('button', { type: 'button', class: 'small' }, kind === 'individual' ? 'Add enrollment' : 'Add group');
  const output = h('div', { class: 'result' });
  button.addEventListener('click', async () => {
    const name = id.value.trim();
    if (name === '') return;
    button.disabled = true;
    try {
      const path = kind === 'individual' ? `/enrollments/${encodeURIComponent(name)}` : `/enrollmentGroups/${encodeURIComponent(name)}`;
      const body = kind === 'individual'
        ? { registrationId: name, ...(deviceId.value.trim() ? { deviceId: deviceId.value.trim() } : {}), attestation: { type: 'symmetricKey' } }
        : { enrollmentGroupId: name, attestation: { type: 'symmetricKey' } };
      const enrollment = await api('PUT', path, { json: body });
      output.replaceChildren(h('span', { class: 'badge ok' }, 'Created'), h('span', { class: 'muted' }, kind === 'individual' ? 'Device key' : 'Group key (derive each device key from it)'), h('code', { class: 'chip' }, enrollment.attestation.symmetricKey.primaryKey));
      id.value = '';
      deviceId.value = '';
    } catch (error) {
      toast(error.message);
    } finally {
      button.disabled = false;
    }
  });
  return h('div', { class: 'body form' }, h('div', { class: 'row' }, id, kind === 'individual' ? deviceId : null, button), output);
}

/** A table of the enrollments of one kind. */
function enrollmentTable(kind) {
  const rows = store.provisioning.enrollments.filter((enrollment) => enrollment.kind === kind);
  const remove = async (enrollment) => {
    const path = kind === 'individual' ? `/enrollments/${encodeURIComponent(enrollment.id)}` : `/enrollmentGroups/${encodeURIComponent(enrollment.id)}`;
    try {
      await api('DELETE', path, { headers: { 'If-Match': '*' } });
    } catch (error) {
      toast(error.message);
    }
  };
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, h('th', {}, kind === 'individual' ? 'Registration id' : 'Group'), kind === 'individual' ? h('th', {}, 'Device id') : null, h('th', {}, 'Attestation'), h('th', {}, 'Created'), h('th', {}))),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'None yet'))
        : rows.map((enrollment) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, enrollment.id),
              kind === 'individual' ? h('td', { class: 'mono' }, enrollment.deviceId ?? enrollment.id) : null,
              h('td', {}, enrollment.attestation === 'x509' ? 'X.509' : 'Symmetric key'),
              h('td', { class: 'mono' }, clock(enrollment.createdDateTimeUtc)),
              h('td', {}, h('button', { type: 'button', class: 'danger small', onclick: () => remove(enrollment) }, 'Delete')),
            ),
          ),
    ),
  );
}

/** The registrations DPS assigned, newest first. */
function registrationTable() {
  const rows = [...store.provisioning.registrations].reverse();
  return h(
    'table',
    { id: 'registrations' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Registration id'), h('th', {}, 'Device'), h('th', {}, 'Enrollment'), h('th', {}, 'Assigned hub'), h('th', {}, 'Assigned at'))),
    h(
      'tbody',
      {},
      rows.length === 0
        ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No device has registered yet'))
        : rows.map((record) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, record.registrationId),
              h('td', {}, h('a', { href: identityHref(record.deviceId) }, record.deviceId)),
              h('td', {}, record.enrollmentGroupId ? `group ${record.enrollmentGroupId}` : 'individual'),
              h('td', { class: 'mono' }, record.assignedHub),
              h('td', { class: 'mono' }, clock(record.lastUpdatedDateTimeUtc)),
            ),
          ),
    ),
  );
}

/** Renders the Provisioning page. */
export function renderProvisioning() {
  const individual = h('div', {});
  const groups = h('div', {});
  const registrations = h('div', {});
  const scope = h('span', { class: 'badge info' });
  const draw = () => {
    scope.textContent = `ID scope ${store.provisioning.idScope}`;
    individual.replaceChildren(enrollmentTable('individual'));
    groups.replaceChildren(enrollmentTable('group'));
    registrations.replaceChildren(registrationTable());
  };
  draw();
  const stop = on('provisioning', draw);
  const element = h(
    'div',
    { class: 'stack' },
    h('div', { class: 'row' }, h('h1', {}, 'Device Provisioning Service'), scope),
    h('section', { class: 'panel', id: 'registrations-panel' }, h('header', {}, h('h2', {}, 'Registrations')), registrations),
    h(
      'div',
      { class: 'grid-2' },
      h('section', { class: 'panel', id: 'individual-enrollments' }, h('header', {}, h('h2', {}, 'Individual enrollments')), individual, renderEnrollForm('individual')),
      h('section', { class: 'panel', id: 'enrollment-groups' }, h('header', {}, h('h2', {}, 'Enrollment groups')), groups, renderEnrollForm('group')),
    ),
  );
  return { element, dispose: stop };
}
