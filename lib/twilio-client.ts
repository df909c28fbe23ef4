/**
 * The one Twilio client factory used by the Functions, the bridge and the scripts.
 *
 * twilio-node has no base-URL option; its supported hook is `ClientOpts.httpClient`. A
 * RequestClient subclass that rewrites `opts.uri` keeps twilio-node's auth, form encoding and
 * paging (which follows the canonical twilio.com URLs the API returns in `meta.next_page_url`).
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { TwilioCredentials } from './env/credentials';
import { rewriteTwilioUrl } from './twilio-url';

export type TwilioClient = twilio.Twilio;

export interface TwilioClientOptions {
  /** When set, `https://{product}.twilio.com{path}` goes to `{apiBaseUrl}/{product}{path}`. */
  apiBaseUrl?: string;
  /** Per-request timeout in ms (twilio-node's default is 30 s). */
  timeoutMs?: number;
}

class RedirectingRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiBaseUrl: string,
    opts: RequestClient.RequestClientOptions,
  ) {
    super(opts);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.apiBaseUrl) });
  }
}

export function createTwilioClient(
  credentials: TwilioCredentials,
  options: TwilioClientOptions = {},
): TwilioClient {
  const [username, password] =
    'apiKey' in credentials
      ? [credentials.apiKey, credentials.apiSecret]
      : [credentials.accountSid, credentials.authToken];
  // autoRetry stays off: a retried message create could send a text twice. Reads and Sync
  // writes get their own bounded retry in the store.
  const requestOptions = { timeout: options.timeoutMs ?? 30_000, keepAlive: true };
  const httpClient = options.apiBaseUrl
    ? new RedirectingRequestClient(options.apiBaseUrl, requestOptions)
    : new twilio.RequestClient(requestOptions);
  return twilio(username, password, { accountSid: credentials.accountSid, httpClient });
}
