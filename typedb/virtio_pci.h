/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Virtio 1.x over PCI for `load virtio_pci`: the capabilities and the structures they point to. */
#ifndef IODBG_TYPEDB_VIRTIO_PCI_H
#define IODBG_TYPEDB_VIRTIO_PCI_H

/*
 * A modern virtio PCI device describes its register blocks with vendor-
 * specific capabilities (cap_vndr 0x09) in configuration space, each
 * naming a BAR, an offset and a length. The field names are those of the
 * virtio specification ("Virtio Over PCI Bus"); everything is little-endian.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* What a struct virtio_pci_cap points at (its cfg_type). */
enum virtio_pci_cfg_type {
	VIRTIO_PCI_CAP_COMMON_CFG = 1,
	VIRTIO_PCI_CAP_NOTIFY_CFG = 2,
	VIRTIO_PCI_CAP_ISR_CFG = 3,
	VIRTIO_PCI_CAP_DEVICE_CFG = 4,
	VIRTIO_PCI_CAP_PCI_CFG = 5,
	VIRTIO_PCI_CAP_SHARED_MEMORY_CFG = 8,
	VIRTIO_PCI_CAP_VENDOR_CFG = 9,
};

/* The vendor-specific capability in configuration space. */
struct virtio_pci_cap {
	u8 cap_vndr;               /* 0x09 */
	u8 cap_next;
	u8 cap_len;
	u8 cfg_type;               /* enum virtio_pci_cfg_type */
	u8 bar;
	u8 id;
	u8 padding[2];
	u32 offset;                /* in the BAR */
	u32 length;
};

/* The notification capability adds how far apart queue doorbells are. */
struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	u32 notify_off_multiplier;
};

/* The 64-bit variant, for shared memory regions. */
struct virtio_pci_cap64 {
	struct virtio_pci_cap cap;
	u32 offset_hi;
	u32 length_hi;
};

/* Bits of device_status. */
enum virtio_device_status {
	VIRTIO_STATUS_ACKNOWLEDGE = 1,
	VIRTIO_STATUS_DRIVER = 2,
	VIRTIO_STATUS_DRIVER_OK = 4,
	VIRTIO_STATUS_FEATURES_OK = 8,
	VIRTIO_STATUS_NEEDS_RESET = 64,
	VIRTIO_STATUS_FAILED = 128,
};

/*
 * The common configuration block (cfg_type 1). Feature bits are read and
 * written 32 at a time: select the word, then access the window. The
 * queue_* fields below queue_select describe the queue it selects. The
 * 64-bit fields sit at 8-byte offsets; the block is 60 bytes long.
 */
struct virtio_pci_common_cfg {
	/* the whole device */
	u32 device_feature_select;
	u32 device_feature;
	u32 driver_feature_select;
	u32 driver_feature;
	u16 config_msix_vector;
	u16 num_queues;
	u8 device_status;          /* enum virtio_device_status bits */
	u8 config_generation;
	/* the selected queue */
	u16 queue_select;
	u16 queue_size;
	u16 queue_msix_vector;
	u16 queue_enable;
	u16 queue_notify_off;
	u64 queue_desc;            /* descriptor area */
	u64 queue_driver;          /* available ring */
	u64 queue_device;          /* used ring */
	u16 queue_notify_data;     /* virtio 1.2 */
	u16 queue_reset;           /* virtio 1.2 */
} __attribute__((packed, aligned(4)));     /* 60 bytes, as the block a device exposes */

/* The interrupt status register (cfg_type 3): reading it clears it. */
struct virtio_pci_isr {
	u8 queue_interrupt : 1;
	u8 config_interrupt : 1;
	u8 reserved : 6;
};

/* A split virtqueue's descriptor, in guest memory. */
struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags;                 /* 1: next, 2: write, 4: indirect */
	u16 next;
};

struct virtq_avail {
	u16 flags;
	u16 idx;
	u16 ring[];
};

struct virtq_used_elem {
	u32 id;
	u32 len;
};

struct virtq_used {
	u16 flags;
	u16 idx;
	struct virtq_used_elem ring[];
};

#endif
