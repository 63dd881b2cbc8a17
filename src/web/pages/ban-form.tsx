const DAY = 24 * 3600 * 1000;

/** The lengths a ban may have, each with the date it ends, so the form says what will happen. */
export function BanLengthOptions(props: { now: number }) {
  const until = (days: number) => new Date(props.now + days * DAY).toISOString().slice(0, 10);
  return (
    <>
      {[1, 7, 30].map((days) => (
        <option value={String(days)} selected={days === 30}>
          {days === 1 ? '1 day' : `${days} days`} (until {until(days)})
        </option>
      ))}
      <option value="0">Until further notice</option>
    </>
  );
}

/** The ban's fields: how long, why (the reader is shown it), and whether their network too. */
export function BanFields(props: { idPrefix: string; now: number }) {
  return (
    <div class="ban-fields">
      <div class="field">
        <label for={`${props.idPrefix}-days`}>Ban for</label>
        <select id={`${props.idPrefix}-days`} name="days">
          <BanLengthOptions now={props.now} />
        </select>
      </div>
      <div class="field">
        <label for={`${props.idPrefix}-reason`}>Reason (the reader is shown it)</label>
        <input id={`${props.idPrefix}-reason`} name="reason" type="text" required maxLength={500} />
      </div>
      <div class="check">
        <input id={`${props.idPrefix}-prefix`} name="prefix" type="checkbox" value="on" />
        <label for={`${props.idPrefix}-prefix`}>Also refuse new names from their network</label>
      </div>
    </div>
  );
}

/** Bans an identity: on the identity's desk page and on the ban page the article's Moderate menu leads to. */
export function BanForm(props: {
  identityId: string;
  csrf: string;
  returnTo: string;
  idPrefix: string;
  name?: string;
  now: number;
  /** Where Cancel goes, when the form is a page's question. */
  cancel?: string;
}) {
  return (
    <form method="post" action={`/admin/identities/${props.identityId}/ban`} class="ban-form">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="return" value={props.returnTo} />
      <BanFields idPrefix={props.idPrefix} now={props.now} />
      <button type="submit" class="danger">
        {props.name ? `Ban ${props.name}` : 'Ban'}
      </button>
      {props.cancel && (
        <a class="cancel-link" href={props.cancel}>
          Cancel
        </a>
      )}
    </form>
  );
}
