/**
 * The "Notifications on this device" section of a reader's page (/me). Filled in by the Web Push
 * work; until then it shows nothing.
 */
export function PushSection(_props: { csrf: string }) {
  return null;
}
