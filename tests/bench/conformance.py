#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make conformance, one file: every struct and union iodbg loads from FILE against pahole's
layout of the same file. Prints "N of M structs and unions identical", then each difference,
marked explained or not; exits 1 when a difference is not explained.

Reuses tests/tools/compare_layouts.py (the fixture comparison): its parser of pahole's output
and its member comparison. Two pahole constructs it does not parse yet are rewritten first
(see normalise_pahole).

Usage: conformance.py --dump DUMP_LAYOUTS --file FILE --work DIR
"""
import argparse
import os
import re
import subprocess
import sys
import time

# Nothing is written beside the sources (no __pycache__ in tests/tools/).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
import compare_layouts as cl  # noqa: E402

# A nested block closed by something compare_layouts.parse_pahole takes for a member it cannot
# parse: a pointer to an anonymous struct (`} * parts; /* 40 8 */`, pahole prints the pointee
# in place) or an anonymous enum used as a bitfield (`} orig_proto:8; /* 0: 0 4 */`).
ODD_END = re.compile(r'^(\s*)\}\s*(\*+\s*\w+(?:\[\d*\])*|\w+(?:\[\d*\])*\s*:\s*\d+)\s*;'
                     r'\s*(/\*[^*]*\*/)\s*$')
OPEN = re.compile(r'^\s*(?:const\s+|volatile\s+)*(struct|union|enum)\s*\{\s*$')
CLOSE = re.compile(r'^\s*\}')


def normalise_pahole(text):
    """pahole's text with each nested block that ends as in ODD_END replaced by one member
    line (`struct __anon * parts; /* 40 8 */`), which the reused parser reads as a member
    with that name, offset, size and, for a bitfield, bit position and bit size."""
    out = []
    opened = []     # indexes in out of the nested blocks now open
    for line in text.splitlines():
        if OPEN.match(line):
            opened.append((len(out), OPEN.match(line).group(1)))
            out.append(line)
            continue
        m = ODD_END.match(line)
        if m and opened:
            start, kind = opened.pop()
            del out[start:]
            out.append('%s%s __anon %s; %s' % (m.group(1), kind, m.group(2), m.group(3)))
            continue
        if CLOSE.match(line) and opened and not line.startswith('}'):
            opened.pop()
        elif line.startswith('}'):
            opened = []
        out.append(line)
    return '\n'.join(out) + '\n'


def read_dump(path):
    """The layouts dump_layouts printed: [Layout] (structs and unions only)."""
    types = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip('\n').split('\t')
            if fields[0] == 'T':
                types.append(cl.Layout(fields[1], fields[2], fields[3], int(fields[4]), fields[5]))
            elif fields[0] == 'M' and types and types[-1] is not None:
                types[-1].members.append((fields[1], int(fields[2]), int(fields[3]),
                                          int(fields[4]), int(fields[5]), fields[6]))
            elif fields[0] == 'E':
                types.append(None)      # an enum: its V lines follow, nothing to keep
    return [t for t in types if t is not None]


def read_pahole(text, sizes_text):
    """{(kind, name): [(size, members)]} in pahole's order. pahole prints no size for a union,
    so sizes come from `pahole --sizes`, which lists the same types in the same order."""
    parsed = cl.parse_pahole(normalise_pahole(text))
    sizes = [line.split('\t') for line in sizes_text.splitlines() if line.strip()]
    by_position = len(sizes) == len(parsed) and all(s[0] == p[1] for s, p in zip(sizes, parsed))
    queues = {}
    if not by_position:
        for s in sizes:
            queues.setdefault(s[0], []).append(int(s[1]))
    out = {}
    for i, (kind, name, size, members) in enumerate(parsed):
        if by_position:
            size = int(sizes[i][1])
        elif queues.get(name):
            size = queues[name].pop(0)
        out.setdefault((kind, name), []).append((size, members))
    return out, by_position


def mine(t):
    return [m[:5] for m in t.members]


def same_layout(t, size, members):
    got = mine(t)
    return (size is None or size == t.size) and len(got) == len(members) and \
        all(cl.same_member(a, b) for a, b in zip(got, members))


def direct_members(members):
    """The members of the type itself, as pahole's duplicate test sees them, from iodbg's
    flattened list: members of a named nested aggregate (paths NAME.x) and of an anonymous one
    (those that follow it within its bits: in a struct no sibling overlaps it) are left out."""
    out = []
    prefix, bits_range = None, None
    for m in members:
        path, off, size, bitpos, bits, typ = m
        if prefix is not None and path.startswith(prefix):
            continue
        if bits_range and bits_range[0] <= bitpos and bitpos + (bits or 8 * size) <= bits_range[1]:
            continue
        prefix, bits_range = None, None
        out.append(m)
        if '{...}' in typ and not typ.rstrip().endswith('*'):
            if path:
                prefix = path + '.'
            else:
                bits_range = (bitpos, bitpos + 8 * size)
    return out


def pahole_key(size, members):
    """What pahole compares to call two definitions of one name duplicates (dwarves' pahole.c,
    type__compare and type__compare_members): size, number of direct members, and each direct
    member's name (when both have one), bit offset and bit size; not the members' types, not
    the members of nested aggregates."""
    return size, [(m[0], m[3], m[4]) for m in members]


def same_pahole_key(a, b):
    (sa, ma), (sb, mb) = a, b
    if sa != sb or len(ma) != len(mb):
        return False
    return all((x[0] == y[0] or not x[0] or not y[0]) and x[1:] == y[1:] for x, y in zip(ma, mb))


def describe(m):
    path, off, size, bitpos, bits, typ = m
    where = 'offset %d, size %d' % (off, size)
    if bits:
        where += ', bits %d..%d' % (bitpos, bitpos + bits)
    return '%r %s (%s)' % (path, typ, where)


def first_difference(a, b):
    """The first member where two of iodbg's layouts differ, as text."""
    for x, y in zip(a.members, b.members):
        if x != y:
            return '%s vs %s' % (describe(x), describe(y))
    return '%d members vs %d' % (len(a.members), len(b.members))


