import { describe, expect, it } from '@jest/globals';
import { SummaryBuilder, countOf, escapeMarkdown } from '@white-cross/core';

describe('escapeMarkdown', () => {
  it('neutralises HTML, table pipes, backticks and line breaks', () => {
    expect(escapeMarkdown('<img src=x onerror="a">|`x`\nnext & more')).toBe(
      '&lt;img src=x onerror=&quot;a&quot;&gt;\\|\\`x\\` next &amp; more',
    );
  });
});

describe('SummaryBuilder', () => {
  it('builds headings, escaped tables with trusted Markdown cells, and lists', () => {
    const md = new SummaryBuilder()
      .heading('Budgets <b>')
      .table(['File', 'Size', 'Status'], [['a|b.js', 1200, { md: ':x: over' }]])
      .list(['one', { md: '**two**' }])
      .toString();
    expect(md).toBe(
      '## Budgets &lt;b&gt;\n\n| File | Size | Status |\n| --- | --- | --- |\n| a\\|b.js | 1200 | :x: over |\n\n- one\n- **two**\n',
    );
  });

  it('fences code with a fence longer than any backtick run inside', () => {
    expect(new SummaryBuilder().code('a ``` b', 'text').toString()).toBe('````text\na ``` b\n````\n');
  });

  it('wraps details around an inner summary', () => {
    const md = new SummaryBuilder().details('Events (2)', (d) => d.list(['x'])).toString();
    expect(md).toBe('<details><summary>Events (2)</summary>\n\n- x\n\n</details>\n');
  });

  it('draws a Mermaid line chart with a caption naming the series', () => {
    const md = new SummaryBuilder()
      .lineChart({
        title: 'Error rate "%"',
        xLabels: ['0m', '1m'],
        yLabel: '%',
        series: [
          { name: 'canary', values: [1, 9.5] },
          { name: 'baseline', values: [0.5, NaN] },
        ],
      })
      .toString();
    expect(md).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '  title "Error rate  % "',
        '  x-axis ["0m", "1m"]',
        '  y-axis "%" 0 --> 10',
        '  line [1, 9.5]',
        '  line [0.5, 0]',
        '```',
        '_Lines, in order: canary, baseline._',
        '',
      ].join('\n'),
    );
  });
});

describe('countOf', () => {
  it('says one table, not "1 tables"', () => {
    expect(countOf(1, 'table')).toBe('1 table');
    expect(countOf(0, 'table')).toBe('0 tables');
    expect(countOf(3, 'entry', 'entries')).toBe('3 entries');
  });
});
