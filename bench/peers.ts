/**
 * Peer MCP servers measured beside ours in the same run: installed from npm at bench time into a
 * cache outside the repo (reused when present), started with fake credentials, and kept off the
 * network by a preloaded guard that refuses (and records) any non-loopback connection or lookup.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE } from './common';
import type { ProfileCall, ServerSpec } from './stdio-rpc';

export const PEER_DIR = join(tmpdir(), 'twilio-sms-mcp-bench-peers');
export const PEER_PACKAGES = { 'twilio-mcp': '1.0.0', '@twilio-alpha/mcp': '0.7.0' } as const;
type PeerPackage = keyof typeof PEER_PACKAGES;

export interface PeerServer {
  /** Row label. */
  label: string;
  pkg: PeerPackage;
  /** How it is started, for the report. */
  how: string;
  spec: ServerSpec;
  /** The memory profile's calls (a send, a receive, a thread read) where its tools allow them offline. */
  memoryCalls: ProfileCall[];
  /** What the memory profile did, for the report. */
  memoryHow: string;
}

export type PeerInstall = { installed: true; reused: boolean } | { installed: false; reason: string };

function installedVersion(pkg: PeerPackage): string | null {
  try {
    const manifest = JSON.parse(readFileSync(join(PEER_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? null;
  } catch {
    return null;
  }
}

function allInstalled(): boolean {
  return (Object.keys(PEER_PACKAGES) as PeerPackage[]).every((pkg) => installedVersion(pkg) === PEER_PACKAGES[pkg]);
}

/** `npm install --prefix <cache> twilio-mcp@1.0.0 @twilio-alpha/mcp@0.7.0`, unless already there. */
export async function ensurePeers(install: boolean, log: (line: string) => void): Promise<PeerInstall> {
  if (allInstalled()) return { installed: true, reused: true };
  if (!install) return { installed: false, reason: `not installed in ${PEER_DIR} (quick mode does not install; run the full bench once)` };
  mkdirSync(PEER_DIR, { recursive: true });
  const specs = Object.entries(PEER_PACKAGES).map(([pkg, version]) => `${pkg}@${version}`);
  log(`installing peers into ${PEER_DIR}: ${specs.join(' ')} (once; reused afterwards)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(npm, ['install', '--prefix', PEER_DIR, ...specs, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', (error) => resolve({ code: -1, output: error.message }));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  if (result.code === 0 && allInstalled()) return { installed: true, reused: false };
  const tail = result.output.trim().split('\n').filter((line) => !/Unknown user config/.test(line)).slice(-2).join(' ');
  return { installed: false, reason: `npm install failed (${result.code === null ? 'timed out' : `exit ${result.code}`}${tail ? `: ${tail}` : ''})` };
}

/**
 * Preloaded into every measured process (ours too, so the comparison is fair): refuses and records
 * connections and DNS lookups to anything but loopback. Fake credentials must never reach Twilio.
 */
const GUARD_SOURCE = `'use strict';
const net = require('net');
const dns = require('dns');
const fs = require('fs');
const logFile = process.env.BENCH_NET_LOG;
const loopback = (host) => host === undefined || host === null || host === '' || host === 'localhost' || /^127\\./.test(host) || host === '::1' || host === '0.0.0.0';
const record = (line) => { if (logFile) try { fs.appendFileSync(logFile, line + '\\n'); } catch {} };
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (!options.path && !loopback(options.host)) {
    record('connect ' + options.host + ':' + options.port);
    process.nextTick(() => this.destroy(new Error('network blocked by the benchmark')));
    return this;
  }
  return connect.apply(this, args);
};
const blocked = (host) => Object.assign(new Error('getaddrinfo ENOTFOUND ' + host + ' (blocked by the benchmark)'), { code: 'ENOTFOUND' });
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (loopback(host)) return lookup.call(this, host, ...rest);
  record('dns ' + host);
  const callback = rest.find((arg) => typeof arg === 'function');
  if (callback) process.nextTick(callback, blocked(host));
};
const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async function (host, ...rest) {
  if (loopback(host)) return lookupPromise.call(this, host, ...rest);
  record('dns ' + host);
  throw blocked(host);
};
`;

export function netGuardPath(): string {
  const path = join(PEER_DIR, 'bench-net-guard.cjs');
  mkdirSync(PEER_DIR, { recursive: true });
  if (!existsSync(path) || readFileSync(path, 'utf8') !== GUARD_SOURCE) writeFileSync(path, GUARD_SOURCE);
  return path;
}

/** The environment every measured process gets: what Claude Desktop passes, plus the guard. */
export function guardedEnv(extra: Record<string, string>, netLog: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_OPTIONS: `--require ${netGuardPath()}`,
    BENCH_NET_LOG: netLog,
    ...extra,
  };
}

export function netAttempts(netLog: string): string[] {
  try {
    return readFileSync(netLog, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** How each peer starts, from its package.json `bin` and README, with fake credentials. */
export function peerServers(): PeerServer[] {
  const modules = join(PEER_DIR, 'node_modules');
  const work = join(PEER_DIR, 'work');
  mkdirSync(work, { recursive: true });
  const alphaCredentials = `${FAKE.accountSid}/${FAKE.apiKey}:${FAKE.apiSecret}`;
  const alphaBin = join(modules, '@twilio-alpha', 'mcp', 'build', 'index.js');
  return [
    {
      label: 'twilio-mcp@1.0.0',
      pkg: 'twilio-mcp',
      how: 'bin dist/index.js; env TWILIO_ACCOUNT_SID/AUTH_TOKEN (≥32 chars)/PHONE_NUMBER, WEBHOOK_BASE_URL, WEBHOOK_PORT, DATABASE_PATH',
      spec: {
        name: 'twilio-mcp',
        command: process.execPath,
        args: [join(modules, 'twilio-mcp', 'dist', 'index.js')],
        cwd: work,
        env: {
          TWILIO_ACCOUNT_SID: FAKE.accountSid,
          TWILIO_AUTH_TOKEN: FAKE.authToken,
          TWILIO_PHONE_NUMBER: FAKE.phoneNumber,
          WEBHOOK_BASE_URL: 'http://127.0.0.1:9',
          WEBHOOK_PORT: '3999',
          DATABASE_PATH: join(work, 'twilio-mcp.db'),
        },
      },
      memoryCalls: [
        { label: 'send', tool: 'send_sms', args: { to: '+14155550100', message: 'memory profile' } },
        { label: 'receive', tool: 'get_inbound_messages', args: {} },
        { label: 'thread read', tool: 'get_conversation_thread', args: { conversationId: '00000000-0000-4000-8000-000000000000' } },
      ],
      memoryHow: 'send_sms (reaches for api.twilio.com: refused by the guard, answers an error after loading its Twilio client), get_inbound_messages {} and get_conversation_thread (its local SQLite store, offline)',
    },
    {
      label: '@twilio-alpha/mcp@0.7.0 (SMS tools)',
      pkg: '@twilio-alpha/mcp',
      how: 'bin build/index.js "AC…/SK…:secret" --services twilio_api_v2010 --tags Api20100401Message (its README\'s way to load one API slice; credentials on argv as documented)',
      spec: { name: 'twilio-alpha-sms', command: process.execPath, args: [alphaBin, alphaCredentials, '--services', 'twilio_api_v2010', '--tags', 'Api20100401Message'], cwd: work, env: {} },
      memoryCalls: [],
      memoryHow: 'idle only: each of its tools is one Twilio API request, none works offline',
    },
    {
      label: '@twilio-alpha/mcp@0.7.0 (default)',
      pkg: '@twilio-alpha/mcp',
      how: 'bin build/index.js "AC…/SK…:secret" (README default: the whole twilio_api_v2010 service)',
      spec: { name: 'twilio-alpha-default', command: process.execPath, args: [alphaBin, alphaCredentials], cwd: work, env: {} },
      memoryCalls: [],
      memoryHow: 'idle only: each of its tools is one Twilio API request, none works offline',
    },
  ];
}
