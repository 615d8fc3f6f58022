# SPDX-License-Identifier: GPL-2.0-or-later
# The interactive REPL through a pseudo-terminal (see repl_pty.py).
exec /usr/bin/python3 "$TESTDIR/repl_pty.py"
