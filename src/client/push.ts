// Push notifications of replies, turned on from the reader's page (/me). Without this script
// the section says push needs it; the Stop form works either way (it stops every browser), and
// here it also lets go of this browser's subscription first.

const section = document.querySelector<HTMLElement>('[data-push]');
if (section) void enhance(section);

function say(section: HTMLElement, message: string): void {
  const state = section.querySelector<HTMLElement>('[data-push-state]');
  if (state) state.textContent = message;
}

/** The server's public key, as the browser wants it (bytes, from base64url). */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

async function enhance(section: HTMLElement): Promise<void> {
  const csrf = section.dataset.pushCsrf ?? '';
  const button = section.querySelector<HTMLButtonElement>('[data-push-subscribe]');
  const stop = section.querySelector<HTMLFormElement>('form[data-push-stop]');
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window) || !button) {
    say(section, 'This browser cannot show notifications from websites. Your inbox still collects every reply.');
    return;
  }
  let state: { publicKey: string; subscriptions: number };
  try {
    const res = await fetch('/api/v1/push', { credentials: 'same-origin' });
    if (!res.ok) throw new Error(String(res.status));
    state = (await res.json()) as typeof state;
  } catch {
    say(section, 'Could not reach the site to set up notifications. Reload the page to try again.');
    return;
  }
  let registration: ServiceWorkerRegistration;
  try {
    registration = await navigator.serviceWorker.register('/push-worker.js', { scope: '/' });
  } catch {
    say(section, 'This browser would not set up notifications for this site (private windows often refuse).');
    return;
  }
  const current = await registration.pushManager.getSubscription();
  const others = state.subscriptions - (current ? 1 : 0);
  if (current) say(section, 'Notifications of replies are on in this browser.');
  else if (Notification.permission === 'denied') say(section, 'Notifications are blocked for this site in this browser’s settings.');
  else
    say(
      section,
      others > 0
        ? `Notifications of replies are on in ${others} other browser${others === 1 ? '' : 's'}, not this one.`
        : 'Get a notification on this device when someone replies to you.',
    );
  button.hidden = current !== null || Notification.permission === 'denied';
  // Nothing to stop: the form shows again once a browser is subscribed.
  if (stop) stop.hidden = state.subscriptions === 0;

  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        say(section, 'Notifications were not allowed, so nothing changed.');
        return;
      }
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(state.publicKey),
      });
      const res = await fetch('/api/v1/push/subscriptions', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify(subscription.toJSON()),
      });
      if (!res.ok) {
        const error = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        await subscription.unsubscribe();
        say(section, error?.error?.message ?? 'The site could not turn notifications on. Please try again later.');
        return;
      }
      say(section, 'Notifications of replies are on in this browser.');
      button.hidden = true;
      if (stop) stop.hidden = false;
    } catch {
      say(section, 'This browser could not subscribe to notifications.');
    } finally {
      button.disabled = false;
    }
  });

  // Let go of this browser's subscription before a form that stops them all on the server, or
  // signs this browser out: pushes must not keep arriving on a shared computer someone left.
  // The server forgets the endpoint when the push service answers that it is gone (notify/push.ts).
  const letGoFirst = [stop, ...document.querySelectorAll<HTMLFormElement>('form[action="/signout"], form[action="/signout/everywhere"]')];
  for (const form of letGoFirst) {
    form?.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        await (await registration.pushManager.getSubscription())?.unsubscribe().catch(() => false);
        form.submit();
      })();
    });
  }
}
