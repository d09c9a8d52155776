import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { createTOTPKeyURI, generateHOTP, verifyHOTP } from '@oslojs/otp';
import QRCode from 'qrcode';
import { randomBytes } from '../ids';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const STEP_SECONDS = 30;
const DIGITS = 6;
/** A code from the step before or after is accepted too, for clocks a little apart. */
const DRIFT_STEPS = 1;

/** A new 160-bit shared key (RFC 4226's recommended length). */
export function newTotpKey(): Uint8Array {
  return randomBytes(20);
}

/** The key as the text an app accepts when typed in, in groups of four. */
export function totpKeyText(key: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(key).replace(/(.{4})(?=.)/g, '$1 ');
}

/** The otpauth:// URI of the key, for the QR code. */
export function totpKeyUri(issuer: string, accountName: string, key: Uint8Array): string {
  return createTOTPKeyURI(issuer, accountName, key, STEP_SECONDS, DIGITS);
}

/** The QR code of a key URI as an SVG data: URL (the CSP allows data: images). */
export async function totpQrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** A code as typed: digits, maybe with spaces or a dash in the middle. */
function normaliseTotpCode(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/**
 * The time step a code is valid for at `now`, or null. A step at or before `lastStep` (the last
 * one accepted) is refused: each code works once.
 */
export function matchTotpStep(key: Uint8Array, code: string, now: Date, lastStep: number | null): number | null {
  const normalised = normaliseTotpCode(code);
  if (!normalised) return null;
  const current = Math.floor(now.getTime() / 1000 / STEP_SECONDS);
  for (let offset = -DRIFT_STEPS; offset <= DRIFT_STEPS; offset += 1) {
    const step = current + offset;
    if (lastStep !== null && step <= lastStep) continue;
    if (verifyHOTP(key, BigInt(step), DIGITS, normalised)) return step;
  }
  return null;
}

/** The code an app shows at `now` (what the tests type). */
export function totpCodeAt(key: Uint8Array, now: Date): string {
  return generateHOTP(key, BigInt(Math.floor(now.getTime() / 1000 / STEP_SECONDS)), DIGITS);
}
