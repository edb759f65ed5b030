/**
 * A job-summary builder. Everything that comes from outside (file names, AWS messages, commit
 * subjects) is escaped, so it can neither break a table nor inject HTML into the summary page.
 */

/**
 * Escapes untrusted text for Markdown/HTML: `& < > " '`, table pipes, backticks; line breaks
 * become spaces (inside a table cell they would end the row).
 *
 * @example
 * escapeMarkdown('a|b <script>'); // 'a\\|b &lt;script&gt;'
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/\r?\n/g, ' ');
}

/** A table cell: plain text (escaped), or `{ md }` for Markdown the action built itself. */
export type Cell = string | number | { md: string };

function cell(value: Cell): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeMarkdown(value);
  return value.md;
}

export interface ChartSeries {
  name: string;
  values: number[];
}

export interface LineChart {
  title: string;
  xLabels: string[];
  yLabel: string;
  series: ChartSeries[];
}

function mermaidText(text: string): string {
  return text.replace(/["\r\n`]/g, ' ');
}

/**
 * Builds Markdown in order; `toString()` returns it.
 *
 * @example
 * const md = new SummaryBuilder().heading('Budgets').table(['File', 'Size'], [['app.js', '12 kB']]).toString();
 */
export class SummaryBuilder {
  private parts: string[] = [];

  heading(text: string, level: 1 | 2 | 3 | 4 = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${escapeMarkdown(text)}\n`);
    return this;
  }

  paragraph(text: string): this {
    this.parts.push(`${escapeMarkdown(text)}\n`);
    return this;
  }

  /** Markdown the action wrote itself (not escaped: never pass untrusted text here). */
  raw(markdown: string): this {
    this.parts.push(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    return this;
  }

  table(headers: string[], rows: Cell[][]): this {
    const lines = [
      `| ${headers.map(escapeMarkdown).join(' | ')} |`,
      `| ${headers.map(() => '---').join(' | ')} |`,
      ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    ];
    this.parts.push(`${lines.join('\n')}\n`);
    return this;
  }

  list(items: Cell[]): this {
    this.parts.push(`${items.map((i) => `- ${cell(i)}`).join('\n')}\n`);
    return this;
  }

  /** A fenced code block; the fence is longer than any backtick run inside. */
  code(text: string, language = ''): this {
    const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = '`'.repeat(longest + 1);
    this.parts.push(`${fence}${language}\n${text}\n${fence}\n`);
    return this;
  }

  /** A collapsible section; `body` is built by the callback. */
  details(summaryText: string, body: (inner: SummaryBuilder) => void): this {
    const inner = new SummaryBuilder();
    body(inner);
    this.parts.push(
      `<details><summary>${escapeMarkdown(summaryText)}</summary>\n\n${inner.toString()}\n</details>\n`,
    );
    return this;
  }

  /**
   * A Mermaid `xychart-beta` line chart, one line per series (GitHub renders it in summaries).
   * Mermaid's xychart has no legend, so a caption names the series in drawing order.
   */
  lineChart(chart: LineChart): this {
    const all = chart.series.flatMap((s) => s.values).filter(Number.isFinite);
    const max = all.length ? Math.max(...all) : 1;
    const top = max <= 0 ? 1 : Number((max * 1.1).toPrecision(2));
    const lines = [
      '```mermaid',
      'xychart-beta',
      `  title "${mermaidText(chart.title)}"`,
      `  x-axis [${chart.xLabels.map((l) => `"${mermaidText(l)}"`).join(', ')}]`,
      `  y-axis "${mermaidText(chart.yLabel)}" 0 --> ${top}`,
      ...chart.series.map(
        (s) =>
          `  line [${s.values.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(4)) : 0)).join(', ')}]`,
      ),
      '```',
      `_Lines, in order: ${chart.series.map((s) => escapeMarkdown(s.name)).join(', ')}._`,
    ];
    this.parts.push(`${lines.join('\n')}\n`);
    return this;
  }

  isEmpty(): boolean {
    return this.parts.length === 0;
  }

  toString(): string {
    return this.parts.join('\n');
  }
}

/**
 * A count with its noun, singular for one: for lines a person reads.
 *
 * @example
 * countOf(1, 'table'); // '1 table'
 * countOf(4, 'table'); // '4 tables'
 * countOf(2, 'entry', 'entries'); // '2 entries'
 */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
