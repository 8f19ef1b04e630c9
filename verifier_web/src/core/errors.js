// Typed errors of the verifier page. Every malformed input becomes one of these, with a
// message a person can read; the pipeline turns them into failed checks, never a crash.

export class VerifierError extends Error {
  constructor(message) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** The scanned or pasted text is not a vcissue certificate QR payload. */
export class PayloadError extends VerifierError {}

/** A JSON-LD context that is not bundled with the page (never fetched). */
export class ContextError extends VerifierError {}

/** A Data Integrity proof that is missing, malformed or does not verify. */
export class ProofError extends VerifierError {}

/**
 * The signing key cannot be found because its DID is not on the trust list: the
 * signature cannot be checked, which is "not trusted", not "forged".
 */
export class UnknownKeyError extends ProofError {}

/**
 * A genuine key its issuer no longer stands behind: revoked as compromised, or retired
 * before the proof was made. "Not trusted", not "forged".
 */
export class KeyWindowError extends ProofError {}

/** A DID or verification method that exists but is malformed. */
export class DidError extends VerifierError {}

/** A credentialStatus entry or status list credential that cannot be read or used. */
export class StatusListError extends VerifierError {}

/** The embedded trust list or status snapshot is malformed (a broken bundle). */
export class BundleError extends VerifierError {}

/** The chain of messages of an error and its causes (jsonld wraps loader errors). */
export function errorMessage(error) {
  const parts = [];
  let seen = error;
  for(let depth = 0; seen && depth < 5; depth++) {
    const message = seen.message || String(seen);
    if(!parts.includes(message)) {
      parts.push(message);
    }
    seen = seen.cause || seen.details?.cause || null;
  }
  return parts.join(': ');
}

/** The first error of type `type` in the cause chain of `error`, or null. */
export function findCause(error, type) {
  let seen = error;
  for(let depth = 0; seen && depth < 8; depth++) {
    if(seen instanceof type) {
      return seen;
    }
    seen = seen.cause || seen.details?.cause || null;
  }
  return null;
}
