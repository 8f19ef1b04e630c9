// The verdicts the page shows and the order in which they win when several apply.
//
// Precedence (first wins), strongest warning first:
//   FORGED > NOT TRUSTED > REVOKED > SUSPENDED > EXPIRED = NOT YET VALID > STATUS UNKNOWN > VALID
// * FORGED first: if the signature is wrong nothing else the document says can be believed,
//   not even who claims to have issued it.
// * NOT TRUSTED next: a genuine signature by an unknown body proves nothing about the holder,
//   and its status lists are that body's word too.
// * REVOKED before SUSPENDED: a withdrawal is final, a suspension may be lifted.
// * SUSPENDED before EXPIRED: an employer must learn of a suspension even on an old
//   certificate (it may concern the holder's conduct).
// * STATUS UNKNOWN (genuine and current, but no usable status list) is never shown as VALID:
//   "could not check" is not "not revoked".

export const VERDICTS = Object.freeze({
  FORGED: {
    label: 'FORGED', tone: 'danger',
    summary: 'Not genuine. Do not accept this certificate.'
  },
  NOT_TRUSTED: {
    label: 'NOT TRUSTED', tone: 'danger',
    summary: 'Not issued by a certification body this verifier trusts.'
  },
  REVOKED: {
    label: 'REVOKED', tone: 'danger',
    summary: 'Withdrawn by the certification body. It is no longer valid.'
  },
  SUSPENDED: {
    label: 'SUSPENDED', tone: 'warning',
    summary: 'Suspended by the certification body. It is not valid while suspended.'
  },
  EXPIRED: {
    label: 'EXPIRED', tone: 'warning',
    summary: 'Genuine, but its validity period has ended.'
  },
  NOT_YET_VALID: {
    label: 'NOT YET VALID', tone: 'warning',
    summary: 'Genuine, but its validity period has not started.'
  },
  STATUS_UNKNOWN: {
    label: 'STATUS UNKNOWN', tone: 'warning',
    summary: 'Genuine and current, but whether it was suspended or revoked could not be ' +
      'checked.'
  },
  VALID: {
    label: 'VALID', tone: 'ok',
    summary: 'Genuine, current, and neither suspended nor revoked.'
  }
});

export const PRECEDENCE = Object.freeze([
  'FORGED', 'NOT_TRUSTED', 'REVOKED', 'SUSPENDED', 'EXPIRED', 'NOT_YET_VALID',
  'STATUS_UNKNOWN', 'VALID'
]);

/**
 * The verdict of a list of checks: the highest-ranked verdict any failed check implies.
 *
 * @param {Array<object>} checks - {id, outcome, message, verdict}.
 * @returns {object} {verdict, reason, reasons, reasonNotes}: reason = the message behind the
 *   verdict, reasons = every failure, the deciding one first (reasonNotes: as messages).
 */
export function decide(checks) {
  const failed = checks.filter(check => check.outcome === 'failed');
  const rank = check => PRECEDENCE.indexOf(check.verdict);
  const ordered = [...failed].sort((a, b) => rank(a) - rank(b));
  if(ordered.length === 0) {
    return {verdict: 'VALID', reason: VERDICTS.VALID.summary, reasons: [], reasonNotes: []};
  }
  return {
    verdict: ordered[0].verdict,
    reason: ordered[0].message,
    reasons: ordered.map(check => check.message),
    // The same reasons as catalogue messages, for the reader's language.
    reasonNotes: ordered.map(check => check.note ?? check.message)
  };
}
