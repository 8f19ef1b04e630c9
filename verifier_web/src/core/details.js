// What a certificate says, for people: holder, qualification, units, dates, issuer.
// Read defensively: any field may be missing or of the wrong type in a forged document.

function text(value) {
  return typeof value === 'string' ? value : null;
}

function list(value) {
  if(Array.isArray(value)) {
    return value;
  }
  return value === undefined || value === null ? [] : [value];
}

function holderName(subject) {
  for(const identifier of list(subject.identifier)) {
    if(identifier && identifier.identityType === 'name' && identifier.hashed === false) {
      return text(identifier.identityHash);
    }
  }
  return text(subject.name);
}

// An organisation's subject is also typed Profile (vcissue.credential.subject_kind).
function holderKind(subject) {
  return list(subject.type).includes('Profile') ? 'organisation' : 'person';
}

// The RPL marker: an evidence entry of genre RecognitionOfPriorLearning (vcissue.render.view).
function recognisedPriorLearning(vc) {
  for(const item of list(vc.evidence)) {
    if(item && typeof item === 'object' && item.genre === 'RecognitionOfPriorLearning') {
      return text(item.description) || text(item.name);
    }
  }
  return null;
}

/** The fields the page shows, each a string or null. */
export function certificateDetails(vc) {
  const subjects = list(vc.credentialSubject);
  const subject = subjects[0] && typeof subjects[0] === 'object' ? subjects[0] : {};
  const achievement = subject.achievement && typeof subject.achievement === 'object' ?
    subject.achievement : {};
  const issuer = vc.issuer && typeof vc.issuer === 'object' ? vc.issuer : {id: vc.issuer};
  const units = list(achievement.alignment)
    .filter(unit => unit && typeof unit === 'object')
    .map(unit => [text(unit.targetCode), text(unit.targetName)].filter(Boolean).join(' '))
    .filter(Boolean);
  const kinds = {Certification: 'Full certificate', Competency: 'Unit credential'};
  const scheme = [text(achievement.humanCode),
    text(achievement.version) && `version ${achievement.version}`].filter(Boolean).join(', ');
  return {
    holder: holderName(subject),
    holderKind: holderKind(subject),
    qualification: text(achievement.name) || text(vc.name),
    kind: kinds[achievement.achievementType] || text(achievement.achievementType),
    scheme: scheme || null,
    units: units.length ? units.join('; ') : null,
    rpl: recognisedPriorLearning(vc),
    scope: text(vc.description),
    awarded: text(vc.awardedDate) || text(vc.validFrom),
    expires: text(vc.validUntil),
    id: text(vc.id),
    issuerName: text(issuer.name),
    issuerId: text(issuer.id)
  };
}
