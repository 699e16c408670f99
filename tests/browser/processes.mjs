// The real programs the browser test drives: alert-relay and rover-sim as
// child processes on loopback, with a temporary data folder and owner-only
// tokens, rovers and key files. Their paths come from CMake (ALERT_RELAY,
// ROVER_SIM).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const TOKENS = {
  admin: 'browser-admin-token',
  operator: 'browser-operator-token',
  viewer: 'browser-viewer-token',
};

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the path of the program; CTest sets it)`);
  return value;
}

// A folder with the relay's data, its tokens and rovers files and one key file per rover.
export class Workspace {
  constructor(roverIds) {
    this.dir = mkdtempSync(join(tmpdir(), 'rover-console-'));
    this.data = join(this.dir, 'data');
    this.tokens = join(this.dir, 'tokens');
    this.rovers = join(this.dir, 'rovers');
    writeFileSync(this.tokens,
      `admin ada ${TOKENS.admin}\noperator oscar ${TOKENS.operator}\nviewer vera ${TOKENS.viewer}\n`, { mode: 0o600 });
    this.keyFiles = {};
    let rovers = '';
    for (const id of roverIds) {
      const key = randomBytes(32).toString('hex');
      rovers += `${id} ${key}\n`;
      this.keyFiles[id] = join(this.dir, `${id}.key`);
      writeFileSync(this.keyFiles[id], `${key}\n`, { mode: 0o600 });
    }
    writeFileSync(this.rovers, rovers, { mode: 0o600 });
  }

  remove() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const running = new Set();
// Whatever happens to the test, no program it started outlives it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function track(child) {
  running.add(child);
  child.on('exit', () => running.delete(child));
  child.stderr.on('data', (chunk) => {
    if (process.env.CONSOLE_TEST_VERBOSE) process.stderr.write(chunk);
  });
  return child;
}

function exited(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export class Relay {
  // Starts alert-relay; `http` is 'HOST:PORT' (port 0: any free one).
  // `args`: more of the relay's options.
  static async start(workspace, { http = '127.0.0.1:0', link = '127.0.0.1:0', args = [] } = {}) {
    const child = track(spawn(required('ALERT_RELAY'), [
      '--listen', http, '--link-listen', link, '--data', workspace.data,
      '--tokens', workspace.tokens, '--rovers', workspace.rovers, ...args,
    ], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the relay printed no listening line in 20 s')), 20000);
      lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the relay exited with ${code}`)); });
    });
    const match = /^listening http=(\S+) link=(\S+)$/.exec(first);
    if (!match) throw new Error(`unexpected first line from the relay: ${first}`);
    return new Relay(child, match[1], match[2]);
  }

  constructor(child, http, link) {
    this.child = child;
    this.http = http;
    this.link = link;
    this.origin = `http://${http}`;
  }

  // SIGKILL: no chance to flush or close anything.
  async kill() {
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  async stop() {
    this.child.kill('SIGTERM');
    return exited(this.child);
  }
}

// Runs rover-sim until it has raised `count` alerts and the relay acknowledged them.
export async function runRover(workspace, relay, roverId, count) {
  const child = track(spawn(required('ROVER_SIM'), [
    '--relay', relay.link, '--rover-id', roverId, '--key-file', workspace.keyFiles[roverId],
    '--rate', '50', '--count', String(count),
  ], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  const code = await exited(child);
  if (code !== 0) throw new Error(`rover-sim ${roverId} exited with ${code}: ${output}`);
  return output;
}
