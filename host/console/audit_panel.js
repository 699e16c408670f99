// The audit tab: pages of the relay's audit trail (audit_query), newest
// loaded last, with filters by user, alert and action. Read-only: nothing in
// the protocol can change the trail. Every field goes in as text.
import { el, asText, formatTime } from './dom.js';

const PAGE = 200;

export class AuditPanel {
  constructor({ rows, more, form, user, alert, action }, request) {
    this.rows = rows;
    this.moreButton = more;
    this.inputs = { user, alert, action };
    this.request = request;
    this.after = 0;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.load();
    });
    more.addEventListener('click', () => this.load(this.after));
  }

  query(after) {
    const q = { type: 'audit_query', maxCount: PAGE, after };
    const user = this.inputs.user.value.trim();
    const alert = this.inputs.alert.value.trim();
    const action = this.inputs.action.value.trim();
    if (user) q.user = user;
    if (alert) q.alertId = alert;
    if (action) q.action = action;
    return q;
  }

  async load(after = 0) {
    const result = await this.request(this.query(after));
    const entries = Array.isArray(result?.entries) ? result.entries : [];
    const rows = entries.map((e) => el('tr', { class: `audit-${asText(e.outcome)}` },
      el('td', { class: 'time', text: formatTime(e.at) }),
      el('td', { text: asText(e.user) || '—' }),
      el('td', { text: asText(e.role) }),
      el('td', { text: asText(e.address) }),
      el('td', { class: 'action', text: asText(e.action) }),
      el('td', { text: asText(e.alertId) }),
      el('td', { class: 'outcome', text: asText(e.outcome) }),
      el('td', { class: 'detail', text: asText(e.detail) })));
    if (after === 0) this.rows.replaceChildren(...rows);
    else this.rows.append(...rows);
    if (entries.length) this.after = Number(entries[entries.length - 1].seq) || this.after;
    this.moreButton.hidden = result?.more !== true;
  }
}
