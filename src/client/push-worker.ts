// The service worker behind push notifications of replies: served from the site's root
// (/push-worker.js) so its scope is the whole site. It shows what the server pushed and, on a
// click, opens the comment, in a tab of this site already open when there is one.

// The DOM typings know nothing of a worker's global scope; these are the few parts used here.
interface PushData {
  title?: unknown;
  body?: unknown;
  url?: unknown;
}
interface WorkerEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface PushEventLike extends WorkerEvent {
  data: { json(): unknown } | null;
}
interface NotificationClickLike extends WorkerEvent {
  notification: Notification;
}
interface WindowClientLike {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  location: Location;
  clients: { matchAll(options: { type: 'window' }): Promise<readonly WindowClientLike[]>; openWindow(url: string): Promise<unknown> };
  addEventListener(type: 'push', listener: (event: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationClickLike) => void): void;
}

const worker = self as unknown as WorkerScope;

/** Only this site's pages are opened, whatever a payload says. */
function sameSite(url: unknown): string {
  try {
    const target = new URL(typeof url === 'string' ? url : '/', worker.location.origin);
    return target.origin === worker.location.origin ? target.href : worker.location.origin;
  } catch {
    return worker.location.origin;
  }
}

worker.addEventListener('push', (event) => {
  let data: PushData = {};
  try {
    data = (event.data?.json() as PushData) ?? {};
  } catch {
    // Not JSON: show the plain notice below.
  }
  const title = typeof data.title === 'string' ? data.title : 'A new reply';
  const body = typeof data.body === 'string' ? data.body : '';
  event.waitUntil(worker.registration.showNotification(title, { body, data: { url: sameSite(data.url) }, tag: 'byline-reply' }));
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = sameSite((event.notification.data as { url?: unknown } | null)?.url);
  event.waitUntil(
    (async () => {
      const open = await worker.clients.matchAll({ type: 'window' });
      const tab = open.find((c) => new URL(c.url).origin === worker.location.origin);
      if (tab) {
        await tab.navigate(url);
        await tab.focus();
      } else await worker.clients.openWindow(url);
    })(),
  );
});
