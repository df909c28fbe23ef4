/**
 * An HTTP CONNECT proxy standing between a real Twilio client and the emulator, for code that
 * cannot be pointed at another base URL: `@twilio-labs/serverless-api` (twilio-run deploy) and
 * twilio-node both honour HTTP_PROXY. CONNECTs to *.twilio.com:443 are answered by a TLS server
 * holding a certificate made for this run (openssl: a throwaway CA and a leaf for the Twilio hosts),
 * which the client trusts through NODE_EXTRA_CA_CERTS; each request inside is forwarded to
 * `{emulator}/{product}{path}`, as lib/twilio-client.ts rewrites URLs. Anything else is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

/** The hosts the certificate names: twilio-run's two, and every other product by wildcard. */
export const CERTIFICATE_HOSTS = ['serverless.twilio.com', 'serverless-upload.twilio.com', '*.twilio.com'];

export interface ProxiedRequest {
  method: string;
  /** e.g. 'serverless.twilio.com' */
  host: string;
  /** Path and query, e.g. '/v1/Services'. */
  path: string;
  status: number;
  /** A form-encoded body as sent (what twilio-run asks for: a Build's Runtime, Dependencies). */
  form?: URLSearchParams;
}

export interface ConnectProxy {
  /** 'http://127.0.0.1:PORT', for HTTP_PROXY / HTTPS_PROXY. */
  url: string;
  /** The CA certificate (PEM file), for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Requests forwarded, in order. */
  requests: ProxiedRequest[];
  /** CONNECT targets refused (not a twilio.com host on 443). */
  refused: string[];
  close(): Promise<void>;
}

/** A CA and a leaf certificate signed by it, in `dir`; EC keys, valid for a day. */
function makeCertificates(dir: string): { caFile: string; key: Buffer; cert: Buffer } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=twilio-sms-mcp test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ecKey, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=serverless.twilio.com');
  writeFileSync(join(dir, 'leaf.ext'), [
    `subjectAltName=${CERTIFICATE_HOSTS.map((host) => `DNS:${host}`).join(',')}`,
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '1', '-extfile', 'leaf.ext');
  return { caFile: join(dir, 'ca.crt'), key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.crt')) };
}

const TWILIO_TARGET = /^([a-z0-9-]+)\.twilio\.com:443$/i;

export async function startConnectProxy(emulatorUrl: string): Promise<ConnectProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'sms-mcp-proxy-'));
  const { caFile, key, cert } = makeCertificates(dir);
  const secureContext = tls.createSecureContext({ key, cert });
  const requests: ProxiedRequest[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();

  // The requests inside the tunnels: the Host header names the product.
  const inner = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:443$/, '');
    const product = /^([a-z0-9-]+)\.twilio\.com$/i.exec(host)?.[1]?.toLowerCase();
    const path = req.url ?? '/';
    if (!product) {
      res.writeHead(421).end(`not a twilio.com host: ${host}`);
      return;
    }
    const target = new URL(`${emulatorUrl.replace(/\/+$/, '')}/${product}${path}`);
    const headers = { ...req.headers, host: target.host };
    const chunks: Buffer[] = [];
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (isForm) req.on('data', (chunk: Buffer) => chunks.push(chunk));
    const form = () => (isForm ? { form: new URLSearchParams(Buffer.concat(chunks).toString()) } : {});
    const forward = http.request(target, { method: req.method, headers }, (answer) => {
      requests.push({ method: req.method ?? '', host, path, status: answer.statusCode ?? 0, ...form() });
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (error) => {
      requests.push({ method: req.method ?? '', host, path, status: 502, ...form() });
      if (!res.headersSent) res.writeHead(502).end(error.message);
      else res.destroy();
    });
    req.pipe(forward);
  });

  const outer = http.createServer((_req, res) => res.writeHead(405).end('this proxy only tunnels (CONNECT)'));
  outer.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? '';
    if (!TWILIO_TARGET.test(target)) {
      refused.push(target);
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n', () => {
      // Bytes the client sent after the CONNECT headers already belong to the TLS handshake.
      if (head.length > 0) socket.unshift(head);
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
      secure.on('error', () => socket.destroy());
      inner.emit('connection', secure);
    });
  });

  await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve));
  const { port } = outer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    caFile,
    requests,
    refused,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      inner.closeAllConnections();
      await new Promise<void>((resolve) => outer.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
