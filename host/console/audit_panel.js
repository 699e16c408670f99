// The audit tab: pages of the relay's audit trail (audit_query), newest
// loaded last, with filters by user, alert and action. Read-only: nothing in
// the protocol can change the trail. Every field goes in as text.
import { el, asText, formatTime } from './dom.js';

const PAGE = 200;

export class AuditPanel {
  // request(query) -> Promise of the result; failed(error) tells the user.
  constructor({ rows, more, form, user, alert, action }, request, failed) {
    this.rows = rows;
    this.moreButton = more;
    this.inputs = { user, alert, action };
    this.request = request;
    this.failed = failed;
    this.after = 0;
    this.filters = null;
    this.generation = 0;  // a page asked for before the latest Show is dropped
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.load();
    });
    more.addEventListener('click', () => this.load(this.after));
  }

  // The filters as typed, for a first page; the same again for the next ones.
  readFilters() {
    const f = {};
    const user = this.inputs.user.value.trim();
    const alert = this.inputs.alert.value.trim();
    const action = this.inputs.action.value.trim();
    if (user) f.user = user;
    if (alert) f.alertId = alert;
    if (action) f.action = action;
    return f;
  }

  // The first page (after = 0) with the filters as they are now, or the next one.
  async load(after = 0) {
    if (after === 0 || !this.filters) {
      this.filters = this.readFilters();
      ++this.generation;
    }
    const generation = this.generation;
    this.moreButton.disabled = true;
    let result;
    try {
      result = await this.request({ type: 'audit_query', maxCount: PAGE, after, ...this.filters });
    } catch (error) {
      if (generation === this.generation) this.failed?.(error);
      return;
    } finally {
      if (generation === this.generation) this.moreButton.disabled = false;
    }
    if (generation !== this.generation) return;
    const entries = Array.isArray(result?.entries) ? result.entries : [];
    const rows = entries.map((e) => el('tr', { class: `audit-${asText(e.outcome)}` },
      el('td', { class: 'time', text: formatTime(e.at),
                 title: Number.isFinite(e.at) && e.at > 0 ? new Date(e.at).toLocaleString() : null }),
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
