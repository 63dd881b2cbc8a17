import type { Store } from './store.ts';

/**
 * How long live-update events are kept. Events exist so that an open page can catch up on what it
 * missed; a page older than the retention is reloaded instead (see SqlStore.pruneEvents), so
 * keeping them longer only grows the table.
 */
export interface EventRetention {
  /** Events younger than this are always kept (BYLINE_EVENTS_RETENTION_DAYS). */
  days: number;
  /** Each article also keeps at least its latest this many, however old. */
  keepPerArticle: number;
  /** Most rows one DELETE removes. */
  batchSize: number;
}

export const KEEP_EVENTS_PER_ARTICLE = 100;
export const PRUNE_BATCH_SIZE = 1000;
const DAY_MS = 24 * 3600 * 1000;

export function eventRetention(days: number): EventRetention {
  return { days, keepPerArticle: KEEP_EVENTS_PER_ARTICLE, batchSize: PRUNE_BATCH_SIZE };
}

/** Prunes once; answers how many events were deleted. */
export function pruneEventsOnce(store: Store, retention: EventRetention, now: number): Promise<number> {
  return store.pruneEvents({
    before: now - retention.days * DAY_MS,
    keepPerArticle: retention.keepPerArticle,
    batchSize: retention.batchSize,
  });
}

export interface PruningSchedule {
  /** The pending timer (unref'd: it never keeps the process alive). */
  readonly timer: NodeJS.Timeout;
  /** Stops the schedule and waits for a run in progress, so the store can be closed after. */
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  /** The first run comes this long after start, so start-up itself is never slowed by it. */
  firstAfterMs: number;
  everyMs: number;
  now?: () => number;
  onError?: (err: unknown) => void;
}

/** Prunes the events table now and then, one run at a time, for as long as the process runs. */
export function scheduleEventPruning(store: Store, retention: EventRetention, opts: ScheduleOptions): PruningSchedule {
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? ((err: unknown) => console.error('Pruning old live-update events failed:', err));
  let stopped = false;
  let running: Promise<void> | undefined;
  const run = () => {
    if (stopped || running) return;
    running = pruneEventsOnce(store, retention, now())
      .then(
        () => undefined,
        (err: unknown) => {
          if (!stopped) onError(err);
        },
      )
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, opts.everyMs).unref();
      });
  };
  let timer = setTimeout(run, opts.firstAfterMs).unref();
  return {
    get timer() {
      return timer;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
