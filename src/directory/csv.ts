// CSV as RFC 4180 writes it: comma-separated, fields quoted with double quotes when they hold a comma, a quote or a
// line break, quotes doubled inside. Read from lines (so files of any size stream), with the line number where
// each record starts; a quoted field may span lines.

export interface CsvRecord {
  /** 1-based line number of the record's first line. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Records of a CSV text given line by line (without line terminators). Blank lines are skipped. */
export async function* readCsv(lines: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  let lineNumber = 0;
  let fields: string[] = [];
  let field = '';
  let quoted = false; // inside a quoted field
  let start = 0;
  for await (const rawLine of lines) {
    lineNumber++;
    const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
    if (!quoted) {
      if (line.trim() === '') continue;
      start = lineNumber;
    } else {
      field += '\n';
    }
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            quoted = false;
          }
        } else {
          field += c;
        }
      } else if (c === '"') {
        // A quote opens a quoted field only at its start; elsewhere it is taken as written.
        if (field.trim() === '') {
          field = '';
          quoted = true;
        } else {
          field += c;
        }
      } else if (c === ',') {
        fields.push(field);
        field = '';
      } else {
        field += c;
      }
    }
    if (quoted) continue;
    fields.push(field);
    yield { line: start, fields };
    fields = [];
    field = '';
  }
  if (quoted) throw new CsvSyntaxError(start, `line ${start}: a quoted field is never closed`);
}

/** One CSV line (without its terminator). */
export function formatCsvRow(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]|^\s|\s$/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
}

/** A list inside one cell, separated by `;`; a `;` or `\` inside an item is escaped with `\`. */
export function splitList(cell: string): string[] {
  const items: string[] = [];
  let item = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i];
    if (c === '\\' && (cell[i + 1] === ';' || cell[i + 1] === '\\')) {
      item += cell[++i];
    } else if (c === ';') {
      items.push(item);
      item = '';
    } else {
      item += c;
    }
  }
  items.push(item);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

export function joinList(items: readonly string[]): string {
  return items.map((s) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;')).join(';');
}
