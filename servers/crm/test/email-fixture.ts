/** The demo data the e-mail tests send to: acme's contacts, by the owner of their account. */
import { generateSeed } from '../src/index.js';
import { DEMO_SUPPRESSED_CONTACT } from '../src/email/setup.js';

export const acme = generateSeed('acme');

const accountOf = (id: string) => acme.accounts.find((a) => a.id === id)!;

/** Contacts with an address at accounts owned by `owner`, skipping the suppressed demo contact. */
export const contactsAt = (owner: string) =>
  acme.contacts.filter(
    (c, i) =>
      i !== DEMO_SUPPRESSED_CONTACT &&
      c.account_id !== null &&
      c.email !== null &&
      accountOf(c.account_id).owner_id === owner,
  );
