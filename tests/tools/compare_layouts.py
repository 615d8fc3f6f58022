#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compares the layouts iodbg loads from an ELF file with what pahole, pyelftools and the
compiler say about the same file. Prints each mismatch; exits 0 when there is none.

Oracles (each optional):
  --pahole FILE      every C struct/union pahole prints: size, and every member's offset and
                     size, bit position and bit size (bitfields), anonymous members expanded
                     in place; one NAME#k per distinct layout, in pahole's order
  --pyelftools FILE  bitfield positions of every C struct/union computed from the DWARF by
                     pyelftools; for Rust, every struct, union and enum: sizes, member
                     offsets, enumerator values, with full namespace paths
  --enum-src SRC     C sources whose enums pyelftools lists: a program including them and
                     printing each enumerator is compiled and run, and its values are the
                     expected ones
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

failures = []
checks = 0


def fail(msg):
    failures.append(msg)
    print('MISMATCH: ' + msg)


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)
    return cond


# --- what iodbg says ----------------------------------------------------------------------

class Layout:
    def __init__(self, kind, name, k, size, cu):
        self.kind, self.name, self.k, self.size, self.cu = kind, name, k, size, cu
        self.members = []       # (path, offset, size, bitpos, bitsize, type)
        self.enumerators = []   # (name, value)
        self.signed = False


def run_dump(tool, path, cache_dir, wrapper):
    cmd = wrapper + [tool, '--cache-dir', cache_dir, path]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        fail('%s failed (%d): %s' % (' '.join(cmd), p.returncode, p.stderr.strip()))
        return None, p.stderr
    types = []
    for line in p.stdout.splitlines():
        f = line.split('\t')
        if f[0] == 'T':
            types.append(Layout(f[1], f[2], f[3], int(f[4]), f[5]))
        elif f[0] == 'M':
            types[-1].members.append((f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5]), f[6]))
        elif f[0] == 'E':
            t = Layout('enum', f[2], f[3], int(f[4]), '')
            t.signed = f[5] == '1'
            types.append(t)
        elif f[0] == 'V':
            types[-1].enumerators.append((f[1], int(f[2])))
    return types, p.stderr


def by_name(types, kinds):
    out = {}
    for t in types:
        if t.kind in kinds:
            out.setdefault((t.kind, t.name), []).append(t)
    return out


# --- pahole ----------------------------------------------------------------------------------

MEMBER = re.compile(r'^\s*(.*?);\s*/\*\s*(\d+)(?::\s*(\d+))?\s+(\d+)\s*\*/')
NESTED_END = re.compile(r'^\s*\}\s*(\w*)\s*(?:\[\d*\]\s*)*;\s*/\*\s*(\d+)\s+(\d+)\s*\*/')
NESTED_START = re.compile(r'^\s*(?:const\s+|volatile\s+)*(struct|union|enum)\s*\{\s*$')
TOP_START = re.compile(r'^(struct|union) (\w+) \{$')
SIZE = re.compile(r'/\* size: (\d+)')
NEST = object()     # marks a nested aggregate among members (a member may be named "nest")


def strip_attributes(line):
    """pahole's line without its __attribute__((...)) annotations (balanced parentheses)."""
    out = ''
    i = 0
    while True:
        j = line.find('__attribute__((', i)
        if j < 0:
            return out + line[i:]
        out += line[i:j].rstrip() if line[i:j].endswith(' ') else line[i:j]
        depth, k = 0, j + len('__attribute__')
        while k < len(line):
            if line[k] == '(':
                depth += 1
            elif line[k] == ')':
                depth -= 1
                if depth == 0:
                    break
            k += 1
        i = k + 1
        if i < len(line) and line[i] not in ' ;':
            out += ' '


