// Reading the cells back out of the two table styles (src/output/table.ts).

/** The cells of a box-drawn table (header and rows), trimmed. */
export function boxedCells(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('│'))
    .map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()));
}

/** The cells of a plain table, as `awk -F '  +'` splits its lines. */
export function plainCells(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.trim().split(/ {2,}/));
}

/** Whether `text` holds a control character (C0 but the line feed, DEL, C1) that would reach a terminal raw. */
export function hasRawControl(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if ((code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
