import { z } from 'zod';

/** Field formats shared by every form and every layer that accepts them. */
export const NAME_MAX = 120;

export const nameField = (label: string) =>
  z
    .string({ error: `${label} is required.` })
    .trim()
    .min(1, { error: `${label} is required.` })
    .max(NAME_MAX, { error: `${label} must be at most ${NAME_MAX} characters.` });

export const optionalText = (label: string, max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `${label} must be at most ${max} characters.` })
    .default('');

export const emailField = z
  .string({ error: 'Email is required.' })
  .trim()
  .min(1, { error: 'Email is required.' })
  .max(254, { error: 'Email must be at most 254 characters.' })
  .pipe(z.email({ error: 'Enter an email address like name@example.com.' }));

const PHONE = /^\+?[0-9][0-9 ().-]{3,23}[0-9]$/;

export const phoneField = z
  .string()
  .trim()
  .max(25, { error: 'Phone must be at most 25 characters.' })
  .refine((v) => v === '' || (PHONE.test(v) && v.replace(/\D/g, '').length >= 5), {
    error: 'Enter a phone number of digits, spaces, dashes or brackets, e.g. +1 555 010 2030.',
  })
  .default('');

let zones: Set<string> | undefined;
export function timeZones(): readonly string[] {
  return Intl.supportedValuesOf('timeZone');
}
export function isTimeZone(tz: string): boolean {
  zones ??= new Set([...timeZones(), 'UTC']);
  return zones.has(tz);
}

export const timeZoneField = z
  .string({ error: 'Time zone is required.' })
  .trim()
  .refine(isTimeZone, { error: 'Choose a time zone from the list, e.g. Europe/Berlin.' });

export const idField = z.string().trim().min(1).max(64);
