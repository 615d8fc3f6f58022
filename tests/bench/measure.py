#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: runs one command several times and records each run's wall time and peak RSS
(one line of RESULTS), records a row that could not be measured, and renders RESULTS as the
one table of tests/bench/last.md (and in short for the README).

  measure.py run --results F --section S --case C --tool T --role R [options] -- CMD...
  measure.py note --results F --section S --case C --tool T --role R --status TEXT
  measure.py table RESULTS META
  measure.py summary RESULTS         the same figures in short (one line per case), for the README

Each run goes through RUNNER (runone.c, built by run.sh): wall time is a monotonic clock
from before fork to after wait4, peak RSS is wait4's ru_maxrss, the figure `/usr/bin/time
-f %M` prints. With --self-timed the time of a run is the last `elapsed SECONDS` line CMD
prints (a peer timing its own loop, its start-up excluded).
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys

FIELDS = ('section', 'case', 'tool', 'role', 'unit', 'amount', 'status', 'times', 'rss')
ELAPSED = re.compile(rb'^elapsed ([0-9.]+)\s*$', re.M)


def record(path, **row):
    row = {k: str(row.get(k, '')) for k in FIELDS}
    for v in row.values():
        if '\t' in v or '\n' in v:
            raise ValueError('tab or newline in %r' % v)
    with open(path, 'a') as f:
        f.write('\t'.join(row[k] for k in FIELDS) + '\n')


def one_run(runner, cmd, env, stdout_path):
    p = subprocess.run([runner, stdout_path, stdout_path + '.err'] + cmd, env=env,
                       stdout=subprocess.PIPE, check=True)
    wall, maxrss, code = p.stdout.split()
    return float(wall), int(maxrss), int(code)


def cmd_run(a):
    env = dict(os.environ)
    for kv in a.env:
        k, v = kv.split('=', 1)
        env[k] = v
    stdout_path = a.stdout or os.path.join(os.path.dirname(os.path.abspath(a.results)),
                                           'last-run.out')
    times, rss = [], []
    status = 'ok'
    for i in range(a.warmup + a.runs):
        if a.fresh:
            shutil.rmtree(a.fresh, ignore_errors=True)
            os.makedirs(a.fresh)
        if a.prepare:
            subprocess.run(a.prepare, shell=True, check=True)
        wall, maxrss, code = one_run(a.runner, a.cmd, env, stdout_path)
        with open(stdout_path, 'rb') as f:
            out = f.read()
        if (a.ok == '0' and code != 0) or (a.ok == 'nocrash' and code >= 126):
            with open(stdout_path + '.err', 'rb') as f:
                first = f.read().decode(errors='replace').strip().splitlines()[:1]
            status = 'failed: exit %d%s' % (code, (': ' + first[0][:80]) if first else '')
            break
        if a.nonempty and not out.strip():
            status = 'failed: no output'
            break
        if a.self_timed:
            m = ELAPSED.findall(out)
            if not m:
                status = 'failed: no "elapsed" line'
                break
            wall = float(m[-1])
        if i >= a.warmup:
            times.append(wall)
            rss.append(maxrss)
    record(a.results, section=a.section, case=a.case, tool=a.tool, role=a.role, unit=a.unit,
           amount=a.amount, status=status, times=','.join('%.6f' % t for t in times),
           rss=','.join(str(r) for r in rss))
    if status == 'ok':
        print('  %-44s %-34s median %.4f s (%d runs)' % (a.case[:44], a.tool[:34],
                                                         statistics.median(times), len(times)))
    else:
        print('  %-44s %-34s %s' % (a.case[:44], a.tool[:34], status))
    return 0


def cmd_note(a):
    record(a.results, section=a.section, case=a.case, tool=a.tool, role=a.role, unit=a.unit,
           amount=a.amount, status=a.status)
    print('  %-44s %-34s %s' % (a.case[:44], a.tool[:34], a.status))
    return 0


# --- the table -------------------------------------------------------------------------------

def num(x, digits=3):
    """x with `digits` significant digits, never in exponent form."""
    if x == 0:
        return '0'
    if x >= 10 ** digits:
        return '{:,.0f}'.format(x)
    return '%.*g' % (digits, x)


def scale_time(values):
    m = statistics.median(values)
    return (1e3, 'ms') if m < 1 else (1, 's')


def fmt_range(lo, hi, factor, unit):
    return '%s–%s %s' % (num(lo * factor), num(hi * factor), unit)


def speed(row):
    """Per run: seconds (unit s), operations/s (ops) or bytes/s (bytes); None when not ok."""
    if row['status'] != 'ok' or not row['times']:
        return None
    times = [float(t) for t in row['times'].split(',')]
    if row['unit'] == 's':
        return times
    amount = float(row['amount'])
    return [amount / t for t in times]


def cells(row):
    """median, min–max, peak RSS as text."""
    if row['status'] != 'ok':
        return row['status'], '', ''
    v = speed(row)
    rss = max(int(r) for r in row['rss'].split(',')) if row['rss'] else 0
    rss_text = '%s MiB' % num(rss / 1024) if rss < 1024 * 1024 else '%s GiB' % num(rss / 2 ** 20)
    if row['unit'] == 's':
        f, u = scale_time(v)
    elif row['unit'] == 'ops':
        m = statistics.median(v)
        f, u = (1e-6, 'M/s') if m >= 1e6 else (1e-3, 'k/s')
    else:
        f, u = 2 ** -30, 'GiB/s'
    return ('%s %s' % (num(statistics.median(v) * f), u),
            fmt_range(min(v), max(v), f, u), rss_text)


def ratio(x):
    return ('%.0f×' % x) if x >= 100 else ('%s×' % num(x, 2 if x < 1 else 3))


def compare(row, refs):
    """iodbg against the tool of this row: above 1, iodbg is faster (or, for RSS, lighter
    below 1)."""
    if row['role'] != 'peer' or row['status'] != 'ok':
        return ''
    mine = statistics.median(speed(row))
    parts = []
    for role, label in (('iodbg', 'cold'), ('iodbg-warm', 'warm')):
        ref = refs.get(role)
        if ref is None or speed(ref) is None:
            continue
        theirs = statistics.median(speed(ref))
        r = mine / theirs if row['unit'] == 's' else theirs / mine
        parts.append(('%s %s' % (label, ratio(r))) if 'iodbg-warm' in refs else ratio(r))
    ref = refs.get('iodbg')
    # Peak RSS matters where a tool holds a whole kernel's types: the type-load rows.
    if row['section'] == 'types' and ref is not None and ref['status'] == 'ok':
        a = max(int(r) for r in ref['rss'].split(','))
        b = max(int(r) for r in row['rss'].split(','))
        parts.append('RSS %s' % ratio(a / b))
    return ', '.join(parts)


def family(row):
    """The column of a row in the summary: iodbg cold or warm, or the peer's program."""
    if row['role'] == 'iodbg':
        return 'iodbg'
    if row['role'] == 'iodbg-warm':
        return 'iodbg, warm'
    return row['tool'].split()[0].rstrip(':')


def summary(rows):
    """One line per case: the median of each tool, and for a peer the ratio of iodbg cold to
    it (the first row of a program where a case has several, e.g. drgn's reads)."""
    cases, cols, cell = [], [], {}
    for row in rows:
        key = (row['section'], row['case'])
        if key not in cases:
            cases.append(key)
        col = family(row)
        if col not in cols:
            cols.append(col)
        if (key, col) in cell:
            continue
        med = cells(row)[0]
        if row['status'] == 'ok':
            refs = {r['role']: r for r in rows if (r['section'], r['case']) == key and
                    r['role'] == 'iodbg'}
            r = compare(dict(row, section=''), refs)
            if r:
                med += ' (%s)' % r
        cell[(key, col)] = med
    out = ['| case | %s |' % ' | '.join(cols), '|---|%s' % ('---|' * len(cols))]
    for key in cases:
        out.append('| %s | %s |' % (key[1], ' | '.join(cell.get((key, c), '') for c in cols)))
    return out


def read_results(path):
    with open(path) as f:
        return [dict(zip(FIELDS, line.rstrip('\n').split('\t'))) for line in f]


def cmd_summary(a):
    """The table in short, for the README: one line per case, one column per tool."""
    out = ['Medians of make bench (details, ranges, peak RSS and method: tests/bench/last.md). '
           'iodbg: a cold cache where a warm figure is beside it. In brackets: the tool\'s time '
           'over iodbg\'s (for rates, iodbg\'s over the tool\'s); above 1, iodbg is faster.', '']
    out.extend(summary(read_results(a.results)))
    sys.stdout.write('\n'.join(out) + '\n')
    return 0


def cmd_table(a):
    rows = read_results(a.results)
    meta = []
    with open(a.meta) as f:
        for line in f:
            k, _, v = line.rstrip('\n').partition('\t')
            meta.append((k, v))
    out = []
    title = [v for k, v in meta if k == 'title']
    out.append('# %s' % (title[0] if title else 'make bench'))
    out.append('')
    for k, v in meta:
        if k not in ('title', 'note', 'section'):
            out.append('- %s: %s' % (k, v))
    out.append('')
    out.append('| case | tool | median | min–max | peak RSS | iodbg vs tool |')
    out.append('|---|---|---|---|---|---|')
    section = None
    sections = dict((v.split(' ', 1)[0], v.split(' ', 1)[1]) for k, v in meta if k == 'section')
    for i, row in enumerate(rows):
        if row['section'] != section:
            section = row['section']
            out.append('| **%s** | | | | | |' % sections.get(section, section))
        refs = {r['role']: r for r in rows if r['case'] == row['case'] and
                r['section'] == row['section'] and r['role'] in ('iodbg', 'iodbg-warm')}
        med, rng, rss = cells(row)
        out.append('| %s | %s | %s | %s | %s | %s |' % (row['case'], row['tool'], med, rng, rss,
                                                       compare(row, refs)))
    out.append('')
    notes = [v for k, v in meta if k == 'note']
    if notes:
        out.append('Notes:')
        out.append('')
        for n in notes:
            out.append('- ' + n)
        out.append('')
    sys.stdout.write('\n'.join(out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='what', required=True)
    for name in ('run', 'note'):
        p = sub.add_parser(name)
        p.add_argument('--results', required=True)
        p.add_argument('--section', required=True)
        p.add_argument('--case', required=True)
        p.add_argument('--tool', required=True)
        p.add_argument('--role', required=True, choices=('iodbg', 'iodbg-warm', 'peer'))
        p.add_argument('--unit', default='s', choices=('s', 'ops', 'bytes'))
        p.add_argument('--amount', default='1')
        if name == 'note':
            p.add_argument('--status', required=True)
            continue
        p.add_argument('--runner', required=True, help='the runone program')
        p.add_argument('--runs', type=int, default=5)
        p.add_argument('--warmup', type=int, default=0)
        p.add_argument('--fresh', help='a directory emptied before each run (a cold cache)')
        p.add_argument('--prepare', help='a shell command run before each run, not timed')
        p.add_argument('--env', action='append', default=[], help='NAME=VALUE for CMD')
        p.add_argument('--stdout', help='where CMD\'s output goes (stderr: the same + .err)')
        p.add_argument('--ok', default='0', choices=('0', 'nocrash'),
                       help='0: a run must exit 0; nocrash: any status but a signal or a '
                       'failed exec (below 126)')
        p.add_argument('--nonempty', action='store_true', help='a run must print something')
        p.add_argument('--self-timed', action='store_true')
        p.add_argument('cmd', nargs='+')
    p = sub.add_parser('table')
    p.add_argument('results')
    p.add_argument('meta')
    p = sub.add_parser('summary')
    p.add_argument('results')
    a = ap.parse_args()
    return {'run': cmd_run, 'note': cmd_note, 'table': cmd_table, 'summary': cmd_summary}[a.what](a)


if __name__ == '__main__':
    sys.exit(main())
