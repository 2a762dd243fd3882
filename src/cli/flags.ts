// Flags that several commands share; the output flags every command takes are
// BaseCommand's (base-command.ts).
import { Flags } from '@oclif/core';

/** `--sort` and `--limit`, shared by every command that lists things. */
export const listFlags = {
  sort: Flags.string({
    description:
      'Sort by these columns (JSON key names, comma-separated); ascending, a leading - for descending, e.g. --sort=-bytes_sent,id. Default: id.',
    helpValue: 'KEY[,KEY]',
  }),
  limit: Flags.integer({
    description: 'Show at most N rows (after sorting).',
    helpValue: 'N',
    min: 0,
  }),
};

/** --watch, --interval, --count and --rate: the commands that read counters (stats, fd, conn). */
export const liveFlags = {
  watch: Flags.boolean({
    char: 'w',
    description:
      'Refresh every --interval until interrupted: a live table on a terminal; with --json one line of JSON per snapshot (NDJSON), with --csv one header row then rows; taken_ns leads each record.',
  }),
  interval: Flags.string({ description: 'Time between snapshots with --watch: 1s (default), 500ms, 2m.', helpValue: 'DURATION' }),
  count: Flags.integer({ description: 'With --watch: stop after N snapshots.', helpValue: 'N', min: 1 }),
  rate: Flags.boolean({
    description:
      'Per-second rates of the counters (<counter>_per_sec) since the previous snapshot: of this --watch, or of the previous run (history in $MUTEXCTL_HISTORY, else $XDG_RUNTIME_DIR or /tmp). After a module reload, or for a new row, since the row started.',
  }),
};

/** The `--fd` flag of the thresholds commands. */
export const fdFlag = Flags.integer({
  description: "A context's thresholds (fd id) instead of the global defaults.",
  helpValue: 'ID',
  min: 1,
  max: 0xffff_ffff,
});
