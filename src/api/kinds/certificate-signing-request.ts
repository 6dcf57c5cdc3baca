import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
  CertificateSigningRequestStatus,
} from 'kubernetes-types/certificates/v1.js';
import { APPROVED, conditionSummary, DENIED, FAILED } from '../certificates/csr-conditions.js';
import { KEY_USAGES, MIN_EXPIRATION_SECONDS } from '../certificates/signers.js';
import { fieldErrors, type FieldError } from '../errors.js';
import { isDNS1123Subdomain, nameIsPathSegment } from '../validation/names.js';
import { ageColumn, col, nameColumn } from './columns.js';
import { ageOf, defineKind, nameOf } from './define-kind.js';
import { humanDuration } from './duration.js';

type Csr = CertificateSigningRequest;

const STATUS_VALUES = ['False', 'True', 'Unknown'];
/** Condition types the server keeps once set (validateImmutableConditions). */
const IMMUTABLE_CONDITIONS = [APPROVED, DENIED, FAILED];
const APPROVAL_CONDITIONS = [APPROVED, DENIED];

/** PEM blocks of a text: type and base64 body (a hand-written reader: node:crypto has none for CSRs). */
export function pemBlocks(text: string): { type: string; body: string }[] {
  const out: { type: string; body: string }[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push({ type: m[1] ?? '', body: (m[2] ?? '').replace(/\s+/g, '') });
  return out;
}

/** The base64 `bytes` field as text ('' when absent or not base64). */
function bytesText(b64: string | undefined): string {
  return b64 ? Buffer.from(b64, 'base64').toString('latin1') : '';
}

/** The PEM text of spec.request (base64 in JSON). Exported for the admission check that parses it. */
export function requestPem(csr: Pick<Csr, 'spec'>): string {
  return bytesText(csr.spec?.request);
}

/**
 * signerName: `<domain>/<path>`, the domain a DNS subdomain (ValidateSignerName; Kubernetes also
 * bounds the lengths, kept here: 253 for the domain, 571 for the whole).
 */
function validateSignerName(signer: string | undefined): FieldError[] {
  const p = 'spec.signerName';
  if (!signer) return [fieldErrors.required(p)];
  const slash = signer.indexOf('/');
  if (slash <= 0 || slash === signer.length - 1)
    return [
      fieldErrors.invalid(p, signer, "must be a fully qualified domain and path of the form 'example.com/signer-name'"),
    ];
  const domain = signer.slice(0, slash);
  const errs = isDNS1123Subdomain(domain).map((m) => fieldErrors.invalid(p, signer, m));
  if (signer.length > 571) errs.push(fieldErrors.tooLong(p, 571));
  return errs;
}

function validateConditions(conditions: CertificateSigningRequestCondition[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  (conditions ?? []).forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    if (!c.type) errs.push(fieldErrors.required(`${p}.type`));
    const allowed = APPROVAL_CONDITIONS.includes(c.type) ? ['True'] : STATUS_VALUES;
    if (!c.status) errs.push(fieldErrors.required(`${p}.status`));
    else if (!allowed.includes(c.status)) errs.push(fieldErrors.notSupported(`${p}.status`, c.status, allowed));
    if (c.type === APPROVED) {
      approved = true;
      if (denied)
        errs.push(
          fieldErrors.invalid(
            `${p}.type`,
            c.type,
            'Approved condition may not be set once the Denied condition is set',
          ),
        );
    } else if (c.type === DENIED) {
      denied = true;
      if (approved)
        errs.push(
          fieldErrors.invalid(
            `${p}.type`,
            c.type,
            'Denied condition may not be set once the Approved condition is set',
          ),
        );
    }
    if (seen.has(c.type)) errs.push(fieldErrors.duplicate(`${p}.type`, c.type));
    seen.add(c.type);
  });
  return errs;
}

