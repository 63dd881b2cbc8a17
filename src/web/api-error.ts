/** JSON error bodies follow one shape everywhere: {"error":{"code","message"}}. */
export function apiError(code: string, message: string) {
  return { error: { code, message } };
}
