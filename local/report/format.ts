/** How numbers and times read in the report. */

/** Four significant digits, plain notation for everyday magnitudes; non-finite values by name. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** `2024-06-01 04:05:00` (UTC; the local runtime's clock is virtual, so the zone is only a convention). */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');
}

/** `4 h 05 min`, `12 min 30 s`, `45 s`, `0 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours} h ${String(minutes).padStart(2, '0')} min`;
  if (minutes > 0) return `${minutes} min ${String(rest).padStart(2, '0')} s`;
  return `${rest} s`;
}

/** `+4 h 05 min` after `origin`. */
export function formatOffset(iso: string, origin: number): string {
  return `+${formatDuration(Date.parse(iso) - origin)}`;
}

/** The last path segment of an S3 URI or key. */
export function baseName(uriOrKey: string): string {
  return uriOrKey.split('/').filter(Boolean).at(-1) ?? uriOrKey;
}

/** The first 12 hex digits of a digest, as people quote them. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
