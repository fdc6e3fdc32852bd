/** What a bulk command prints: one JSON line per item on stdout, a progress bar on a terminal's stderr. */
import { ManifestoError } from '../../errors/errors.ts';
import { toManifestoError } from '../errors-output.ts';
import type { CommandIO } from '../io.ts';

export interface BulkOutcome {
  total: number;
  failed: number;
}

/**
 * The per-item results of a bulk command: a JSON line on stdout for each item, a one-line progress bar
 * on stderr (only on a terminal), and the outcome at the end.
 */
export function bulkReport(io: CommandIO, total: number) {
  let done = 0;
  let failed = 0;
  let firstError: ManifestoError | undefined;
  const draw = () => {
    if (!io.interactive) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    // Bytes: stderr makes strings terminal-safe, and this line's carriage return is ours.
    io.stderr.write(
      Buffer.from(
        `\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`,
      ),
    );
  };
  draw();
  return {
    succeeded(line: Record<string, unknown>) {
      io.stdout.write(`${JSON.stringify(line)}\n`);
      done++;
      draw();
    },
    failed(item: { line: number; image: string }, error: unknown) {
      const failure = toManifestoError(error);
      firstError ??= failure;
      io.stdout.write(
        `${JSON.stringify({ line: item.line, image: item.image, ok: false, error: failure.toJSON() })}\n`,
      );
      done++;
      failed++;
      draw();
    },
    /** Ends the bar; throws a 'partial' error (or the error of every item) when any item failed. */
    finish(json: boolean, what: string): BulkOutcome {
      if (io.interactive) io.stderr.write('\n');
      const outcome = { total, failed };
      if (failed === 0) {
        if (!json) io.stderr.write(`${what}: ${total} of ${total} ok\n`);
        return outcome;
      }
      throw new ManifestoError(
        'BULK_PARTIAL',
        `${what}: ${failed} of ${total} failed (see the lines with "ok": false on stdout)`,
        {
          category: failed === total && firstError !== undefined ? firstError.category : 'partial',
          hint: 'The other items succeeded; run the failed lines again.',
        },
      );
    },
  };
}
