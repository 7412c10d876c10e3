/**
 * The simulated hub's TLS identity: a local CA and a server certificate it signs, ECDSA P-256,
 * made with @peculiar/x509 over Node's WebCrypto. Kept in the state folder so a device that trusts
 * `ca.pem` once keeps trusting the hub across restarts; the server certificate is issued again when
 * it lacks a name the hub answers to, nears its end, or was not signed by that CA.
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { readOptionalText, writeFileAtomic } from '../state/files.ts';

/** PEM texts the TLS listeners need, and the CA a client must trust. */
export interface TlsMaterial {
  /** Server certificate (PEM). */
  readonly cert: string;
  /** Server private key (PKCS#8 PEM). */
  readonly key: string;
  /** What clients should trust: the generated CA, or what the caller supplied. */
  readonly ca: string;
}

/** File names inside the state folder. */
export const TLS_FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;

const ALGORITHM: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;
const CA_LIFETIME_DAYS = 3650;
const SERVER_LIFETIME_DAYS = 397;
/** A server certificate closer than this to its end is issued again on start. */
const RENEW_BEFORE_DAYS = 30;

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Names a server certificate for these hosts must carry: `localhost`, the loopback addresses, and each extra name. */
export function serverNames(extra: readonly string[]): string[] {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  for (const name of extra) if (name !== '' && name !== '0.0.0.0' && name !== '::') names.add(name);
  return [...names];
}

/**
 * Loads the CA and server certificate from `dir`, creating whatever is missing or unfit; without
 * `dir`, makes a fresh pair in memory. Throws a readable Error when a file exists but cannot be read as PEM.
 */
export async function loadOrCreateTls(dir: string | undefined, names: readonly string[], now: Date = new Date()): Promise<TlsMaterial> {
  if (dir === undefined) {
    // Hubs without a state folder (tests start dozens) share one in-memory pair per set of names.
    const key = [...names].sort().join(' ');
    let made = inMemory.get(key);
    if (made === undefined) inMemory.set(key, (made = createCa(now).then((ca) => issueServerCert(ca, names, now).then((server) => ({ ...server, ca: ca.certPem })))));
    return made;
  }
  const ca = (await loadCa(dir)) ?? (await createCa(now));
  if (ca.fresh) {
    await writeFileAtomic(`${dir}/${TLS_FILES.caKey}`, ca.keyPem, 0o600);
    await writeFileAtomic(`${dir}/${TLS_FILES.ca}`, ca.certPem);
  } else {
    const cert = await readOptionalText(`${dir}/${TLS_FILES.cert}`);
    const key = await readOptionalText(`${dir}/${TLS_FILES.key}`);
    if (cert !== undefined && key !== undefined && (await serverCertFits(cert, ca.certificate, names, now))) {
      return { cert, key, ca: ca.certPem };
    }
  }
  const server = await issueServerCert(ca, names, now);
  await writeFileAtomic(`${dir}/${TLS_FILES.key}`, server.key, 0o600);
  await writeFileAtomic(`${dir}/${TLS_FILES.cert}`, server.cert);
  return { cert: server.cert, key: server.key, ca: ca.certPem };
}

const inMemory = new Map<string, Promise<TlsMaterial>>();

interface CertificateAuthority {
  readonly certificate: x509.X509Certificate;
  readonly certPem: string;
  readonly keyPem: string;
  readonly signingKey: CryptoKey;
  /** Made now, not read from disk. */
  readonly fresh: boolean;
}

async function createCa(now: Date): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=hubwire sim-hub local CA ${now.toISOString().slice(0, 10)}`,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + CA_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certificate, certPem: certificate.toString('pem'), keyPem: toPem(pkcs8, 'PRIVATE KEY'), signingKey: keys.privateKey, fresh: true };
}

async function loadCa(dir: string): Promise<CertificateAuthority | undefined> {
  const certPem = await readOptionalText(`${dir}/${TLS_FILES.ca}`);
  const keyPem = await readOptionalText(`${dir}/${TLS_FILES.caKey}`);
  if (certPem === undefined && keyPem === undefined) return undefined;
  if (certPem === undefined || keyPem === undefined) {
    throw new Error(`${dir} has ${certPem === undefined ? TLS_FILES.caKey : TLS_FILES.ca} without ${certPem === undefined ? TLS_FILES.ca : TLS_FILES.caKey}: restore the missing file or remove both to make a new CA`);
  }
  try {
    const certificate = new x509.X509Certificate(certPem);
    const signingKey = await webcrypto.subtle.importKey('pkcs8', fromPem(keyPem), ALGORITHM, true, ['sign']);
    return { certificate, certPem, keyPem, signingKey: signingKey as CryptoKey, fresh: false };
  } catch (error) {
    throw new Error(`${dir}/${TLS_FILES.ca} or ${TLS_FILES.caKey} is not an ECDSA P-256 CA this hub made (${error instanceof Error ? error.message : String(error)})`);
  }
}

async function issueServerCert(ca: CertificateAuthority, names: readonly string[], now: Date): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${names.find((name) => isIP(name) === 0) ?? 'localhost'}`,
    issuer: ca.certificate.subject,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + SERVER_LIFETIME_DAYS * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: isIP(name) === 0 ? ('dns' as const) : ('ip' as const), value: name }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(await ca.certificate.publicKey.export()),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: certificate.toString('pem'), key: toPem(pkcs8, 'PRIVATE KEY') };
}

/** True when `pem` was signed by the CA, names every host, and is not near its end. */
async function serverCertFits(pem: string, ca: x509.X509Certificate, names: readonly string[], now: Date): Promise<boolean> {
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(pem);
  } catch {
    return false;
  }
  if (certificate.notAfter.getTime() - now.getTime() < RENEW_BEFORE_DAYS * DAY_MS) return false;
  if (!(await certificate.verify({ publicKey: ca, signatureOnly: true }))) return false;
  const san = certificate.getExtension(x509.SubjectAlternativeNameExtension);
  const carried = new Set(san?.names.items.map((name) => name.value) ?? []);
  return names.every((name) => carried.has(name));
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // a positive INTEGER
  return Buffer.from(bytes).toString('hex');
}

function toPem(der: ArrayBuffer, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

function fromPem(pem: string): ArrayBuffer {
  const base64 = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  const bytes = Buffer.from(base64, 'base64');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
