/**
 * Errors raised by the discussion domain. Each carries a stable machine code and a message written
 * for the reader who caused it; the web layer maps the code to an HTTP status with `statusFor` and
 * sends `{"error": {"code", "message"}}`, as the JSON API's OpenAPI document (/api/v1/openapi.json)
 * describes.
 */

export type DomainErrorCode =
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'name_taken'
  | 'too_large'
  | 'rule_broken'
  | 'rate_limited';

/** The HTTP status for each code. */
const STATUS: Readonly<Record<DomainErrorCode, number>> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  name_taken: 409,
  too_large: 413,
  rule_broken: 422,
  rate_limited: 429,
};

/** A fallback sentence per code, for callers that have nothing more specific to say. */
const DEFAULT_MESSAGE: Readonly<Record<DomainErrorCode, string>> = {
  bad_request: 'The request could not be understood. Please check what you sent and try again.',
  unauthenticated: 'Please sign in with a display name first.',
  forbidden: "You aren't allowed to do that.",
  not_found: "We couldn't find what you were looking for.",
  name_taken: 'That name is already taken. If it is yours, use your recovery key to sign in.',
  too_large: 'That is too large to accept.',
  rule_broken: "That can't be accepted because it breaks one of the site's rules.",
  rate_limited: "You're doing that too often. Please wait a moment and try again.",
};

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    public code: DomainErrorCode,
    message: string = DEFAULT_MESSAGE[code],
  ) {
    super(message);
  }
}

export function statusFor(code: DomainErrorCode): number {
  return STATUS[code];
}
