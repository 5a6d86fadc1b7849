// Dates, durations and numbers in the console's language; instants are read as UTC from the API.
import { locale, t } from './i18n.js';

export function formatDateTime(iso) {
  if (!iso) return t('common.none');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium' }).format(date);
}

export function formatTime(seconds) {
  return new Intl.DateTimeFormat(locale(), { timeStyle: 'medium' }).format(new Date(seconds * 1000));
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return t('common.none');
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return t('common.none');
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('duration.s', { s });
  if (s < 3600) return t('duration.m', { m: Math.floor(s / 60), s: s % 60 });
  if (s < 86400) return t('duration.h', { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('duration.d', { d: Math.floor(s / 86400), h: Math.floor((s % 86400) / 3600) });
}

/** A datetime-local input's value (local time) as the API's UTC instant, or ''. */
export function instantFromLocalInput(value) {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The API's UTC instant as a datetime-local input's value (local time), or ''. */
export function localInputFromInstant(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The text of a failed call for an operator. */
export function errorText(error) {
  if (!error) return '';
  if (error.status === 0) return t('error.network');
  const head = error.status ? t('error.status', { status: error.status }) : '';
  return [head, error.message].filter(Boolean).join(' — ');
}