def decl_name(decl):
    """The member name in a pahole declaration, and its bit size (0 when not a bitfield)."""
    bits = 0
    m = re.search(r':\s*(\d+)$', decl)
    if m:
        bits = int(m.group(1))
        decl = decl[:m.start()].rstrip()
    decl = re.sub(r'\s*__attribute__\(\(.*\)\)$', '', decl)
    m = re.search(r'\(\*\s*(\w+)\)', decl)
    if m:
        return m.group(1), bits
    decl = re.sub(r'(\[\d*\])+$', '', decl)
    m = re.search(r'(\w+)$', decl)
    return (m.group(1) if m else ''), bits


def join(prefix, name):
    return prefix + ('.' if prefix else '') + name


def parse_pahole(text):
    """[(kind, name, size, members)] in pahole's order; members as run_dump gives them."""
    out = []
    cur = None
    stack = []      # nested aggregates: lists of (name, off, size, bitpos, bits) / (NEST, ...)
    kinds = []      # struct, union or enum, per level of stack
    for line in text.splitlines():
        line = strip_attributes(line)
        if cur is None:
            m = TOP_START.match(line)
            if m:
                cur = [m.group(1), m.group(2), None, []]
                stack = [[]]
                kinds = [m.group(1)]
            continue
        if line.startswith('}'):
            def flatten(items, prefix):
                res = []
                for it in items:
                    if it[0] is NEST:
                        _, name, off, size, children = it
                        path = join(prefix, name)
                        res.append((path, off, size, off * 8, 0))
                        res.extend(flatten(children, path))
                    else:
                        name, off, size, bitpos, bits = it
                        res.append((join(prefix, name), off, size, bitpos, bits))
                return res
            cur[3] = flatten(stack[0], '')
            out.append(tuple(cur))
            cur = None
            continue
        m = SIZE.search(line)
        if m and len(stack) == 1:
            cur[2] = int(m.group(1))
            continue
        m = NESTED_START.match(line)
        if m:
            stack.append([])
            kinds.append(m.group(1))
            continue
        m = NESTED_END.match(line)
        if m and len(stack) > 1:
            children = stack.pop()
            off, size = int(m.group(2)), int(m.group(3))
            if kinds.pop() == 'enum':
                # An anonymous enum printed in place: its enumerators are not members.
                stack[-1].append((m.group(1), off, size, off * 8, 0))
            else:
                stack[-1].append((NEST, m.group(1), off, size, children))
            continue
        if re.match(r'^\s*\}\s*;\s*$', line) and len(stack) > 1:
            # pahole also prints the definitions of types nested in the DWARF of a
            # struct (clang puts anonymous ones there): a definition, not a member.
            stack.pop()
            kinds.pop()
            continue
        m = MEMBER.match(line)
        if m:
            name, bits = decl_name(m.group(1))
            off, size = int(m.group(2)), int(m.group(4))
            bitpos = off * 8 + (int(m.group(3)) if m.group(3) is not None else 0)
            stack[-1].append((name, off, size, bitpos, bits))
    return out


