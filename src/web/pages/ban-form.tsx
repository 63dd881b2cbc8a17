/** Bans an identity, from the admin's identity page and inline under a comment alike. */
export function BanForm(props: { identityId: string; csrf: string; returnTo: string; compact?: boolean; idPrefix: string; name?: string }) {
  return (
    <form method="post" action={`/admin/identities/${props.identityId}/ban`} class={props.compact ? 'ban-form compact' : 'ban-form'}>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="return" value={props.returnTo} />
      <label for={`${props.idPrefix}-days`}>Ban for</label>
      <select id={`${props.idPrefix}-days`} name="days">
        <option value="1">1 day</option>
        <option value="7">7 days</option>
        <option value="30" selected>
          30 days
        </option>
        <option value="0">until further notice</option>
      </select>
      <label for={`${props.idPrefix}-reason`}>Reason</label>
      <input id={`${props.idPrefix}-reason`} name="reason" type="text" required maxLength={500} />
      <input id={`${props.idPrefix}-prefix`} name="prefix" type="checkbox" value="on" />
      <label for={`${props.idPrefix}-prefix`}>also their network</label>
      <button type="submit" class="danger">
        {props.name ? `Ban ${props.name}` : 'Ban'}
      </button>
    </form>
  );
}
