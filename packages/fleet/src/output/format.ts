/** Number formatting shared by the live line, the summary and the report. */

/** `1 234 567` style (thin groups, no locale surprises). */
export function count(value: number): string {
  return Math.round(value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** A rate per second: one decimal below 10 (`0.4`, `9.5`), so a slow run does not read as 0; else `count`. */
export function rate(value: number): string {
  return value < 9.95 ? value.toFixed(1) : count(value);
}

/** `1 device`, `2 000 devices`: a count with its noun, singular for one. */
export function counted(value: number, noun: string): string {
  return `${count(value)} ${noun}${Math.round(value) === 1 ? '' : 's'}`;
}

/** A latency in ms with sensible precision: `0.42 ms`, `12.3 ms`, `1 520 ms`. */
export function ms(value: number): string {
  if (value === 0) return '0 ms';
  if (value < 1) return `${value.toFixed(2)} ms`;
  if (value < 100) return `${value.toFixed(1)} ms`;
  return `${count(value)} ms`;
}

/** Bytes as MB with one decimal. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Seconds with one decimal. */
export function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}