def compare_pahole(types, path):
    p = subprocess.run(['pahole', path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        fail('pahole %s failed: %s' % (path, p.stderr.strip()))
        return
    expected = {}
    for kind, name, size, members in parse_pahole(p.stdout):
        expected.setdefault((kind, name), []).append((size, members))
    ours = {key: v for key, v in by_name(types, ('struct', 'union')).items() if '::' not in key[1]}
    for key in sorted(set(expected) | set(ours)):
        want, got = expected.get(key, []), ours.get(key, [])
        label = '%s %s' % key
        if not check(len(want) == len(got),
                     '%s: pahole has %d layout(s), iodbg %d' % (label, len(want), len(got))):
            continue
        for k, ((size, members), t) in enumerate(zip(want, got)):
            lk = label + ('#%d' % k if len(got) > 1 else '')
            if size is not None:
                check(size == t.size, '%s: size %d, pahole %d' % (lk, t.size, size))
            mine = [(m[0], m[1], m[2], m[3], m[4]) for m in t.members]
            if not check(len(mine) == len(members),
                         '%s: %d members, pahole %d' % (lk, len(mine), len(members))):
                continue
            for a, b in zip(mine, members):
                if b[4]:
                    ok = a[0] == b[0] and a[3] == b[3] and a[4] == b[4] and a[2] == b[2]
                else:
                    ok = a[0] == b[0] and a[1] == b[1] and a[2] == b[2] and not a[4]
                check(ok, '%s: member %r: iodbg (offset %d, size %d, bit %d, bits %d), '
                      'pahole (offset %d, size %d, bit %d, bits %d)'
                      % (lk, a[0], a[1], a[2], a[3], a[4], b[1], b[2], b[3], b[4]))


# --- pyelftools --------------------------------------------------------------------------------

def elftools():
    try:
        from elftools.elf.elffile import ELFFile
        return ELFFile
    except ImportError:
        return None


def attr(die, name, default=None):
    a = die.attributes.get(name)
    return a.value if a is not None else default


def name_of(die):
    n = attr(die, 'DW_AT_name')
    return n.decode() if isinstance(n, bytes) else n


def target(die):
    if 'DW_AT_type' not in die.attributes:
        return None
    return die.get_DIE_from_attribute('DW_AT_type')


def strip_cv(die):
    while die is not None and die.tag in ('DW_TAG_const_type', 'DW_TAG_volatile_type'):
        die = target(die)
    return die


def type_size(die):
    while die is not None:
        if 'DW_AT_byte_size' in die.attributes:
            return attr(die, 'DW_AT_byte_size')
        if die.tag in ('DW_TAG_typedef', 'DW_TAG_const_type', 'DW_TAG_volatile_type'):
            die = target(die)
        else:
            return 0
    return 0


def member_location(die):
    loc = attr(die, 'DW_AT_data_member_location', 0)
    if isinstance(loc, list):       # DWARF 2/3: DW_OP_plus_uconst
        if loc and loc[0] == 0x23:
            val, shift = 0, 0
            for b in loc[1:]:
                val |= (b & 0x7f) << shift
                shift += 7
                if not b & 0x80:
                    break
            return val
        raise ValueError('member location %r' % loc)
    return loc


def bit_position(die, little_endian=True):
    """Bit position of a member from the start of its struct, as pahole counts it."""
    if 'DW_AT_data_bit_offset' in die.attributes:
        return attr(die, 'DW_AT_data_bit_offset')
    base = member_location(die) * 8
    if 'DW_AT_bit_offset' in die.attributes:
        storage = attr(die, 'DW_AT_byte_size') or type_size(target(die))
        off = attr(die, 'DW_AT_bit_offset')
        form = die.attributes['DW_AT_bit_offset'].form
        width = {'DW_FORM_data1': 8, 'DW_FORM_data2': 16, 'DW_FORM_data4': 32,
                 'DW_FORM_data8': 64}.get(form)
        if width and off >= 1 << (width - 1):     # negative in packed structs
            off -= 1 << width
        if little_endian:
            return base + storage * 8 - off - attr(die, 'DW_AT_bit_size')
        return base + off
    return base


def c_bitfields(struct, prefix='', base=0):
    """(path, bitpos, bitsize) of every bitfield, anonymous aggregates expanded like pahole."""
    out = []
    for m in struct.iter_children():
        if m.tag != 'DW_TAG_member':
            continue
        name = name_of(m) or ''
        pos = base + bit_position(m)
        path = join(prefix, name)
        if 'DW_AT_bit_size' in m.attributes:
            out.append((path, pos, attr(m, 'DW_AT_bit_size')))
        t = strip_cv(target(m))
        if t is not None and t.tag in ('DW_TAG_structure_type', 'DW_TAG_union_type') \
                and name_of(t) is None:
            out.extend(c_bitfields(t, path, pos))
    return out


def rust_path(die):
    parts = [name_of(die)]
    p = die.get_parent()
    while p is not None and p.tag == 'DW_TAG_namespace':
        parts.append(name_of(p) or '{anon}')
        p = p.get_parent()
    return '::'.join(reversed(parts))


def rust_members(struct):
    """(name, offset) of a Rust struct's fields, or of an enum's tag and variants."""
    out = []
    for m in struct.iter_children():
        if m.tag == 'DW_TAG_member' and not attr(m, 'DW_AT_declaration'):
            out.append((name_of(m), member_location(m)))
        elif m.tag == 'DW_TAG_variant_part':
            for v in m.iter_children():
                if v.tag == 'DW_TAG_member':
                    out.append((name_of(v) or '__tag', member_location(v)))
                elif v.tag == 'DW_TAG_variant':
                    for vm in v.iter_children():
                        if vm.tag == 'DW_TAG_member':
                            out.append((name_of(vm), member_location(vm)))
    return out


def walk(die, rust, visit):
    for c in die.iter_children():
        if c.tag == 'DW_TAG_namespace':
            walk(c, rust, visit)
        else:
            visit(c, rust)


def compare_pyelftools(types, path):
    ELFFile = elftools()
    if ELFFile is None:
        fail('python3-pyelftools is not installed')
        return
    with open(path, 'rb') as f:
        elf = ELFFile(f)
        if not elf.has_dwarf_info():
            fail('pyelftools finds no DWARF in %s' % path)
            return
        dwarf = elf.get_dwarf_info()
        c_layouts = {}          # (kind, name) -> set of bitfield tuples
        rust_layouts = {}       # path -> (kind, size, members)
        rust_enums = {}         # path -> [(name, value)]

        def visit(die, rust):
            kind = {'DW_TAG_structure_type': 'struct', 'DW_TAG_union_type': 'union',
                    'DW_TAG_enumeration_type': 'enum'}.get(die.tag)
            name = name_of(die)
            if kind is None or name is None or attr(die, 'DW_AT_declaration'):
                return
            if rust:
                p = rust_path(die)
                if kind == 'enum':
                    rust_enums[p] = [(name_of(e), attr(e, 'DW_AT_const_value'))
                                     for e in die.iter_children() if e.tag == 'DW_TAG_enumerator']
                    return
                has_variants = any(c.tag == 'DW_TAG_variant_part' for c in die.iter_children())
                rust_layouts[p] = ('union' if has_variants else kind,
                                   attr(die, 'DW_AT_byte_size'), rust_members(die))
            elif kind != 'enum':
                c_layouts.setdefault((kind, name), set()).add(tuple(c_bitfields(die)))

        for cu in dwarf.iter_CUs():
            top = cu.get_top_DIE()
            walk(top, attr(top, 'DW_AT_language') == 0x1c, visit)

    ours = by_name(types, ('struct', 'union'))
    for key, want in sorted(c_layouts.items()):
        got = {tuple((m[0], m[3], m[4]) for m in t.members if m[4]) for t in ours.get(key, [])}
        if not check(key in ours, '%s %s: pyelftools finds it, iodbg does not' % key):
            continue
        check(got == want, '%s %s: bitfields %r, pyelftools %r' % (key[0], key[1], sorted(got),
                                                                sorted(want)))
    for p, (kind, size, members) in sorted(rust_layouts.items()):
        got = ours.get((kind, p))
        if not check(got is not None and len(got) == 1,
                     '%s %s: pyelftools finds it once, iodbg %d time(s)'
                     % (kind, p, len(got or []))):
            continue
        t = got[0]
        check(t.size == size, '%s: size %d, pyelftools %d' % (p, t.size, size))
        mine = [(m[0], m[1]) for m in t.members if '.' not in m[0]]
        check(mine == members, '%s: members %r, pyelftools %r' % (p, mine, members))
    enums = by_name(types, ('enum',))
    for p, want in sorted(rust_enums.items()):
        got = enums.get(('enum', p))
        if check(got is not None and len(got) == 1, 'enum %s: not found once by iodbg' % p):
            check(got[0].enumerators == want, 'enum %s: %r, pyelftools %r'
                  % (p, got[0].enumerators, want))


# --- the compiler ------------------------------------------------------------------------------

def compare_enums(types, sources, dwarf_file):
    """Enumerator values as a C program including the sources prints them."""
    ELFFile = elftools()
    if ELFFile is None:
        fail('python3-pyelftools is not installed')
        return
    names = {}      # enum name -> [enumerator names]
    with open(dwarf_file, 'rb') as f:
        dwarf = ELFFile(f).get_dwarf_info()
        for cu in dwarf.iter_CUs():
            for die in cu.get_top_DIE().iter_children():
                if die.tag == 'DW_TAG_enumeration_type' and name_of(die):
                    names[name_of(die)] = [name_of(e) for e in die.iter_children()
                                           if e.tag == 'DW_TAG_enumerator']
    with tempfile.TemporaryDirectory() as d:
        prog = os.path.join(d, 'enums.c')
        with open(prog, 'w') as out:
            for s in sources:
                out.write('#include "%s"\n' % os.path.abspath(s))
            out.write('#include <stdio.h>\nint main(void)\n{\n')
            for enum, values in sorted(names.items()):
                for v in values:
                    out.write('\tif (%s < 0) printf("%s %s %%lld\\n", (long long)%s); '
                              'else printf("%s %s %%llu\\n", (unsigned long long)%s);\n'
                              % (v, enum, v, v, enum, v, v))
            out.write('\treturn 0;\n}\n')
        exe = os.path.join(d, 'enums')
        p = subprocess.run(['gcc', '-w', '-o', exe, prog], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            fail('cannot build the enum oracle: ' + p.stderr.strip())
            return
        out = subprocess.run([exe], stdout=subprocess.PIPE, text=True, check=True).stdout
    want = {}
    for line in out.splitlines():
        enum, name, value = line.split()
        want.setdefault(enum, []).append((name, int(value)))
    ours = by_name(types, ('enum',))
    for enum, values in sorted(want.items()):
        got = ours.get(('enum', enum))
        if check(got is not None and len(got) == 1, 'enum %s: not found once by iodbg' % enum):
            check(got[0].enumerators == values,
                  'enum %s: %r, the compiler %r' % (enum, got[0].enumerators, values))


def same_member(a, b):
    """A member as iodbg dumps it against pahole's: pahole gives a bitfield's storage unit
    as its offset, so bitfields compare by bit position."""
    if b[4]:
        return (a[0], a[2], a[3], a[4]) == (b[0], b[2], b[3], b[4])
    return (a[0], a[1], a[2], a[4]) == (b[0], b[1], b[2], 0)


def run_queries(tool, path, cache_dir, wrapper, queries):
    """[(header fields, members)] for each query, in order (header 'X' for an error)."""
    cmd = wrapper + [tool, '--cache-dir', cache_dir]
    for q in queries:
        cmd += ['--type', q]
    cmd.append(path)
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout
    blocks, cur = [], None
    for line in out.splitlines():
        f = line.split('\t')
        if f[0] in ('T', 'X', 'E'):
            cur = [f, []]
            blocks.append(cur)
        elif f[0] == 'M' and cur:
            cur[1].append((f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5])))
    return blocks


def sample_pahole(tool, path, cache_dir, wrapper, count, seed):
    """Compares count structs and unions picked at random from what pahole prints for a big
    file (a kernel), looking each up by name as a user would."""
    import random
    p = subprocess.run(['pahole', '-F', 'dwarf', path], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    expected = {}
    for kind, name, size, members in parse_pahole(p.stdout):
        expected.setdefault((kind, name), []).append((size, members))
    keys = sorted(expected)
    picked = random.Random(seed).sample(keys, min(count, len(keys)))
    queries = []
    for kind, name in picked:
        layouts = expected[(kind, name)]
        for k in range(len(layouts)):
            q = '%s %s' % (kind, name) + ('#%d' % k if len(layouts) > 1 else '')
            queries.append((q, layouts[k]))
    print('%d names, %d layouts picked from %d' % (len(picked), len(queries), len(keys)))
    for i in range(0, len(queries), 60):
        batch = queries[i:i + 60]
        blocks = run_queries(tool, path, cache_dir, wrapper, [q for q, _ in batch])
        if not check(len(blocks) == len(batch), 'expected %d answers, got %d'
                     % (len(batch), len(blocks))):
            continue
        for (q, (size, members)), (head, mine) in zip(batch, blocks):
            if head[0] == 'X' and 'ambiguous' in head[-1]:
                # pahole merges layouts that differ (two units of amdgpu.ko have
                # pm4_mes_query_status with other bitfields): the one it prints
                # must be one of ours.
                n = head[-1].count('#')
                alts = run_queries(tool, path, cache_dir, wrapper,
                                   ['%s#%d' % (q, k) for k in range(n)])
                ok = any((size is None or int(h[4]) == size) and len(mm) == len(members) and
                         all(same_member(a, b) for a, b in zip(mm, members))
                         for h, mm in alts if h[0] == 'T')
                check(ok, '%s: none of iodbg\'s %d layouts is pahole\'s' % (q, n))
                if ok:
                    print('note: %s: pahole prints one layout, iodbg tells %d apart' % (q, n))
                continue
            if not check(head[0] == 'T', '%s: %s' % (q, head[-1])):
                continue
            if size is not None:
                check(int(head[4]) == size, '%s: size %s, pahole %d' % (q, head[4], size))
            if not check(len(mine) == len(members), '%s: %d members, pahole %d'
                         % (q, len(mine), len(members))):
                continue
            for a, b in zip(mine, members):
                check(same_member(a, b), '%s: member %r: iodbg %r, pahole %r' % (q, a[0], a, b))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--dump', required=True, help='the dump_layouts program')
    ap.add_argument('--load', required=True, help='the file iodbg loads')
    ap.add_argument('--cache-dir', default='', help='index cache directory ("" for none)')
    ap.add_argument('--expect-read', help='the file iodbg must really read')
    ap.add_argument('--pahole')
    ap.add_argument('--pyelftools')
    ap.add_argument('--enum-src', action='append', default=[])
    ap.add_argument('--twice', action='store_true',
                    help='load again from the cache and expect the very same layouts')
    ap.add_argument('--sample', type=int, default=0,
                    help='compare only this many names, picked from pahole (big files)')
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    wrapper = os.environ.get('IODBG_TEST_WRAPPER', '').split()

    if args.sample:
        sample_pahole(args.dump, args.load, args.cache_dir, wrapper, args.sample, args.seed)
        print('%d checks, %d mismatches' % (checks, len(failures)))
        return 1 if failures else 0

    types, err = run_dump(args.dump, args.load, args.cache_dir, wrapper)
    if types is not None and args.twice:
        # Later runs read the cached index (and relocate a .o's units lazily, from
        # several threads): first without the lookup records (so every copy of a
        # type is fingerprinted again), then with them. Both must see what the
        # first run saw.
        def layouts(ts):
            return [(t.kind, t.name, t.k, t.size, t.members, t.enumerators) for t in ts or []]
        for run in ('without lookup records', 'with lookup records'):
            if run.startswith('without'):
                for f in os.listdir(args.cache_dir):
                    if f.endswith('.found'):
                        os.unlink(os.path.join(args.cache_dir, f))
            again, err2 = run_dump(args.dump, args.load, args.cache_dir, wrapper)
            check('cache: hit' in err2, 'run %s did not use the cache: %s' % (run, err2.strip()))
            check(again is not None and layouts(again) == layouts(types),
                  'the run from the cache %s differs from the first' % run)
    if types is not None:
        if args.expect_read:
            check('read: %s\n' % os.path.realpath(args.expect_read) in err,
                  'iodbg did not read %s: %s' % (args.expect_read, err.strip()))
        if not check(types, 'iodbg found no types in %s' % args.load):
            types = []
        if args.pahole:
            compare_pahole(types, args.pahole)
        if args.pyelftools:
            compare_pyelftools(types, args.pyelftools)
        if args.enum_src:
            compare_enums(types, args.enum_src, args.pyelftools or args.load)
    print('%d checks, %d mismatches' % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
