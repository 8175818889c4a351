/**
 * Prints problems as they are found without burying the ones that matter: every error is
 * printed; of each kind of warning only the first few, and at the end one line per kind
 * saying how many there were in all and where every one is (the site's `_site/verify/` page,
 * and `--log FILE`, which keeps every line). Lines are terminal-safe (formatDiagnostic).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatDiagnostic, type Diagnostic } from './catalogue.ts';

/** Where lines go: the terminal writer, warnings shown per kind, an optional log file path, hints. */
export interface PrinterOptions { write: (line: string) => void; perKind?: number; logFile?: string; hints?: boolean }

/** See the module comment. Throws (from the constructor) when the log file cannot be created. */
export class DiagnosticPrinter {
  private readonly o: PrinterOptions;
  private readonly seen = new Map<string, { count: number; message: string }>();
  private readonly fd: number | undefined;

  constructor(o: PrinterOptions) {
    this.o = o;
    this.fd = o.logFile ? openSync(o.logFile, 'w') : undefined;
  }

  /** Prints (or counts) one problem; always logs it. */
  print(d: Diagnostic): void {
    const line = formatDiagnostic(d, this.o.hints);
    this.log(line);
    if (d.level === 'error') return this.o.write(line);
    const s = this.seen.get(d.code) ?? { count: 0, message: d.message };
    s.count++;
    this.seen.set(d.code, s);
    if (s.count <= (this.o.perKind ?? 5)) this.o.write(line);
  }

  /** A line for the log only (e.g. the summary). */
  log(line: string): void {
    if (this.fd !== undefined) writeSync(this.fd, `${line}\n`);
  }

  /** One line per warning kind that was cut short: how many in all, where they all are (`where`, and the log). */
  summaryLines(where?: string): string[] {
    const shown = this.o.perKind ?? 5;
    const all = [where, this.o.logFile ? `in ${this.o.logFile}` : undefined].filter(Boolean).join(' and ');
    return [...this.seen].filter(([, s]) => s.count > shown).map(([code, s]) =>
      `warning: ${s.count} of [${code}] in all (e.g. ${s.message}); the first ${shown} are above, every one ${all}`);
  }

  /** Closes the log file. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