function validateCertificate(b64: string | undefined): FieldError[] {
  if (!b64) return [];
  const blocks = pemBlocks(bytesText(b64));
  const p = 'status.certificate';
  if (blocks.length === 0)
    return [fieldErrors.invalid(p, '<certificate data>', 'must contain at least one CERTIFICATE PEM block')];
  const other = blocks.find((b) => b.type !== 'CERTIFICATE');
  if (other)
    return [
      fieldErrors.invalid(p, '<certificate data>', `only CERTIFICATE PEM blocks are allowed, found "${other.type}"`),
    ];
  return [];
}

/** Approved, Denied and Failed stay as they are once set (validateImmutableConditions). */
function validateImmutableConditions(csr: Csr, old: Csr): FieldError[] {
  const errs: FieldError[] = [];
  for (const type of IMMUTABLE_CONDITIONS) {
    const before = (old.status?.conditions ?? []).filter((c) => c.type === type);
    if (before.length === 0) continue;
    const after = (csr.status?.conditions ?? []).filter((c) => c.type === type);
    if (after.length < before.length) {
      errs.push(fieldErrors.forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
      continue;
    }
    const same = before.every((b, i) => {
      const a = after[i];
      return a && a.status === b.status && a.reason === b.reason && a.message === b.message;
    });
    if (!same)
      errs.push(fieldErrors.forbidden('status.conditions', `updates may not modify a condition of type "${type}"`));
  }
  return errs;
}

function validateUpdate(csr: Csr, old: Csr): FieldError[] {
  const errs = validateImmutableConditions(csr, old);
  const before = old.status?.certificate;
  if (before && csr.status?.certificate !== before)
    errs.push(fieldErrors.forbidden('status.certificate', 'updates may not modify existing certificate content'));
  return errs;
}

/**
 * The spec checks of ValidateCertificateSigningRequestCreate (v1): a PEM CERTIFICATE REQUEST (its
 * DER and signature are checked by the CertificateSigningRequest admission plugin, which loads the
 * X.509 parser lazily), a qualified signerName, at least one known usage, no duplicates, and
 * expirationSeconds of at least 600.
 */
function validateSpec(csr: Csr): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? ({} as Csr['spec']);
  if (!spec.request) errs.push(fieldErrors.required('spec.request'));
  else {
    const blocks = pemBlocks(requestPem(csr));
    if (blocks[0]?.type !== 'CERTIFICATE REQUEST')
      errs.push(fieldErrors.invalid('spec.request', '<request data>', 'PEM block type must be CERTIFICATE REQUEST'));
  }
  errs.push(...validateSignerName(spec.signerName));
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds < MIN_EXPIRATION_SECONDS)
    errs.push(
      fieldErrors.invalid(
        'spec.expirationSeconds',
        spec.expirationSeconds,
        'may not specify a duration less than 600 seconds (10 minutes)',
      ),
    );
  const usages = spec.usages ?? [];
  if (usages.length === 0) errs.push(fieldErrors.required('spec.usages', 'usages must be provided'));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    if (!(KEY_USAGES as readonly string[]).includes(u))
      errs.push(fieldErrors.notSupported(`spec.usages[${i}]`, u, [...KEY_USAGES]));
    else if (seen.has(u)) errs.push(fieldErrors.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  return errs;
}

function statusOf(csr: Csr): CertificateSigningRequestStatus {
  const rec = csr as { status?: CertificateSigningRequestStatus };
  rec.status ??= {};
  return rec.status;
}

/** lastUpdateTime now when unset; lastTransitionTime kept from an old condition of the same type and status, else now. */
function populateConditionTimestamps(csr: Csr, old: Csr, now: string): void {
  for (const c of statusOf(csr).conditions ?? []) {
    c.lastUpdateTime ||= now;
    if (!c.lastTransitionTime) {
      const prior = (old.status?.conditions ?? []).find(
        (o) => o.type === c.type && o.status === c.status && o.lastTransitionTime,
      );
      c.lastTransitionTime = prior?.lastTransitionTime ?? now;
    }
  }
}

