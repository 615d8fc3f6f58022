#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds one PCI device of a fake /sys tree from a recorded config-space capture.
"""
Usage: make-sysfs-tree.py ROOT CAPTURE [options]

Creates ROOT/bus/pci/devices/SLOT/ with the files libpci's linux-sysfs method
and iodbg read: vendor, device, class, revision, subsystem_vendor,
subsystem_device, irq, config (the capture's bytes), resource (the kernel's
"start end flags" lines) and one resourceN per BAR that has a size, as the
kernel lays them out:

  - a memory BAR's resourceN is a regular file of the BAR's size (sparse), so
    that it can be mapped like the real one; a BAR smaller than a page that
    does not start on a page boundary is mapped by the kernel from the page
    below, so its file also holds the bytes before it in that page;
  - an I/O BAR's resourceN is a regular file of its size (pread/pwrite);
  - a 64-bit BAR takes two slots: its line sits at the first, the second
    line is zeros, as in the kernel's resource file.

The BAR addresses and types come from the capture; sizes are not in config
space, so each BAR that should exist is given one with --bar.

Options:
  --pick SLOT        the device of CAPTURE to use (default: the first)
  --slot SLOT        the directory name (default: the capture's slot in domain 0000)
  --bar N:SIZE[:nofile|:mode=OCTAL]
                     BAR N has SIZE bytes (K/M/G suffixes); nofile: the resource
                     line is there but no resourceN file; mode: the file's mode
  --capture-sizes    BAR sizes from the capture's decoded lines ("Region 0: ...
                     [size=4K]"), for the BARs --bar does not name
  --bar-addr N:HEX   move BAR N to address HEX (its type bits kept)
  --command HEX      replace the command register (0x04) in config
  --config-size N    keep only the first N bytes of config
  --ids VVVV:DDDD    replace vendor and device ID (files and config)
  --irq N            the irq file (default: the interrupt line, 0x3c)
  --driver NAME      a driver symlink, as when a driver is bound
"""
import argparse
import os
import re
import sys

SLOT_RE = re.compile(r'^(?:([0-9a-f]{4,5}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ')
HEX_RE = re.compile(r'^([0-9a-f]{2,8}): ((?:[0-9a-f]{2} ?)+)$')

# Linux include/linux/ioport.h
IORESOURCE_IO = 0x100
IORESOURCE_MEM = 0x200
IORESOURCE_PREFETCH = 0x2000
IORESOURCE_SIZEALIGN = 0x40000
IORESOURCE_MEM_64 = 0x100000


REGION_RE = re.compile(r'^\s+Region (\d): .*\[size=(\d+)([KMG]?)\]')


def read_capture(path, sizes=None):
    """{slot: bytearray} in file order, slots as DDDD:BB:DD.F; sizes, when
    given, gets {slot: {bar: size}} from the decoded lines."""
    devices = {}
    cur = None
    with open(path) as f:
        for line in f:
            line = line.rstrip('\r\n')
            m = SLOT_RE.match(line)
            if m:
                dom = m.group(1) or '0000'
                cur = '%04x:%s:%s.%s' % (int(dom, 16), m.group(2), m.group(3), m.group(4))
                devices[cur] = bytearray()
                if sizes is not None:
                    sizes[cur] = {}
                continue
            m = REGION_RE.match(line)
            if m and cur is not None and sizes is not None:
                shift = {'': 0, 'K': 10, 'M': 20, 'G': 30}[m.group(3)]
                sizes[cur][int(m.group(1))] = int(m.group(2)) << shift
                continue
            m = HEX_RE.match(line)
            if m and cur is not None:
                off = int(m.group(1), 16)
                data = bytes(int(x, 16) for x in m.group(2).split())
                buf = devices[cur]
                if len(buf) < off + len(data):
                    buf.extend(b'\xff' * (off + len(data) - len(buf)))
                buf[off:off + len(data)] = data
    return devices


def size_arg(text):
    m = re.fullmatch(r'(0x[0-9a-fA-F]+|\d+)([KMG]?)', text)
    if not m:
        raise argparse.ArgumentTypeError('bad size %r' % text)
    return int(m.group(1), 0) << {'': 0, 'K': 10, 'M': 20, 'G': 30}[m.group(2)]


def le(buf, off, n):
    return int.from_bytes(buf[off:off + n], 'little')


