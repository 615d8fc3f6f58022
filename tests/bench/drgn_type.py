#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make bench: drgn's side of the type-load rows: load the debug info of FILE, look TYPE up and
print it, in one process (drgn keeps no index between runs). Exit 1 when it is absent.

Usage: drgn_type.py FILE TYPE
"""
import sys

import drgn


def main():
    path, name = sys.argv[1:]
    prog = drgn.Program()
    prog.load_debug_info([path], default=False, main=False)
    try:
        print(prog.type(name))
    except LookupError as e:
        print('drgn: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