def compare(types, expected):
    """(names, identical, differences); a difference is (explained, text)."""
    ours = {}
    for t in types:
        if '::' not in t.name:
            ours.setdefault((t.kind, t.name), []).append(t)
    names = sorted(set(ours) | set(expected))
    identical = 0
    diffs = []
    for key in names:
        label = '%s %s' % key
        want, got = expected.get(key, []), ours.get(key, [])
        if len(want) == len(got) and all(same_layout(t, s, m) for (s, m), t in zip(want, got)):
            identical += 1
            continue
        if not got:
            diffs.append((False, '%s: pahole prints %d layout(s), iodbg finds none' % (label, len(want))))
            continue
        if not want:
            diffs.append((False, '%s: iodbg finds %d layout(s), pahole prints none' % (label, len(got))))
            continue
        # Which of iodbg's layouts is each of pahole's?
        matched = {}
        for k, (s, m) in enumerate(want):
            for j, t in enumerate(got):
                if j not in matched.values() and same_layout(t, s, m):
                    matched[k] = j
                    break
        if len(matched) == len(want) and len(got) > len(want):
            # pahole printed fewer layouts than iodbg keeps apart, each equal to one of iodbg's.
            # Explained when each other layout is a duplicate by pahole's own test.
            notes, ok = [], True
            for j, t in enumerate(got):
                if j in matched.values():
                    continue
                # The printed layout is one of iodbg's: take its member types from there.
                twins = [got[matched[k]] for k in matched
                         if same_pahole_key(pahole_key(t.size, direct_members(t.members)),
                                            pahole_key(got[matched[k]].size,
                                                       direct_members(got[matched[k]].members)))]
                if twins:
                    notes.append('%s#%d (%s) differs from #%d (%s), which pahole prints: %s'
                                 % (label, j, t.cu, got.index(twins[0]), twins[0].cu,
                                    first_difference(twins[0], t)))
                else:
                    ok = False
                    notes.append('%s#%d (%s, size %d) is not a duplicate by pahole\'s test, yet '
                                 'pahole does not print it' % (label, j, t.cu, t.size))
            head = '%s: pahole prints %d layout(s), iodbg keeps %d apart' % (label, len(want), len(got))
            diffs.append((ok, head + ''.join('\n      ' + n for n in notes)))
            continue
        lines = ['%s: pahole %d layout(s), iodbg %d' % (label, len(want), len(got))]
        for k, (s, m) in enumerate(want):
            if k in matched:
                continue
            t = got[k] if k < len(got) else got[0]
            if s is not None and s != t.size:
                lines.append('size: iodbg %d, pahole %d' % (t.size, s))
            a = mine(t)
            if len(a) != len(m):
                lines.append('%d members, pahole %d' % (len(a), len(m)))
            for x, y in zip(a, m):
                if not cl.same_member(x, y):
                    lines.append('member %r: iodbg (offset %d, size %d, bit %d, bits %d), '
                                 'pahole %r (offset %d, size %d, bit %d, bits %d)'
                                 % (x[0], x[1], x[2], x[3], x[4], y[0], y[1], y[2], y[3], y[4]))
                    break
        diffs.append((False, '\n      '.join(lines)))
    return len(names), identical, diffs


