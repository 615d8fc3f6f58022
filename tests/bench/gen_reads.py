#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: the inputs of the scripted-reads rows, the same for iodbg, drgn and gdb: a
64 KiB image of seeded pseudo-random bytes, and COUNT reads of scalar paths with random
literal indices (gsp.cmdq[17].head, gsp.msgq[3].base, ...) as an iodbg script and as a gdb
command file. Deterministic: the same seed gives the same files.

Usage: gen_reads.py OUTDIR COUNT [SEED]
"""
import os
import random
import sys

QUEUES = 64                     # BENCH_QUEUES in bench_types.h
FIELDS = ('head', 'tail', 'entries', 'flags', 'base')


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    os.makedirs(out, exist_ok=True)
    image = os.path.abspath(os.path.join(out, 'image.bin'))
    with open(image, 'wb') as f:
        f.write(rng.randbytes(64 * 1024))
    paths = ['gsp.%s[%d].%s' % (rng.choice(('cmdq', 'msgq')), rng.randrange(QUEUES),
                                rng.choice(FIELDS)) for _ in range(count)]
    with open(os.path.join(out, 'reads.iodbg'), 'w') as f:
        f.write('attach file:%s\n' % image)
        f.write('view gsp = struct bench_gsp @ file0\n')
        for p in paths:
            f.write('print %s\n' % p)
    # gdb times its own loop of prints, as drgn does: its start-up is outside.
    setup = 'set pagination off\nset confirm off\nset width 0\n'
    with open(os.path.join(out, 'setup.gdb'), 'w') as f:
        f.write(setup)
    with open(os.path.join(out, 'reads.gdb'), 'w') as f:
        f.write(setup)
        f.write('python import time; bench_t0 = time.perf_counter()\n')
        for p in paths:
            f.write('print/x %s\n' % p)
        f.write('python print("elapsed %.6f" % (time.perf_counter() - bench_t0))\n')


if __name__ == '__main__':
    main()
