/**
 * Where the CPU goes during a measurement: CPU time (user + system, from /proc) of the processes a
 * benchmark started, summed per label. A process takes the label of its first labelled ancestor
 * (itself included), so PostgreSQL's backends count with their postmaster and Keycloak's JVM with
 * its launcher. Linux only; elsewhere every snapshot is empty.
 */
import { readdir, readFile } from 'node:fs/promises';

/** A label for a process, from its pid and command line; undefined: ask its parent. */
export type Labeller = (pid: number, commandLine: string) => string | undefined;

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds used so far, per label, by the live processes `label` recognises. */
export async function cpuSnapshot(label: Labeller): Promise<Map<string, number>> {
  const processes = new Map<number, { parent: number; seconds: number; commandLine: string }>();
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name)).map(Number);
  await Promise.all(
    pids.map(async (pid) => {
      const [stat, commandLine] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
        readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      ]);
      // After the command name in parentheses: state, ppid, …, utime (14th field), stime (15th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields.length < 13) return;
      processes.set(pid, { parent: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, commandLine: commandLine.replaceAll('\0', ' ') });
    }),
  );
  const labelOf = (pid: number): string | undefined => {
    for (let current: number | undefined = pid, depth = 0; current && depth < 20; depth++) {
      const p = processes.get(current);
      if (!p) return undefined;
      const found = label(current, p.commandLine);
      if (found) return found;
      current = p.parent;
    }
    return undefined;
  };
  const totals = new Map<string, number>();
  for (const [pid, p] of processes) {
    const name = labelOf(pid);
    if (name) totals.set(name, (totals.get(name) ?? 0) + p.seconds);
  }
  return totals;
}

/** CPU seconds per label between two snapshots. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([name, seconds]) => [name, Math.max(0, seconds - (before.get(name) ?? 0))]));
}

/** CPU seconds the whole machine has used (every core, every process), from /proc/stat. */
export async function machineCpuSeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal …: everything but idle and iowait is busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}
