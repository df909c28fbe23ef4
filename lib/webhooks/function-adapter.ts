/**
 * Turns a plain webhook handler into a Twilio Function handler. The Function files stay one line
 * each; everything testable lives in the plain handlers.
 */
/// <reference types="@twilio-labs/serverless-runtime-types" />
import type { Context, ServerlessCallback, ServerlessEventObject } from '@twilio-labs/serverless-runtime-types/types';
import { logPiiFrom, maskPhonesIn } from '../mask';
import { calledUrl, type FunctionEnv, readFunctionEnv, webhookDeps } from './function-env';
import type { WebhookDeps } from './handle-incoming';
import { webhookParams } from './params';
import type { WebhookReply } from './reply';
import type { SignedRequest } from './signature';

type Handle = (deps: WebhookDeps, request: SignedRequest, env: FunctionEnv) => Promise<WebhookReply>;
type WebhookEvent = ServerlessEventObject<Record<string, unknown>, Record<string, string | string[] | undefined>>;

export function functionHandler(handle: Handle) {
  return async (context: Context<{ LOG_PII?: string }>, event: WebhookEvent, callback: ServerlessCallback): Promise<void> => {
    const logPii = logPiiFrom(context.LOG_PII);
    const log = (line: string) => console.log(maskPhonesIn(line, { logPii }));
    const reply = await answer(handle, context as unknown as Record<string, unknown>, event, log).catch((error: unknown): WebhookReply => {
      log(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
      return { status: 500, contentType: 'text/plain', body: 'Internal error.' };
    });
    const response = new Twilio.Response();
    response.setStatusCode(reply.status);
    response.appendHeader('Content-Type', reply.contentType);
    response.setBody(reply.body);
    callback(null, response);
  };
}

async function answer(handle: Handle, context: Record<string, unknown>, event: WebhookEvent, log: (line: string) => void): Promise<WebhookReply> {
  const read = readFunctionEnv(context);
  if (!read.ok) {
    log(read.error);
    return { status: 500, contentType: 'text/plain', body: 'The Function is not configured. See its logs.' };
  }
  const signature = event.request?.headers?.['x-twilio-signature'];
  const contentType = event.request?.headers?.['content-type'];
  const request: SignedRequest = {
    url: calledUrl(read.env, typeof context.PATH === 'string' ? context.PATH : ''),
    params: webhookParams(event as Record<string, unknown>),
    signature: Array.isArray(signature) ? signature[0] : signature,
    ...(contentType !== undefined ? { contentType: Array.isArray(contentType) ? contentType.join(', ') : contentType } : {}),
  };
  return handle(webhookDeps(read.env, log), request, read.env);
}
