/**
 * The final table of `npm run bench`: one row per figure of issue 13's goals, beside its raw limit measured
 * in the same run, with the goal and whether this run met it. Pure (no I/O) so that the decision is tested
 * (test/unit/bench-summary.test.ts).
 */

/** One condition of a goal; `part` names it when a goal has several (the export: time and memory). */
export interface Check {
  part?: string;
  met: boolean;
}

export interface Row {
  operation: string;
  app: string;
  rawLabel: string;
  raw: string;
  ratio: string;
  goal: string;
  checks: Check[];
  note: string;
}

/** `value ≤ limit` / `value ≥ limit`, as checks (a figure that is not a number never meets its goal). */
export const atMost = (value: number, limit: number, part?: string): Check => ({ part, met: Number.isFinite(value) && value <= limit });
export const atLeast = (value: number, limit: number, part?: string): Check => ({ part, met: Number.isFinite(value) && value >= limit });

/** « met » / « NOT met »; for several named parts, each: « time met, memory NOT met ». */
export function verdict(checks: Check[]): string {
  if (checks.length === 0) throw new Error('a goal without a check');
  if (checks.length === 1 && !checks[0]!.part) return checks[0]!.met ? 'met' : 'NOT met';
  return checks.map((c) => `${c.part ?? 'goal'} ${c.met ? 'met' : 'NOT met'}`).join(', ');
}

/** A row meets its goal when every check does. */
export const rowMet = (row: Pick<Row, 'checks'>) => row.checks.every((c) => c.met);

/** The closing line: how many goals this run met, and which it did not. */
export function tally(rows: Row[]): string {
  const missed = rows.filter((r) => !rowMet(r)).map((r) => r.operation);
  return `goals met: ${rows.length - missed.length} of ${rows.length}${missed.length ? `; NOT met: ${missed.join('; ')}` : ''}`;
}

/** The table as text lines, columns padded to their widest cell. */
export function tableLines(rows: Row[]): string[] {
  const header = ['operation', 'app', 'raw limit (same run)', 'raw', 'app/raw', 'goal', 'result', 'note'];
  const cells = rows.map((r) => [r.operation, r.app, r.rawLabel, r.raw, r.ratio, r.goal, verdict(r.checks), r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((line) => line[i]!.length)));
  const format = (line: string[]) => line.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(format), '', tally(rows)];
}
