/**
 * The "Notifications on this device" part of a reader's page (/me): Web Push of replies. Turning
 * it on needs the browser's push support, so it needs the script (src/client/push.ts, loaded
 * here); until the script runs, the section says so. Stopping is a plain form that turns off
 * every browser's pushes, with or without the script.
 */
export function PushSection(props: { csrf: string }) {
  return (
    <div class="push-section" data-push data-push-csrf={props.csrf}>
      <h3 id="push-heading">Notifications on this device</h3>
      <p class="push-state" data-push-state role="status">
        Notifications on this device need this site’s script, which is not running. Your inbox still collects every reply.
      </p>
      <p>
        <button type="button" data-push-subscribe hidden>
          Notify me of replies on this device
        </button>
      </p>
      <form method="post" action="/me/push/stop" class="inline-form" data-push-stop>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <button type="submit" class="link-button">
          Stop notifications on all my devices
        </button>
      </form>
      <script src="/push.js" defer />
    </div>
  );
}