const isApproval = (c: CertificateSigningRequestCondition) => APPROVAL_CONDITIONS.includes(c.type);

/**
 * certificates.k8s.io/v1 CertificateSigningRequest (pkg/registry/certificates/certificates/strategy.go):
 * the requester's identity is the server's (spec.username, uid, groups, extra from the creating user);
 * the spec never changes after create; the object's update keeps status, the status subresource
 * keeps the Approved/Denied conditions, the approval subresource changes only the conditions.
 * Columns NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION.
 */
export const certificateSigningRequestStrategy = defineKind<Csr>({
  namespaced: false,
  // Kubernetes does not care what a request is called (ValidateCertificateRequestName); the REST
  // path still needs a valid segment.
  nameValidator: nameIsPathSegment,
  prepareForCreate(csr, user) {
    const spec = csr.spec as Csr['spec'] & Record<string, unknown>;
    if (!spec || typeof spec !== 'object') return;
    delete spec.username;
    delete spec.uid;
    delete spec.groups;
    delete spec.extra;
    if (user) {
      if (user.name) spec.username = user.name;
      if (user.uid) spec.uid = user.uid;
      if (user.groups.length > 0) spec.groups = [...user.groups];
      if (user.extra && Object.keys(user.extra).length > 0) spec.extra = structuredClone(user.extra);
    }
    (csr as { status?: unknown }).status = {};
  },
  prepareForUpdate(csr, old, subresource, now) {
    const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    (csr as { spec: Csr['spec'] }).spec = structuredClone(old.spec);
    if (subresource === 'status') {
      const status = statusOf(csr);
      const kept = (status.conditions ?? []).filter((c) => !isApproval(c));
      const approval = (old.status?.conditions ?? []).filter(isApproval);
      status.conditions = [...approval.map((c) => structuredClone(c)), ...kept];
      if (status.conditions.length === 0) delete status.conditions;
      populateConditionTimestamps(csr, old, ts);
    } else if (subresource === 'approval') {
      const conditions = statusOf(csr).conditions;
      const status: CertificateSigningRequestStatus = structuredClone(old.status ?? {});
      if (conditions && conditions.length > 0) status.conditions = conditions;
      else delete status.conditions;
      (csr as { status?: CertificateSigningRequestStatus }).status = status;
      populateConditionTimestamps(csr, old, ts);
    }
  },
  validate(csr) {
    return [
      ...validateSpec(csr),
      ...validateConditions(csr.status?.conditions),
      ...validateCertificate(csr.status?.certificate),
    ];
  },
  validateUpdate: validateUpdate,
  validateStatus: (csr, old) => [
    ...validateConditions(csr.status?.conditions),
    ...validateCertificate(csr.status?.certificate),
    ...validateUpdate(csr, old),
  ],
  columns: [
    nameColumn(),
    ageColumn(),
    col(
      'SignerName',
      'string',
      'signerName indicates the requested signer, and is a qualified name.\n\nList/watch requests for CertificateSigningRequests can filter on this field using a "spec.signerName=NAME" fieldSelector.',
    ),
    col(
      'Requestor',
      'string',
      'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data is additionally base64-encoded.',
    ),
    col(
      'RequestedDuration',
      'string',
      'expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.',
    ),
    col(
      'Condition',
      'string',
      'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".',
    ),
  ],
  row: (csr, now) => [
    nameOf(csr),
    ageOf(csr, now),
    csr.spec?.signerName || '<none>',
    csr.spec?.username ?? '',
    csr.spec?.expirationSeconds === undefined ? '<none>' : humanDuration(csr.spec.expirationSeconds * 1000),
    conditionSummary(csr),
  ],
  selectableFields: (csr) => ({ 'spec.signerName': csr.spec?.signerName ?? '' }),
});