def main():
    p = argparse.ArgumentParser(description='Build a fake sysfs PCI device from a capture.')
    p.add_argument('root')
    p.add_argument('capture')
    p.add_argument('--pick')
    p.add_argument('--slot')
    p.add_argument('--bar', action='append', default=[])
    p.add_argument('--capture-sizes', action='store_true')
    p.add_argument('--bar-addr', action='append', default=[])
    p.add_argument('--command')
    p.add_argument('--config-size', type=int)
    p.add_argument('--ids')
    p.add_argument('--irq', type=int)
    p.add_argument('--driver')
    a = p.parse_args()

    decoded = {}
    devices = read_capture(a.capture, decoded)
    if not devices:
        sys.exit('%s: no device in the capture' % a.capture)
    pick = a.pick
    if pick and pick.count(':') == 1:
        pick = '0000:' + pick
    if pick and pick not in devices:
        sys.exit('%s: no device %s in the capture' % (a.capture, pick))
    cfg = devices[pick] if pick else next(iter(devices.values()))
    slot = a.slot or pick or next(iter(devices))
    if slot.count(':') == 1:
        slot = '0000:' + slot
    if a.command:
        cfg[4:6] = int(a.command, 16).to_bytes(2, 'little')
    if a.ids:
        v, d = (int(x, 16) for x in a.ids.split(':'))
        cfg[0:2] = v.to_bytes(2, 'little')
        cfg[2:4] = d.to_bytes(2, 'little')
    for spec in a.bar_addr:
        n, addr = spec.split(':')
        off = 0x10 + 4 * int(n)
        raw = le(cfg, off, 4)
        addr = int(addr, 16)
        low = raw & (3 if raw & 1 else 0xf)
        cfg[off:off + 4] = ((addr & 0xffffffff) | low).to_bytes(4, 'little')
        if not raw & 1 and (raw >> 1) & 3 == 2:
            cfg[off + 4:off + 8] = (addr >> 32).to_bytes(4, 'little')
    if a.config_size:
        del cfg[a.config_size:]

    sizes, nofile, modes = {}, set(), {}
    if a.capture_sizes:
        sizes.update(decoded[pick or next(iter(devices))])
    for spec in a.bar:
        parts = spec.split(':')
        n = int(parts[0])
        sizes[n] = size_arg(parts[1])
        for extra in parts[2:]:
            if extra == 'nofile':
                nofile.add(n)
            elif extra.startswith('mode='):
                modes[n] = int(extra[5:], 8)
            else:
                sys.exit('bad --bar option %r' % extra)

    dev = os.path.join(a.root, 'bus', 'pci', 'devices', slot)
    os.makedirs(dev, exist_ok=True)

    def put(name, text):
        with open(os.path.join(dev, name), 'w') as f:
            f.write(text)

    put('vendor', '0x%04x\n' % le(cfg, 0, 2))
    put('device', '0x%04x\n' % le(cfg, 2, 2))
    put('revision', '0x%02x\n' % cfg[8])
    put('class', '0x%06x\n' % le(cfg, 9, 3))
    htype = cfg[0x0e] & 0x7f
    nbars = 6 if htype == 0 else 2 if htype == 1 else 0
    if htype == 0:
        put('subsystem_vendor', '0x%04x\n' % le(cfg, 0x2c, 2))
        put('subsystem_device', '0x%04x\n' % le(cfg, 0x2e, 2))
    else:
        put('subsystem_vendor', '0x0000\n')
        put('subsystem_device', '0x0000\n')
    put('irq', '%d\n' % (a.irq if a.irq is not None else cfg[0x3c]))
    with open(os.path.join(dev, 'config'), 'wb') as f:
        f.write(cfg)

    lines = [(0, 0, 0)] * 13
    i = 0
    while i < nbars:
        raw = le(cfg, 0x10 + 4 * i, 4)
        is64 = not raw & 1 and (raw >> 1) & 3 == 2
        size = sizes.get(i, 0)
        if size:
            if raw & 1:
                start = raw & ~3
                flags = IORESOURCE_IO | IORESOURCE_SIZEALIGN | (raw & 3)
            else:
                start = raw & ~0xf
                if is64:
                    start |= le(cfg, 0x14 + 4 * i, 4) << 32
                flags = IORESOURCE_MEM | IORESOURCE_SIZEALIGN | (raw & 0xf)
                if raw & 8:
                    flags |= IORESOURCE_PREFETCH
                if is64:
                    flags |= IORESOURCE_MEM_64
            lines[i] = (start, start + size - 1, flags)
            if i not in nofile:
                inner = start & 0xfff if not raw & 1 and size < 4096 else 0
                path = os.path.join(dev, 'resource%d' % i)
                with open(path, 'wb') as f:
                    f.truncate(inner + size)
                if i in modes:
                    os.chmod(path, modes[i])
        i += 2 if is64 else 1
    put('resource', ''.join('0x%016x 0x%016x 0x%016x\n' % l for l in lines))

    if a.driver:
        drv = os.path.join(a.root, 'bus', 'pci', 'drivers', a.driver)
        os.makedirs(drv, exist_ok=True)
        link = os.path.join(dev, 'driver')
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.relpath(drv, dev), link)


if __name__ == '__main__':
    main()
