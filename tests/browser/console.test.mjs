// The operator console in real headless Chromium against a real alert-relay
// and real rover-sims: sign-in, live alerts, acknowledgement across consoles,
// roles, rendering hostile text, sound, and a relay crash and restart under
// an open page. Run by CTest (console_browser_test); needs ALERT_RELAY,
// ROVER_SIM, and Chromium (CHROMIUM, default /usr/bin/chromium).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { Relay, TOKENS, Workspace, runRover } from './processes.mjs';

const ARTIFACTS = process.env.BROWSER_ARTIFACTS || join(process.cwd(), 'browser-artifacts');
const VIEWPORT = { width: 1280, height: 720 };

let workspace;
let relay;
let browser;
const pages = [];
const problems = [];  // uncaught exceptions and CSP violations, from every page

async function openConsole(origin = relay.origin, { fakeClock = false } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  if (fakeClock) await page.clock.install();
  page.setDefaultTimeout(10000);
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  if (process.env.CONSOLE_TEST_VERBOSE) {
    page.on('websocket', (socket) => {
      socket.on('framesent', (frame) => console.log('>', frame.payload));
      socket.on('framereceived', (frame) => console.log('<', frame.payload));
    });
    page.on('console', (message) => console.log('console:', message.text()));
  }
  await page.goto(`${origin}/`);
  pages.push(page);
  return page;
}

async function closeConsole(page) {
  pages.splice(pages.indexOf(page), 1);
  await page.context().close();
}

async function signIn(page, token) {
  await page.fill('#token', token);
  await page.click('#signin-button');
  await waitForData(page, 'conn', 'connected');
}

async function waitForData(page, name, value, timeout = 10000) {
  await page.waitForFunction(([n, v]) => document.documentElement.dataset[n] === v, [name, value], { timeout });
}

// The table row of `title` raised by `rover`.
function row(page, title, rover) {
  let rows = page.locator('#alert-rows tr').filter({ has: page.locator('.title', { hasText: title }) });
  if (rover) rows = rows.filter({ has: page.locator('.rover', { hasText: rover }) });
  return rows;
}

