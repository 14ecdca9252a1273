/**
 * Caller assertions: how a broker tells a Portcullis upstream who is really calling. The broker
 * authenticates to the upstream with its own credential and adds a short-lived Ed25519-signed JWT
 * naming the caller in `_meta["portcullis/caller_assertion"]`. An upstream configured with the
 * broker's public key (PORTCULLIS_BROKER_PUBLIC_KEY) accepts it only from a principal holding the
 * `broker` role, in that principal's tenant, and then decides and audits the call as that user,
 * with the broker as the actor (RFC 8693 style: `on_behalf_of` is the user, `principal` the broker).
 */
import { randomUUID } from 'node:crypto';
import type { CryptoKey, KeyObject } from 'jose';
import { PortcullisError } from './errors.js';
import { loadJose } from './lazy.js';
import type { CedarValue, Principal } from './tool.js';

export const CALLER_ASSERTION_META_KEY = 'portcullis/caller_assertion';
export const BROKER_ROLE = 'broker';
const ISSUER = 'portcullis-broker';
const TTL_SECONDS = 60;

type Key = CryptoKey | KeyObject;
type Jose = Awaited<ReturnType<typeof loadJose>>;

/** The broker's side: signs assertions with its Ed25519 private key (PKCS#8 PEM). */
export class CallerAssertionSigner {
  private constructor(
    private readonly key: Key,
    private readonly jose: Jose,
  ) {}

  static async fromPem(pem: string): Promise<CallerAssertionSigner> {
    const jose = await loadJose();
    return new CallerAssertionSigner(await jose.importPKCS8(pem.trim(), 'EdDSA'), jose);
  }

  sign(caller: Principal): Promise<string> {
    return new this.jose.SignJWT({
      tenant: caller.tenant,
      roles: caller.roles,
      attributes: caller.attributes,
    })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'portcullis-caller+jwt' })
      .setIssuer(ISSUER)
      .setSubject(caller.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${TTL_SECONDS}s`)
      .sign(this.key);
  }
}

function refused(message: string): PortcullisError {
  return new PortcullisError({
    code: 'invalid_caller_assertion',
    category: 'unauthenticated',
    message,
    retryable: false,
  });
}

/** The upstream's side: verifies an assertion from an authenticated broker and yields the caller. */
export class CallerAssertionVerifier {
  private constructor(
    private readonly key: Key,
    private readonly jose: Jose,
  ) {}

  static async fromPem(pem: string): Promise<CallerAssertionVerifier> {
    const jose = await loadJose();
    return new CallerAssertionVerifier(await jose.importSPKI(pem.trim(), 'EdDSA'), jose);
  }

  async callerOf(broker: Principal, assertion: unknown): Promise<Principal> {
    if (!broker.roles.includes(BROKER_ROLE))
      throw refused('Only a principal holding the broker role may assert a caller.');
    if (typeof assertion !== 'string' || assertion.length > 8192)
      throw refused('The caller assertion is malformed.');
    let payload;
    try {
      ({ payload } = await this.jose.jwtVerify(assertion, this.key, {
        issuer: ISSUER,
        algorithms: ['EdDSA'],
        typ: 'portcullis-caller+jwt',
        maxTokenAge: `${TTL_SECONDS + 5}s`,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch {
      throw refused('The caller assertion is not valid (signature, issuer or expiry).');
    }
    const { sub, tenant, roles, attributes } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || sub === '' || typeof tenant !== 'string')
      throw refused('The caller assertion names no caller.');
    // A broker speaks only for its own tenant at this upstream.
    if (tenant !== broker.tenant) throw refused('The caller assertion names another tenant.');
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string'))
      throw refused('The caller assertion carries malformed roles.');
    const attrs =
      attributes && typeof attributes === 'object' && !Array.isArray(attributes) ? attributes : {};
    return {
      id: sub,
      tenant,
      roles: roles,
      attributes: attrs as Record<string, CedarValue>,
      onBehalfOf: sub,
      actor: broker.actor ?? broker.id,
      via: broker.via,
    };
  }
}
