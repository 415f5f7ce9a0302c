import { afterEach, describe, expect, it } from 'vitest';
import { sizesFromEnv } from '../bench/bench-stack';
import { atLeast, atMost, type Row, rowMet, tableLines, tally, verdict } from '../bench/summary';
import { openStepRow } from '../bench/worker-figures';

const row = (operation: string, checks: Row['checks']): Row => ({
  operation,
  app: '1 ms',
  rawLabel: 'raw',
  raw: '1 ms',
  ratio: '1.00 ×',
  goal: '≤ 15 ms',
  checks,
  note: '',
});

describe("the bench's summary table", () => {
  it('decides a goal at its limit as met, just past it as not met', () => {
    expect(atMost(15, 15).met).toBe(true);
    expect(atMost(15.01, 15).met).toBe(false);
    expect(atLeast(0.8, 0.8).met).toBe(true);
    expect(atLeast(0.79, 0.8).met).toBe(false);
  });

  it('never counts a figure that is not a number as met', () => {
    expect(atMost(Number.NaN, 15).met).toBe(false);
    expect(atLeast(Number.NaN, 50).met).toBe(false);
    expect(atLeast(Number.POSITIVE_INFINITY, 50).met).toBe(false);
  });

  it('says met / NOT met, and names each part of a goal that has several', () => {
    expect(verdict([atMost(3, 5)])).toBe('met');
    expect(verdict([atMost(6, 5)])).toBe('NOT met');
    expect(verdict([atMost(1.2, 1.5, 'time'), atMost(120, 100, 'memory')])).toBe('time met, memory NOT met');
    expect(() => verdict([])).toThrow();
  });

  it('meets a row only when every part does, and tallies the rows that did not', () => {
    const rows = [row('list page 1', [atMost(9, 15)]), row('export', [atMost(1, 1.5, 'time'), atMost(120, 100, 'memory')]), row('drain', [atLeast(30, 50)])];
    expect(rows.map(rowMet)).toEqual([true, false, false]);
    expect(tally(rows)).toBe('goals met: 1 of 3; NOT met: export; drain');
    expect(tally(rows.slice(0, 1))).toBe('goals met: 1 of 1');
  });

  it('prints one line per row under the header, columns aligned, the tally last', () => {
    const lines = tableLines([row('list page 1', [atMost(9, 15)]), row('groupBy=status, a longer name', [atMost(16, 15)])]);
    expect(lines).toHaveLength(6);
    expect(lines[0]!.indexOf('app')).toBe(lines[2]!.indexOf('1 ms'));
    expect(lines[2]!.indexOf('1 ms')).toBe(lines[3]!.indexOf('1 ms'));
    expect(lines[3]).toContain('NOT met');
    expect(lines[5]).toBe('goals met: 1 of 2; NOT met: groupBy=status, a longer name');
  });
});

describe('sizes from the environment (BENCH_OPEN_WORKFLOWS)', () => {
  const name = 'BENCH_TEST_SIZES';
  afterEach(() => {
    delete process.env[name];
  });

  it('reads one size, a growing list, or 0 for none; the default when unset', () => {
    expect(sizesFromEnv(name, [20_000, 100_000])).toEqual([20_000, 100_000]);
    process.env[name] = '20000';
    expect(sizesFromEnv(name, [1])).toEqual([20_000]);
    process.env[name] = '2000, 5000';
    expect(sizesFromEnv(name, [1])).toEqual([2000, 5000]);
    process.env[name] = '0';
    expect(sizesFromEnv(name, [1])).toEqual([]);
  });

  it('refuses sizes that do not grow, zeros in a list and anything not an integer', () => {
    for (const bad of ['5000,2000', '2000,2000', '0,2000', '2e3x', '-1', '1.5']) {
      process.env[name] = bad;
      expect(() => sizesFromEnv(name, [1]), bad).toThrow(name);
    }
  });
});

describe("the worker's memory rows", () => {
  const MB = 2 ** 20;
  const step = { openWorkflows: 100_000, rss: 318 * MB, peak: 325 * MB, seconds: 3362, backlogLeft: 0, devDbBytes: 2183 * MB };

  it('meets ≤ 400 MB by the larger of the sample and the peak while the workflows were opened', () => {
    expect(rowMet(openStepRow(step, 217 * MB))).toBe(true);
    expect(rowMet(openStepRow({ ...step, peak: 401 * MB }, 217 * MB))).toBe(false);
    expect(rowMet(openStepRow({ ...step, rss: 401 * MB, peak: 300 * MB }, 217 * MB))).toBe(false);
  });

  it('does not meet its goal when sampled before every first task ran, whatever the memory', () => {
    const row = openStepRow({ ...step, backlogLeft: 16_881 }, 217 * MB);
    expect(rowMet(row)).toBe(false);
    expect(verdict(row.checks)).toBe('memory met, every first task run NOT met');
    expect(row.note).toContain('16881 first tasks still queued');
  });
});