// In the page: a raw WebSocket to its own relay, signed in with `token`,
// sending `request`; resolves with the relay's answer.
function rawRequest(page, token, request) {
  return page.evaluate(({ token, request }) => new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${location.host}/ws`);
    const timer = setTimeout(() => reject(new Error('no answer')), 5000);
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token }));
    socket.onerror = () => reject(new Error('WebSocket error'));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === 'welcome') socket.send(JSON.stringify({ ...request, reqId: 'forged' }));
      else if (message.type === 'response' || message.type === 'error') {
        clearTimeout(timer);
        socket.close();
        resolve(message);
      }
    };
  }), { token, request });
}

// Floods over 10 alarms in 2 s (short enough to see one start and end); only
// operators and admins may acknowledge, as ISA-18.2 sites have it; shelves of
// 3 s (warned 2 s before their end) and critical alerts escalated after 2 s
// unacknowledged (the config file, written by before()).
let RELAY_ARGS = ['--flood', '10/5', '--alarm-window', '2', '--ack-roles', 'operator,admin',
  '--shelve-presets', '3,60', '--shelve-max', '60', '--shelve-warning', '2'];

describe('operator console', () => {
  let operator;
  let viewer;
  let colleague;  // a second operator

  before(async () => {
    workspace = new Workspace(['rover-1', 'rover-2']);
    const config = join(workspace.dir, 'relay.json');
    writeFileSync(config, JSON.stringify({ escalation: { policies: { critical: { afterSeconds: 2, maxEscalations: 1 } } } }));
    RELAY_ARGS = [...RELAY_ARGS, '--config', config];
    relay = await Relay.start(workspace, { args: RELAY_ARGS });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
    });
  });

  after(async () => {
    if (browser) await browser.close();
    if (relay) await relay.stop();
    if (workspace) workspace.remove();
  });

  it('refuses a bad token and signs in with a good one', async () => {
    operator = await openConsole();
    assert.equal(await operator.isVisible('#app'), false);
    await operator.fill('#token', 'not-a-token');
    await operator.click('#signin-button');
    await operator.locator('#signin-error').filter({ hasText: /refused|token/i }).waitFor();
    assert.equal(await operator.isVisible('#signin'), true);
    assert.equal(await operator.evaluate(() => sessionStorage.length), 0);

    await signIn(operator, TOKENS.operator);
    assert.equal(await operator.textContent('#who'), 'oscar · operator');
    assert.equal(await operator.isVisible('#signin'), false);
  });

  it('shows the alerts rover-sim raises, sorted, with the rovers panel and a chime', async () => {
    // Two rounds of the scenario on rover-1 (each alert raised twice), one on rover-2.
    await Promise.all([runRover(workspace, relay, 'rover-1', 10), runRover(workspace, relay, 'rover-2', 5)]);
    for (const title of ['Emergency Stop', 'Battery Low', 'Motor Over-Temperature', 'Comms Degraded']) {
      await row(operator, title, 'rover-1').waitFor();
      await row(operator, title, 'rover-2').waitFor();
    }
    const battery = row(operator, 'Battery Low', 'rover-1');
    assert.equal(await battery.locator('td.num').textContent(), '2');
    assert.match(await battery.locator('td.action').textContent(), /Return to Base/);
    assert.match(await battery.locator('td.message').textContent(), /^Battery at \d+%: return to base recommended/);

    // Unacknowledged first, then by priority: the critical ones lead.
    const priorities = await operator.locator('#alert-rows tr .badge').allTextContents();
    assert.deepEqual(priorities.slice(0, 2), ['critical', 'critical']);
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    for (let i = 1; i < priorities.length; ++i) {
      assert.ok(order.indexOf(priorities[i - 1]) <= order.indexOf(priorities[i]), priorities.join(','));
    }
    // New high alerts arrived live: chimed.
    assert.ok(Number(await operator.evaluate(() => document.documentElement.dataset.chimes)) >= 1);
    // get_stats every few seconds: both rovers, and the alerts by priority.
    await operator.locator('#rovers li[data-rover="rover-2"]').waitFor();
    assert.match(await operator.locator('#stats').textContent(), /Clients/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await operator.screenshot({ path: join(ARTIFACTS, 'console.png') });
  });

  it('sounds the critical alarm until every critical alert is acknowledged; mute shows and ends', async () => {
    await waitForData(operator, 'alarm', 'critical');
    assert.equal(await operator.isVisible('#banner'), true);
    assert.match(await operator.textContent('#banner'), /2 critical alerts not acknowledged/);

    await operator.locator('body').press('m');
    await waitForData(operator, 'alarm', 'muted');
    assert.match(await operator.textContent('#mute'), /^Muted [45]:\d\d$/);
    await operator.locator('body').press('m');
    await waitForData(operator, 'alarm', 'critical');

    // A mute runs out by itself: another console, on a fake clock five minutes on.
    const muter = await openConsole(relay.origin, { fakeClock: true });
    await signIn(muter, TOKENS.viewer);
    await waitForData(muter, 'alarm', 'critical');
    await muter.click('#mute');
    await waitForData(muter, 'alarm', 'muted');
    await muter.clock.fastForward('05:01');
    await waitForData(muter, 'alarm', 'critical');
    assert.equal(await muter.textContent('#mute'), 'Mute');
    await closeConsole(muter);

    // Select both emergency stops from the keyboard (Home: the first row, the
    // latest raise), acknowledge them together with a comment; muted meanwhile.
    await operator.locator('body').press('m');
    await waitForData(operator, 'alarm', 'muted');
    await operator.locator('body').press('Home');
    await operator.locator('body').press('x');
    await operator.locator('body').press('j');
    await operator.locator('body').press('x');
    assert.equal(await operator.textContent('#bulk-ack'), 'Ack selected (2)');
    await operator.locator('body').press('Shift+A');
    await operator.fill('#comment', 'crew inspecting bumpers');
    await operator.locator('#comment').press('Enter');
    await waitForData(operator, 'alarm', 'muted');
    await operator.locator('body').press('m');
    await waitForData(operator, 'alarm', 'off');
    assert.equal(await operator.isVisible('#banner'), false);
    const estop = row(operator, 'Emergency Stop', 'rover-1');
    await estop.locator('td.acked', { hasText: 'oscar' }).waitFor();
    assert.equal(await estop.locator('td.acked .comment').textContent(), 'crew inspecting bumpers');
    assert.match(await estop.locator('.state').textContent(), /acked/);
  });

  it('shows an acknowledgement made in one console in another within a second', async () => {
    viewer = await openConsole();
    await signIn(viewer, TOKENS.viewer);
    const seen = row(viewer, 'Battery Low', 'rover-2');
    await seen.waitFor();
    assert.equal(await seen.locator('td.acked').textContent(), '');

    await row(operator, 'Battery Low', 'rover-2').locator('button.ack').click();
    await operator.locator('#confirm[open]').waitFor();
    const started = Date.now();
    await operator.click('#confirm-ok');
    await seen.locator('td.acked', { hasText: 'oscar' }).waitFor({ timeout: 1000 });
    assert.ok(Date.now() - started < 1000);
  });

  it('shows a viewer no clear or ack button, refuses what is forged from the page, clears for an operator', async () => {
    assert.ok(await operator.locator('#alert-rows button.clear').count() > 0);
    assert.ok(await operator.locator('#alert-rows button.ack').count() > 0);
    assert.equal(await viewer.locator('#alert-rows button.clear').count(), 0);
    // --ack-roles operator,admin: the relay's welcome says a viewer may not acknowledge.
    assert.equal(await viewer.locator('#alert-rows button.ack').count(), 0);
    assert.equal(await viewer.locator('#bulk-ack').isVisible(), false);
    const id = await row(viewer, 'Comms Degraded', 'rover-1').getAttribute('data-id');
    const answer = await rawRequest(viewer, TOKENS.viewer, { type: 'alert_clear', ids: [id] });
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, 'FORBIDDEN');
    const ack = await rawRequest(viewer, TOKENS.viewer, { type: 'alert_ack', alertId: id });
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, 'FORBIDDEN');
    await row(viewer, 'Comms Degraded', 'rover-1').waitFor();  // still there

    // An operator may: the row goes from both consoles.
    await row(operator, 'Comms Degraded', 'rover-1').locator('button.clear').click();
    await operator.click('#confirm-ok');
    await row(viewer, 'Comms Degraded', 'rover-1').waitFor({ state: 'detached' });
    await row(operator, 'Comms Degraded', 'rover-1').waitFor({ state: 'detached' });
  });

  it('renders markup in alert fields as text and runs none of it', async () => {
    const title = '<img src=x onerror="window.__pwned=1">';
    const message = '<script>window.__pwned=2</script><b>bold?</b>';
    const created = await rawRequest(viewer, TOKENS.admin, {
      type: 'alert_create', priority: 'high', source: 'ground-test', title, message,
      metadata: { note: '<svg onload="window.__pwned=3">' },
    });
    assert.equal(created.ok, true, JSON.stringify(created));
    for (const page of [operator, viewer]) {
      const hostile = page.locator(`#alert-rows tr[data-id="${created.result.alertId}"]`);
      await hostile.waitFor();
      assert.equal(await hostile.locator('td.title').textContent(), title);
      assert.match(await hostile.locator('td.message').textContent(), /^<script>window.__pwned=2<\/script><b>bold\?<\/b>/);
      assert.equal(await page.locator('#alert-rows img, #alert-rows script, #alert-rows svg, #alert-rows b').count(), 0);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
    }
  });

  it('announces an alarm flood with its first-out alarm, and its end', async () => {
    // A quiet window first, so the flood's first alarm is the one raised here.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await waitForData(operator, 'flood', 'off').catch(() => {});  // never flooded: no dataset yet
    assert.notEqual(await operator.evaluate(() => document.documentElement.dataset.flood), 'on');
    for (let i = 0; i < 11; ++i) {
      const created = await rawRequest(operator, TOKENS.admin, {
        type: 'alert_create', priority: i === 0 ? 'high' : 'low', source: 'ground-flood',
        title: i === 0 ? 'Cascade start' : `Cascade ${i}`, message: 'flood',
      });
      assert.equal(created.ok, true, JSON.stringify(created));
    }
    for (const page of [operator, viewer]) {
      await waitForData(page, 'flood', 'on');
      const banner = page.locator('#flood-banner');
      assert.equal(await banner.isVisible(), true);
      assert.match(await banner.textContent(), /Alarm flood: 11 alarms .*First out: Cascade start \(high\)/);
    }
    // Nothing more: the 2 s window empties and every console hears the end.
    for (const page of [operator, viewer]) {
      await waitForData(page, 'flood', 'off', 8000);
      assert.equal(await page.locator('#flood-banner').isVisible(), false);
    }
  });

  it('escalates, shelves with a reason and a countdown, warns, brings it back; out of service; the audit tab', async () => {
    const created = await rawRequest(operator, TOKENS.admin,
      { type: 'alert_create', priority: 'critical', source: 'pump', title: 'Pump stalled', message: 'no flow' });
    assert.equal(created.ok, true, JSON.stringify(created));
    const pump = row(operator, 'Pump stalled');
    await pump.waitFor();
    await waitForData(operator, 'alarm', 'critical');
    // Left unacknowledged past the policy: escalated on every console, with sound.
    for (const page of [operator, viewer]) {
      await waitForData(page, 'escalated', '1', 10000);
      assert.match(await page.textContent('#escalation-banner'), /Escalated.*level 1 of 1.*Pump stalled \(critical\)/);
      assert.ok(Number(await page.evaluate(() => document.documentElement.dataset.escalations)) >= 1);
    }
    // A viewer may not shelve: no button, and a forged request is refused.
    assert.equal(await row(viewer, 'Pump stalled').locator('button.shelve').count(), 0);
    const forged = await rawRequest(viewer, TOKENS.viewer,
      { type: 'alert_shelve', alertId: created.result.alertId, durationSeconds: 3, reason: 'mine' });
    assert.equal(forged.error.code, 'FORBIDDEN');

    // The operator shelves it for 3 s with a reason (s: the keyboard way);
    // another operator, and the viewer, see it shelved.
    colleague = await openConsole();
    await signIn(colleague, TOKENS.operator);
    await row(colleague, 'Pump stalled').waitFor();
    await waitForData(colleague, 'alarm', 'critical');
    await pump.click();
    await operator.keyboard.press('s');
    await operator.locator('#shelve-dialog').waitFor();
    assert.deepEqual(await operator.locator('#shelve-duration option').allTextContents(), ['3 s', '1 min']);
    await operator.fill('#shelve-reason', 'pump swap');
    await operator.click('#shelve-ok');
    for (const page of [operator, colleague, viewer]) {
      await row(page, 'Pump stalled').waitFor({ state: 'detached' });
      const item = page.locator('#shelved li', { hasText: 'Pump stalled' });
      await item.waitFor();
      assert.match(await item.textContent(), /shelved by oscar: pump swap · this alert/);
      assert.match(await item.locator('.countdown').textContent(), /^0:0\d left$/);
      await waitForData(page, 'escalated', '0');
      assert.equal(await page.isVisible('#banner'), false);  // not announced any more
    }
    await waitForData(operator, 'alarm', 'off');
    await waitForData(colleague, 'alarm', 'off');
    assert.equal(await colleague.locator('#shelved li', { hasText: 'Pump stalled' }).locator('button', { hasText: 'Unshelve' }).count(), 1);
    assert.equal(await viewer.locator('#shelved button').count(), 0);  // viewers may not unshelve
    // Warned before it ends; then back, unacknowledged, sounding again.
    for (const page of [operator, viewer]) await page.locator('#shelf-banner', { hasText: /Shelf of Pump stalled ends in \d s \(shelved by oscar: pump swap\)/ }).waitFor();
    await pump.waitFor({ timeout: 10000 });
    assert.match(await pump.locator('.state').textContent(), /unacked/);
    await waitForData(operator, 'alarm', 'critical');
    await waitForData(colleague, 'alarm', 'critical');
    await operator.locator('#shelved li', { hasText: 'Pump stalled' }).waitFor({ state: 'detached' });
    await pump.locator('button.ack').click();
    await operator.click('#confirm-ok');
    await waitForData(operator, 'alarm', 'off');

    // An admin takes the source out of service, and returns it.
    const admin = await openConsole();
    await signIn(admin, TOKENS.admin);
    await admin.selectOption('#oos-scope', 'source');
    await admin.fill('#oos-value', 'pump');
    await admin.fill('#oos-reason', 'rewiring');
    await admin.click('#oos-submit');
    await row(operator, 'Pump stalled').waitFor({ state: 'detached' });
    await operator.locator('#shelved li', { hasText: /out of service \(source pump\) by ada: rewiring/ }).waitFor();
    assert.equal(await operator.locator('#oos-form').isVisible(), false);  // operators may not
    await admin.locator('#shelved li.rule button', { hasText: 'Return to service' }).click();
    await row(operator, 'Pump stalled').waitFor();
    await closeConsole(admin);

    // The audit tab: the shelf with its reason, the viewer's refused attempt.
    assert.equal(await viewer.isVisible('#audit-button'), false);
    await operator.click('#audit-button');
    await operator.fill('#audit-action', 'alert_shelve');
    await operator.click('#audit-load');
    // Only alert_shelve entries once the filtered page is in (the tab first shows every action).
    await operator.waitForFunction(() => {
      const actions = [...document.querySelectorAll('#audit-rows td.action')].map((td) => td.textContent);
      return actions.length > 0 && actions.every((a) => a === 'alert_shelve');
    });
    const entries = operator.locator('#audit-rows tr');
    await entries.filter({ hasText: 'pump swap' }).filter({ hasText: 'oscar' }).waitFor();
    await entries.filter({ hasText: 'vera' }).filter({ hasText: 'refused' }).waitFor();
    // Local wall-clock time, today's entries without the date.
    for (const when of await operator.locator('#audit-rows td.time').allTextContents()) assert.match(when, /^\d\d:\d\d:\d\d$/);
    // By alert: the shelf, its warning-free end and the ack of this alert only.
    await operator.fill('#audit-action', '');
    await operator.fill('#audit-alert', created.result.alertId);
    await operator.click('#audit-load');
    await operator.waitForFunction((id) => {
      const alerts = [...document.querySelectorAll('#audit-rows tr td:nth-child(6)')].map((td) => td.textContent);
      const actions = [...document.querySelectorAll('#audit-rows td.action')].map((td) => td.textContent);
      return alerts.length > 0 && alerts.every((a) => a === id) && actions.includes('shelf_expired') && actions.includes('alert_ack');
    }, created.result.alertId);
    assert.equal(await operator.locator('#alert-rows').isVisible(), false);
    await operator.click('#audit-button');  // back to the alerts
    await pump.waitFor();
  });

  it('shelves selected alerts by key (Shift+S), needs a reason, Esc cancels; unshelves from the Shelved view', async () => {
    const battery = row(operator, 'Battery Low', 'rover-1');
    const motor = row(operator, 'Motor Over-Temperature', 'rover-1');
    await battery.locator('input.select').check();
    await motor.locator('input.select').check();
    assert.equal(await operator.textContent('#bulk-shelve'), 'Shelve selected (2)');

    await operator.locator('body').press('Shift+S');
    await operator.locator('#shelve-dialog[open]').waitFor();
    assert.equal(await operator.textContent('#shelve-title'), 'Shelve 2 alerts');
    await operator.locator('#shelve-reason').press('Escape');
    await operator.locator('#shelve-dialog[open]').waitFor({ state: 'detached' });
    await battery.waitFor();

    await operator.click('#bulk-shelve');
    await operator.locator('#shelve-dialog[open]').waitFor();
    await operator.selectOption('#shelve-duration', '60');
    await operator.check('#shelve-dialog input[name="shelve-scope"][value="key"]');
    await operator.check('#shelve-one-shot');
    await operator.fill('#shelve-reason', '   ');
    await operator.click('#shelve-ok');
    // A blank reason is not sent: the dialog stays, nothing is shelved.
    assert.equal(await operator.locator('#shelve-dialog[open]').count(), 1);
    assert.equal(await operator.locator('#shelved li', { hasText: 'Battery Low' }).count(), 0);
    await operator.fill('#shelve-reason', 'sensor <recalibration>');
    await operator.click('#shelve-ok');
    await operator.locator('#shelve-dialog[open]').waitFor({ state: 'detached' });

    for (const page of [operator, colleague]) {
      for (const title of ['Battery Low', 'Motor Over-Temperature']) {
        await row(page, title, 'rover-1').waitFor({ state: 'detached' });
        const item = page.locator('#shelved li', { hasText: `rover-1: ${title}` });
        await item.waitFor();
        assert.match(await item.textContent(), /shelved by oscar: sensor <recalibration> · its key · one-shot, until normal/);
      }
    }
    assert.equal(await operator.textContent('#bulk-shelve'), 'Shelve selected');
    // The countdown runs: a minute at most, then less.
    const countdown = colleague.locator('#shelved li', { hasText: 'rover-1: Battery Low' }).locator('.countdown');
    const first = await countdown.textContent();
    assert.match(first, /^(1:00|0:[0-5]\d) left$/);
    await colleague.waitForFunction((before) => {
      const li = [...document.querySelectorAll('#shelved li')].find((n) => n.textContent.includes('rover-1: Battery Low'));
      return li && li.querySelector('.countdown').textContent !== before;
    }, first);

    // The colleague unshelves both from the Shelved view: back in every table.
    for (const title of ['Battery Low', 'Motor Over-Temperature']) {
      await colleague.locator('#shelved li', { hasText: `rover-1: ${title}` }).locator('button', { hasText: 'Unshelve' }).click();
      await row(operator, title, 'rover-1').waitFor();
      await row(colleague, title, 'rover-1').waitFor();
    }
    // Nothing of them left shelved, their keys included.
    await operator.waitForFunction(() => !/Battery Low|Motor Over-Temperature|power\/|motor/i.test(document.querySelector('#shelved').textContent));

    // Keys shelved alone, no alert of them held (a rover's and a ground one):
    // listed from the relay's suppressions, and unshelved from there.
    for (const [rover, key] of [['rover-2', 'nav/lidar-fault'], [undefined, 'ground/bench-check']]) {
      const shelf = await rawRequest(operator, TOKENS.operator,
        { type: 'alert_shelve', scope: 'key', key, ...(rover ? { rover } : {}), durationSeconds: 60, reason: 'bench test' });
      assert.equal(shelf.ok, true, JSON.stringify(shelf));
      const item = colleague.locator('#shelved li', { hasText: `${rover ? `${rover}: ` : ''}key ${key}` });
      await item.waitFor();
      assert.match(await item.textContent(), /shelved by oscar: bench test · its key.*\d:\d\d left/);
      await item.locator('button', { hasText: 'Unshelve' }).click();
      await item.waitFor({ state: 'detached' });
      await operator.locator('#shelved li', { hasText: `key ${key}` }).waitFor({ state: 'detached' });
    }
    await closeConsole(colleague);
  });

  // While the console cannot reach it, the relay runs on another port and an
  // admin raises alerts there; then it comes back on the console's port.
  async function outage(stopRelay, titles) {
    const port = relay.http.split(':').pop();
    await stopRelay();
    await waitForData(operator, 'conn', 'reconnecting');
    const elsewhere = await Relay.start(workspace, { args: RELAY_ARGS });
    const admin = await openConsole(elsewhere.origin);
    for (const title of titles) {
      const created = await rawRequest(admin, TOKENS.admin,
        { type: 'alert_create', priority: 'medium', source: 'ground-test', title, message: 'while the console was away' });
      assert.equal(created.ok, true, JSON.stringify(created));
    }
    await closeConsole(admin);
    await elsewhere.stop();
    relay = await Relay.start(workspace, { http: `127.0.0.1:${port}`, args: RELAY_ARGS });
    for (const title of titles) await row(operator, title).waitFor({ timeout: 20000 });
    await waitForData(operator, 'conn', 'resynced');
  }

  it('reconnects by itself after the relay is killed and shows what changed meanwhile', async () => {
    // A crash renews the relay's epoch: the console reloads everything.
    await outage(() => relay.kill(), ['Raised during the outage 1', 'Raised during the outage 2']);
    assert.match(await operator.textContent('#conn'), /^resynced · new history, \d+ alerts loaded$/);
    // What it held before is still there, acknowledgements included.
    await row(operator, 'Emergency Stop', 'rover-1').locator('td.acked', { hasText: 'oscar' }).waitFor();
  });

  it('resumes from its rev after a clean restart and tells how many changes it recovered', async () => {
    await outage(() => relay.stop(), ['Raised during the restart 1', 'Raised during the restart 2']);
    assert.equal(await operator.textContent('#conn'), 'resynced · 2 changes recovered');
    await row(operator, 'Raised during the outage 1').waitFor();
  });

  it('signs out and forgets the token', async () => {
    await viewer.click('#signout');
    assert.equal(await viewer.isVisible('#signin'), true);
    assert.equal(await viewer.evaluate(() => sessionStorage.length), 0);
    await viewer.reload();
    assert.equal(await viewer.isVisible('#signin'), true);
  });

  it('raised no script error and no Content-Security-Policy violation', () => {
    assert.deepEqual(problems, []);
  });
});
