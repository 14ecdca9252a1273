import { errors } from '@portcullis/core';
import { STAGE_TRANSITIONS, type Stage } from './domain.js';

/**
 * Search words: letters and digits only, lower-cased, at most `max` of them. Both backends match a
 * word against the start of a word in the field (HubSpot's CONTAINS_TOKEN with a trailing `*`),
 * so the same query finds the same records whichever backend runs.
 */
export function queryTokens(query: string | undefined, max: number): string[] {
  if (query === undefined) return [];
  return query
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .slice(0, max);
}

export function staleVersion(
  kind: string,
  id: string,
  expected: number,
  current: number,
  getTool: string,
): Error {
  return errors.conflict(
    'stale_version',
    `${kind} ${id} was changed since it was read (version ${expected} given, current version is ${current}).`,
    `Read it again with ${getTool}, re-apply the change to the current values, and retry with the current version.`,
    { current_version: current },
  );
}

export function illegalTransition(id: string, from: Stage, to: Stage): Error {
  const legal = STAGE_TRANSITIONS[from];
  return errors.conflict(
    'illegal_stage_transition',
    `Opportunity ${id} cannot move from ${from} to ${to}.`,
    legal.length > 0
      ? `Legal next stages from ${from}: ${legal.join(', ')}.`
      : `${from} is a closed stage and is final; no further stage changes are possible.`,
    { current_stage: from, legal_next_stages: [...legal] },
  );
}

export function unknownOwner(ownerId: string): Error {
  return errors.validation(
    `${ownerId} is not a CRM owner in your tenant.`,
    'Give owner_id of an existing CRM owner (for example the owner_id of a record you read), or omit it to own the record yourself.',
  );
}

export function checkTransition(id: string, from: Stage, to: Stage): void {
  if (!STAGE_TRANSITIONS[from].includes(to)) throw illegalTransition(id, from, to);
}

/**
 * An activity may name an account, a contact and an opportunity; whichever are given must belong
 * to one account, which the activity is then filed under.
 */
export function activityAccount(initial: string | null): {
  readonly accountId: string | null;
  link(found: string | null, what: string): void;
} {
  let accountId = initial;
  return {
    get accountId() {
      return accountId;
    },
    link(found, what) {
      if (found === null) return;
      if (accountId !== null && accountId !== found) {
        throw errors.validation(
          `The ${what} belongs to account ${found}, not ${accountId}.`,
          'Give targets of the same account, or only one target.',
        );
      }
      accountId = found;
    },
  };
}
