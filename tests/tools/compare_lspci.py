#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Compares iodbg's `info device` (text and JSON) with lspci -v -nn -D for one device.
"""
Usage: compare_lspci.py INFO_TEXT INFO_JSON LSPCI_OUTPUT

INFO_TEXT and INFO_JSON are what `info device` printed (plain and --json);
LSPCI_OUTPUT is `lspci -v -nn -D -s SLOT` on the same tree. The parts that
must agree are compared:

  - the first line (slot, class name and code, vendor and device names and
    IDs, revision, prog-if) and the Subsystem line, exactly;
  - the Flags line, without what iodbg does not show (NUMA node, IOMMU group);
  - every BAR: lspci's "Memory at ..."/"I/O ports at ..." line equals iodbg's
    "Region N: ..." line without the "Region N: " (address, 32/64-bit,
    prefetchable, [disabled], size), and the JSON bars agree with them;
  - the capabilities: the same offsets in the same order; for the IDs whose
    lspci wording is known below, lspci's description starts with it;
  - the kernel driver in use.

Prints one line per difference and exits 1 if there was one.
"""
import json
import re
import sys

# What lspci calls a capability, by ID, where its wording is stable.
LSPCI_STD = {
    0x01: 'Power Management', 0x03: 'Vital Product Data', 0x05: 'MSI:',
    0x09: 'Vendor Specific Information', 0x0d: 'Subsystem:', 0x10: 'Express',
    0x11: 'MSI-X:', 0x13: 'PCI Advanced Features', 0x0a: 'Debug port',
}
LSPCI_EXT = {
    0x01: 'Advanced Error Reporting', 0x02: 'Virtual Channel', 0x03: 'Device Serial Number',
    0x04: 'Power Budgeting', 0x05: 'Root Complex Link', 0x0b: 'Vendor Specific Information',
    0x0d: 'Access Control Services', 0x0e: 'Alternative Routing-ID Interpretation (ARI)',
    0x0f: 'Address Translation Service (ATS)', 0x10: 'Single Root I/O Virtualization (SR-IOV)',
    0x13: 'Page Request Interface (PRI)', 0x15: 'Physical Resizable BAR',
    0x17: 'Transaction Processing Hints', 0x18: 'Latency Tolerance Reporting',
    0x19: 'Secondary PCI Express', 0x1b: 'Process Address Space ID (PASID)',
    0x1e: 'L1 PM Substates', 0x1f: 'Precision Time Measurement',
    0x23: 'Designated Vendor-Specific', 0x25: 'Data Link Feature',
    0x26: 'Physical Layer 16.0 GT/s', 0x27: 'Lane Margining at the Receiver',
}

problems = []


def differ(what, ours, theirs):
    problems.append('%s: iodbg %r, lspci %r' % (what, ours, theirs))


def main():
    text = open(sys.argv[1]).read().splitlines()
    # --json prints warnings as documents of their own
    docs = [json.loads(l) for l in open(sys.argv[2]).read().splitlines() if l.strip()]
    info = [d for d in docs if 'slot' in d][0]
    lspci = [l for l in open(sys.argv[3]).read().splitlines() if l.strip()]

    if text[0] != lspci[0]:
        differ('first line', text[0], lspci[0])
    if not lspci[0].startswith(info['slot'] + ' '):
        differ('slot', info['slot'], lspci[0])
    m = re.search(r'\[([0-9a-f]{4})\]: .*\[([0-9a-f]{4}):([0-9a-f]{4})\]', lspci[0])
    if not m or [int(x, 16) for x in m.groups()] != [info['class'], info['vendor_id'],
                                                     info['device_id']]:
        differ('class, vendor_id, device_id', [info['class'], info['vendor_id'],
                                               info['device_id']], lspci[0])
    # a name pci.ids does not know is "Vendor 10de" / "Device 2684" in JSON, while
    # lspci -nn writes the bare word before the bracketed IDs
    vendor, device = info['vendor'], info['device']
    if vendor == 'Vendor %04x' % info['vendor_id']:
        vendor = 'Device'
        device = None
    elif device == 'Device %04x' % info['device_id']:
        device = 'Device'
    names = '%s %s [' % (vendor, device) if device else '%s [' % vendor
    if ': ' + names not in lspci[0]:
        differ('vendor and device names', (info['vendor'], info['device']), lspci[0])

    def field(lines, name):
        for l in lines:
            if l.startswith('\t' + name + ': '):
                return l[len(name) + 3:]
        return None

    if field(text, 'Subsystem') != field(lspci, 'Subsystem'):
        differ('Subsystem', field(text, 'Subsystem'), field(lspci, 'Subsystem'))
    flags = field(lspci, 'Flags')
    if flags is not None:
        flags = re.sub(r', (NUMA node|IOMMU group) \d+', '', flags)
    if field(text, 'Flags') != flags:
        differ('Flags', field(text, 'Flags'), flags)
    if field(text, 'Kernel driver in use') != field(lspci, 'Kernel driver in use'):
        differ('driver', field(text, 'Kernel driver in use'),
               field(lspci, 'Kernel driver in use'))

    ours = [re.sub(r'^\tRegion \d: ', '\t', l) for l in text if l.startswith('\tRegion ')]
    theirs = [l for l in lspci if re.match(r'^\t(Memory at|I/O ports at) ', l)]
    if ours != theirs:
        differ('BARs', ours, theirs)
    if len(info['bars']) != len(theirs):
        differ('JSON bars', info['bars'], theirs)
    for bar, line in zip(info['bars'], theirs):
        want = 'I/O ports at %04x' % bar['address'] if bar['type'] == 'io' else \
            'Memory at %08x (%s, %s)' % (bar['address'], '64-bit' if bar['64bit'] else
                                         '32-bit', 'prefetchable' if bar['prefetchable']
                                         else 'non-prefetchable')
        if not line.startswith('\t' + want):
            differ('JSON bar %d' % bar['index'], want, line)

    theirs = []
    for l in lspci:
        m = re.match(r'^\tCapabilities: \[([0-9a-f]+)(?: v\d+)?\] (.*)$', l)
        if m:
            theirs.append((int(m.group(1), 16), m.group(2)))
    caps = info['capabilities']
    if [c['offset'] for c in caps] != [o for o, _ in theirs]:
        differ('capability offsets', ['%x' % c['offset'] for c in caps],
               ['%x' % o for o, _ in theirs])
    for c, (_, desc) in zip(caps, theirs):
        want = (LSPCI_EXT if c.get('extended') else LSPCI_STD).get(c['id'])
        if want and not desc.startswith(want):
            differ('capability at 0x%x (%s)' % (c['offset'], c['name']), want, desc)

    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
