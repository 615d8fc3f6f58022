#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: drgn's side of the scripted reads. drgn cannot attach a raw image, so the image
file is mapped and served to a drgn.Program as one memory segment at BASE, the types come from
the same small object iodbg loads, and each path is an Object projected and read.

  drgn_reads.py TYPES IMAGE SCRIPT OUT   every `print PATH` line of the iodbg SCRIPT: parse the
                                         path, read it, write `PATH = 0xVALUE` to OUT, as iodbg
                                         does; prints "elapsed SECONDS" of that loop (start-up,
                                         load_debug_info and the mapping are outside it)
  drgn_reads.py --preparsed TYPES IMAGE SCRIPT
                                         the same paths parsed first; times the reads alone, no
                                         output (the most favourable figure for drgn)
  drgn_reads.py --one PATH TYPES IMAGE   start-up to the first value: read PATH, print it
"""
import mmap
import re
import sys
import time

import drgn

BASE = 0x10000000
ROOT = re.compile(r'[A-Za-z_]\w*')
STEP = re.compile(r'\.([A-Za-z_]\w*)|\[(\d+)\]')


def program(types, image):
    prog = drgn.Program(drgn.host_platform)
    with open(image, 'rb') as f:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    prog.add_memory_segment(BASE, len(data),
                            lambda address, count, offset, physical: data[offset:offset + count])
    prog.load_debug_info([types], default=False, main=False)
    return prog, {'gsp': drgn.Object(prog, 'struct bench_gsp', address=BASE)}


def parse(path):
    """[root, step, ...]: a step is a member name (str) or an index (int)."""
    m = ROOT.match(path)
    if not m:
        raise ValueError('bad path %r' % path)
    steps, pos = [m.group(0)], m.end()
    while pos < len(path):
        m = STEP.match(path, pos)
        if not m:
            raise ValueError('bad path %r at %d' % (path, pos))
        steps.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        pos = m.end()
    return steps


def read(roots, steps):
    obj = roots[steps[0]]
    for s in steps[1:]:
        obj = obj.member_(s) if isinstance(s, str) else obj[s]
    return obj.value_()


def main():
    args = sys.argv[1:]
    if args[0] == '--one':
        _, path, types, image = args
        prog, roots = program(types, image)
        print('%s = %#x' % (path, read(roots, parse(path))))
        return 0
    if args[0] == '--preparsed':
        _, types, image, script = args
        prog, roots = program(types, image)
        with open(script) as s:
            parsed = [parse(line[6:].strip()) for line in s if line.startswith('print ')]
        t0 = time.perf_counter()
        total = 0
        for steps in parsed:
            total += read(roots, steps)
        elapsed = time.perf_counter() - t0
        print('reads %d sum %#x' % (len(parsed), total))
        print('elapsed %.6f' % elapsed)
        return 0
    types, image, script, out = args
    prog, roots = program(types, image)
    t0 = time.perf_counter()
    with open(script) as s, open(out, 'w') as o:
        for line in s:
            if line.startswith('print '):
                path = line[6:].strip()
                o.write('%s = %#x\n' % (path, read(roots, parse(path))))
    elapsed = time.perf_counter() - t0
    print('elapsed %.6f' % elapsed)
    return 0


if __name__ == '__main__':
    sys.exit(main())
