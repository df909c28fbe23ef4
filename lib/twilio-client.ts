/**
 * The one Twilio client factory used by the Functions, the bridge and the scripts.
 *
 * twilio-node has no base-URL option; its supported hook is `ClientOpts.httpClient`. A
 * RequestClient subclass that rewrites `opts.uri` keeps twilio-node's auth, form encoding and
 * paging (which follows the canonical twilio.com URLs the API returns in `meta.next_page_url`).
 *
 * What is loaded is kept to what is used (the bridge's first tool call waits for it): the client
 * class and RequestClient are required from their own files, not through `twilio`'s index (which
 * also loads TwiML, JWT, webhooks and credential providers), and `client.messages` is built on
 * its own Version, not through `client.api.v2010.account` (whose account resource loads all 84
 * of the account's resources, calls to queues). Every other domain and resource stays reachable
 * as twilio-node's lazy getters make it, for the scripts.
 */
import Domain from 'twilio/lib/base/Domain';
import RequestClient from 'twilio/lib/base/RequestClient';
import Version from 'twilio/lib/base/Version';
import type V2010 from 'twilio/lib/rest/api/V2010';
import { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import Twilio from 'twilio/lib/rest/Twilio';
import type { TwilioCredentials } from './env/credentials';
import { rewriteTwilioUrl } from './twilio-url';

export type TwilioClient = Twilio;

export interface TwilioClientOptions {
  /** When set, `https://{product}.twilio.com{path}` goes to `{apiBaseUrl}/{product}{path}`. */
  apiBaseUrl?: string;
  /** Per-request timeout in ms (twilio-node's default is 30 s). */
  timeoutMs?: number;
}

class RedirectingRequestClient extends RequestClient {
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

/** twilio-node's client; `messages` is the account's Messages resource as twilio-node builds it. */
class MessagingTwilio extends Twilio {
  private accountMessages: MessageListInstance | undefined;

  /**
   * Twilio's own getter is `this.api.v2010.account.messages`. MessageListInstance uses only
   * Version's request methods (create, fetch, update, remove, page, each, list), which V2010
   * inherits unchanged; what V2010 adds (the account getters) is what this avoids loading.
   */
  override get messages(): MessageListInstance {
    return (this.accountMessages ??= MessageListInstance(new Version(new Domain(this, 'https://api.twilio.com'), '2010-04-01') as V2010, this.accountSid));
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
  return new MessagingTwilio(username, password, { accountSid: credentials.accountSid, httpClient: twilioHttpClient(options) });
}

/**
 * The request client under every Twilio client we make: its timeout, keep-alive, and the emulator's
 * base URL when set. A Twilio Function passes it to `context.getTwilioClient({ httpClient })`, so
 * the account's own client (its credentials never copied) gets the same behaviour.
 */
export function twilioHttpClient(options: TwilioClientOptions = {}): RequestClient {
  // autoRetry stays off: a retried message create could send a text twice. Reads and Sync
  // writes get their own bounded retry in the store.
  const requestOptions = { timeout: options.timeoutMs ?? 30_000, keepAlive: true };
  return options.apiBaseUrl ? new RedirectingRequestClient(options.apiBaseUrl, requestOptions) : new RequestClient(requestOptions);
}
