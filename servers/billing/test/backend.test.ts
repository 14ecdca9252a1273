import { backendSuite } from './backend-suite.js';
import { embeddedHarness, stripeHarness } from './harness.js';

backendSuite('embedded ledger', () => embeddedHarness());
backendSuite('Stripe (official SDK against the fake Stripe API)', () => stripeHarness(), { stripe: true });
