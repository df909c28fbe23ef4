/** Twilio's REST error shape and the errors the emulator answers with. */

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export function errorBody(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Thrown by route handlers; the server turns it into Twilio's JSON error. */
export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }

  toBody(): TwilioErrorBody {
    return errorBody(this.status, this.code, this.message);
  }
}

export function badRequest(code: number, message: string): TwilioApiError {
  return new TwilioApiError(400, code, message);
}

export function authenticateError(): TwilioApiError {
  return new TwilioApiError(401, 20003, 'Authenticate');
}

/** Twilio names the path below the product host in its 20404 message. */
export function notFound(path: string): TwilioApiError {
  return new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);
}

export function methodNotAllowed(): TwilioApiError {
  return new TwilioApiError(405, 20004, 'Method not allowed');
}

/** 20001 is Twilio's generic "Invalid parameter". */
export function invalidParameter(message: string): TwilioApiError {
  return badRequest(20001, message);
}