def run(cmd, out_path):
    t0 = time.monotonic()
    with open(out_path, 'w') as out, open(out_path + '.err', 'w') as err:
        status = subprocess.run(cmd, stdout=out, stderr=err).returncode
    return status, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dump', required=True)
    ap.add_argument('--file', required=True)
    ap.add_argument('--work', required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    base = os.path.join(args.work, os.path.basename(args.file))
    cache = os.path.join(args.work, 'cache')
    # A cold load: the index is built from the file, as on a first use.
    subprocess.run(['rm', '-rf', cache], check=True)

    st, t_iodbg = run([args.dump, '--cache-dir', cache, args.file], base + '.iodbg')
    if st != 0:
        print('FAIL: dump_layouts exited %d: %s' % (st, open(base + '.iodbg.err').read().strip()))
        return 1
    st, t_pahole = run(['pahole', '-F', 'dwarf', args.file], base + '.pahole')
    st2, _ = run(['pahole', '-F', 'dwarf', '--sizes', args.file], base + '.sizes')
    if st or st2:
        print('FAIL: pahole exited %d/%d: %s' % (st, st2, open(base + '.pahole.err').read().strip()))
        return 1
    types = read_dump(base + '.iodbg')
    with open(base + '.pahole') as f, open(base + '.sizes') as g:
        expected, by_position = read_pahole(f.read(), g.read())
    n, same, diffs = compare(types, expected)
    unexplained = [d for ok, d in diffs if not ok]
    print('%s: %d of %d structs and unions identical (%d layouts from iodbg, %d from pahole; '
          '%d differences, %d explained, %d unexplained; iodbg %.2f s, pahole %.2f s)'
          % (os.path.basename(args.file), same, n, len(types),
             sum(len(v) for v in expected.values()), len(diffs), len(diffs) - len(unexplained),
             len(unexplained), t_iodbg, t_pahole))
    if not by_position:
        print('  note: pahole --sizes did not list the types in the order of its full output; '
              'sizes were matched by name')
    for ok, d in diffs:
        print('  %s: %s' % ('explained' if ok else 'UNEXPLAINED', d))
    if len(unexplained) < len(diffs):
        print('  (explained: pahole prints one definition per name where iodbg keeps different '
              'layouts apart, spec section 4. pahole\'s duplicate test, type__compare in dwarves\' '
              'pahole.c, compares the name, the size, the number of members and each direct '
              'member\'s name, bit offset and bit size, not member types nor the members of '
              'nested aggregates; each layout pahole leaves out passes that test against the one '
              'it prints, which is identical to one of iodbg\'s. Shown: the first member where '
              'they differ.)')
    return 1 if unexplained else 0


if __name__ == '__main__':
    sys.exit(main())
