/** TLS for tests where the server has none: the fleet's generated CA and TLS front. */
export { makeCertificates as makeTestCertificates, startTlsFront } from '../../packages/fleet/src/hub/tls-front.ts';
export type { HubCertificates as TestCertificates, TlsFront } from '../../packages/fleet/src/hub/tls-front.ts';
