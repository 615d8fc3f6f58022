/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI configuration space layouts for `load pci`: type 0/1 headers, standard and extended capabilities. */
#ifndef IODBG_TYPEDB_PCI_H
#define IODBG_TYPEDB_PCI_H

/*
 * Field names follow the PCI Local Bus and PCI Express Base specifications,
 * in snake case (spec §7 of iodbg lists the header fields exactly). Multi-
 * byte fields are little-endian, as configuration space is. Registers that
 * are bit sets come twice where that helps: the raw register under its
 * name, and the same bits decoded in an overlaid anonymous struct, so
 * that both `cfg.command` and `cfg.bus_master` read.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

/* --- the common registers -------------------------------------------------- */

struct pci_command_reg {
	u16 io_space : 1;
	u16 memory_space : 1;
	u16 bus_master : 1;
	u16 special_cycles : 1;
	u16 mem_write_invalidate : 1;
	u16 vga_palette_snoop : 1;
	u16 parity_error_response : 1;
	u16 idsel_stepping : 1;
	u16 serr_enable : 1;
	u16 fast_back_to_back : 1;
	u16 interrupt_disable : 1;
	u16 reserved : 5;
};

struct pci_status_reg {
	u16 immediate_readiness : 1;
	u16 reserved0 : 2;
	u16 interrupt_status : 1;
	u16 capabilities_list : 1;
	u16 mhz66_capable : 1;
	u16 reserved1 : 1;
	u16 fast_back_to_back_capable : 1;
	u16 master_data_parity_error : 1;
	u16 devsel_timing : 2;
	u16 signaled_target_abort : 1;
	u16 received_target_abort : 1;
	u16 received_master_abort : 1;
	u16 signaled_system_error : 1;
	u16 detected_parity_error : 1;
};

/* A memory BAR's low bits (an I/O BAR has bit 0 set and the address above bit 1). */
struct pci_bar_bits {
	u32 io_space : 1;
	u32 type : 2;              /* 0: 32-bit, 2: 64-bit */
	u32 prefetchable : 1;
	u32 address : 28;          /* the address, in units of 16 bytes */
};

enum pci_header_type {
	PCI_HEADER_TYPE_NORMAL = 0,
	PCI_HEADER_TYPE_BRIDGE = 1,
	PCI_HEADER_TYPE_CARDBUS = 2,
	PCI_HEADER_TYPE_MULTIFUNCTION = 0x80,
};

/* --- type 0: endpoints (spec §7) ------------------------------------------------ */

struct pci_config_header {
	u16 vendor_id;
	u16 device_id;
	u16 command;
	u16 status;
	u8 revision_id;
	u8 prog_if;
	u8 subclass;
	u8 class_code;
	u8 cache_line_size;
	u8 latency_timer;
	u8 header_type;
	u8 bist;
	u32 bar[6];
	u32 cardbus_cis;
	u16 subsystem_vendor_id;
	u16 subsystem_id;
	u32 rom_address;
	u8 capabilities_ptr;
	u8 reserved[7];
	u8 interrupt_line;
	u8 interrupt_pin;
	u8 min_gnt;
	u8 max_lat;
};

/* --- type 1: bridges (spec §7) ------------------------------------------------ */

struct pci_bridge_header {
	u16 vendor_id;
	u16 device_id;
	u16 command;
	u16 status;
	u8 revision_id;
	u8 prog_if;
	u8 subclass;
	u8 class_code;
	u8 cache_line_size;
	u8 latency_timer;
	u8 header_type;
	u8 bist;
	u32 bar[2];
	u8 primary_bus;
	u8 secondary_bus;
	u8 subordinate_bus;
	u8 secondary_latency_timer;
	u8 io_base;
	u8 io_limit;
	u16 secondary_status;
	u16 memory_base;
	u16 memory_limit;
	u16 prefetchable_memory_base;
	u16 prefetchable_memory_limit;
	u32 prefetchable_base_upper32;
	u32 prefetchable_limit_upper32;
	u16 io_base_upper16;
	u16 io_limit_upper16;
	u8 capabilities_ptr;
	u8 reserved[3];
	u32 rom_address;
	u8 interrupt_line;
	u8 interrupt_pin;
	u16 bridge_control;
};

/* --- standard capabilities (a list from capabilities_ptr) --------------------- */

enum pci_cap_id {
	PCI_CAP_ID_PM = 0x01,
	PCI_CAP_ID_AGP = 0x02,
	PCI_CAP_ID_VPD = 0x03,
	PCI_CAP_ID_SLOTID = 0x04,
	PCI_CAP_ID_MSI = 0x05,
	PCI_CAP_ID_HOTSWAP = 0x06,
	PCI_CAP_ID_PCIX = 0x07,
	PCI_CAP_ID_HT = 0x08,
	PCI_CAP_ID_VENDOR = 0x09,
	PCI_CAP_ID_DEBUG = 0x0a,
	PCI_CAP_ID_CRC = 0x0b,
	PCI_CAP_ID_HOTPLUG = 0x0c,
	PCI_CAP_ID_SUBVENDOR = 0x0d,
	PCI_CAP_ID_AGP3 = 0x0e,
	PCI_CAP_ID_SECURE = 0x0f,
	PCI_CAP_ID_EXP = 0x10,
	PCI_CAP_ID_MSIX = 0x11,
	PCI_CAP_ID_SATA = 0x12,
	PCI_CAP_ID_AF = 0x13,
	PCI_CAP_ID_EA = 0x14,
};

/* What every capability starts with. */
struct pci_cap_header {
	u8 cap_id;                 /* enum pci_cap_id */
	u8 next;                   /* offset of the next capability, 0 at the end */
};

/* Power management (cap_id 0x01). */
struct pci_pm_cap {
	u8 cap_id;
	u8 next;
	union {
		u16 pmc;
		struct {
			u16 version : 3;
			u16 pme_clock : 1;
			u16 immediate_readiness_d0 : 1;
			u16 dsi : 1;
			u16 aux_current : 3;
			u16 d1_support : 1;
			u16 d2_support : 1;
			u16 pme_support : 5;
		};
	};
	union {
		u16 pmcsr;
		struct {
			u16 power_state : 2;    /* 0: D0 .. 3: D3hot */
			u16 reserved0 : 1;
			u16 no_soft_reset : 1;
			u16 reserved1 : 4;
			u16 pme_enable : 1;
			u16 data_select : 4;
			u16 data_scale : 2;
			u16 pme_status : 1;
		};
	};
	u8 pmcsr_bse;
	u8 data;
};

/* The message control register of MSI. */
struct pci_msi_control {
	u16 enable : 1;
	u16 multiple_message_capable : 3;
	u16 multiple_message_enable : 3;
	u16 addr64 : 1;
	u16 per_vector_masking : 1;
	u16 extended_message_data_capable : 1;
	u16 extended_message_data_enable : 1;
	u16 reserved : 5;
};

/* MSI (cap_id 0x05) with a 64-bit address and per-vector masking: the largest form. */
struct pci_msi_cap {
	u8 cap_id;
	u8 next;
	u16 control;               /* struct pci_msi_control */
	u32 address_lo;
	u32 address_hi;
	u16 data;
	u16 extended_data;
	u32 mask;
	u32 pending;
};

/* MSI with a 32-bit address (control.addr64 clear) and per-vector masking. */
struct pci_msi32_cap {
	u8 cap_id;
	u8 next;
	u16 control;
	u32 address;
	u16 data;
	u16 extended_data;
	u32 mask;
	u32 pending;
};

/* MSI-X (cap_id 0x11). The table and the pending bits live in a BAR. */
struct pci_msix_cap {
	u8 cap_id;
	u8 next;
	union {
		u16 control;
		struct {
			u16 table_size : 11;    /* entries minus one */
			u16 reserved : 3;
			u16 function_mask : 1;
			u16 enable : 1;
		};
	};
	union {
		u32 table;
		struct {
			u32 table_bir : 3;      /* which BAR */
			u32 table_offset : 29;  /* in units of 8 bytes */
		};
	};
	union {
		u32 pba;
		struct {
			u32 pba_bir : 3;
			u32 pba_offset : 29;
		};
	};
};

/* One entry of the MSI-X table (in the BAR named by table_bir). */
struct pci_msix_entry {
	u32 address_lo;
	u32 address_hi;
	u32 data;
	u32 vector_control;        /* bit 0: masked */
};

/* PCI Express (cap_id 0x10). */
struct pci_express_cap {
	u8 cap_id;
	u8 next;
	union {
		u16 pcie_caps;
		struct {
			u16 version : 4;
			u16 device_type : 4;
			u16 slot_implemented : 1;
			u16 interrupt_message_number : 5;
			u16 reserved : 2;
		};
	};
	u32 device_caps;
	u16 device_control;
	u16 device_status;
	union {
		u32 link_caps;
		struct {
			u32 max_link_speed : 4;
			u32 max_link_width : 6;
			u32 aspm_support : 2;
			u32 l0s_exit_latency : 3;
			u32 l1_exit_latency : 3;
			u32 clock_power_management : 1;
			u32 surprise_down_reporting : 1;
			u32 dll_link_active_reporting : 1;
			u32 link_bandwidth_notification : 1;
			u32 aspm_optionality : 1;
			u32 reserved1 : 1;
			u32 port_number : 8;
		};
	};
	u16 link_control;
	union {
		u16 link_status;
		struct {
			u16 current_link_speed : 4;
			u16 negotiated_link_width : 6;
			u16 reserved2 : 1;
			u16 link_training : 1;
			u16 slot_clock_configuration : 1;
			u16 data_link_layer_active : 1;
			u16 link_bandwidth_management_status : 1;
			u16 link_autonomous_bandwidth_status : 1;
		};
	};
	u32 slot_caps;
	u16 slot_control;
	u16 slot_status;
	u16 root_control;
	u16 root_caps;
	u32 root_status;
	u32 device_caps2;
	u16 device_control2;
	u16 device_status2;
	u32 link_caps2;
	u16 link_control2;
	u16 link_status2;
	u32 slot_caps2;
	u16 slot_control2;
	u16 slot_status2;
};

/* Vendor-specific (cap_id 0x09): the rest is the vendor's. */
struct pci_vendor_cap {
	u8 cap_id;
	u8 next;
	u8 length;                 /* of the whole capability, header included */
	u8 data[];
};

/* --- extended capabilities (a list from offset 0x100) ------------------------ */

enum pci_ext_cap_id {
	PCI_EXT_CAP_ID_AER = 0x0001,
	PCI_EXT_CAP_ID_VC = 0x0002,
	PCI_EXT_CAP_ID_DSN = 0x0003,
	PCI_EXT_CAP_ID_PWR = 0x0004,
	PCI_EXT_CAP_ID_VNDR = 0x000b,
	PCI_EXT_CAP_ID_ACS = 0x000d,
	PCI_EXT_CAP_ID_ARI = 0x000e,
	PCI_EXT_CAP_ID_ATS = 0x000f,
	PCI_EXT_CAP_ID_SRIOV = 0x0010,
	PCI_EXT_CAP_ID_REBAR = 0x0015,
	PCI_EXT_CAP_ID_LTR = 0x0018,
	PCI_EXT_CAP_ID_SECPCI = 0x0019,
	PCI_EXT_CAP_ID_PASID = 0x001b,
	PCI_EXT_CAP_ID_DLF = 0x0025,
	PCI_EXT_CAP_ID_PL_16GT = 0x0026,
};

struct pci_ext_cap_header {
	u16 cap_id;                /* enum pci_ext_cap_id */
	u16 version : 4;
	u16 next : 12;             /* offset of the next one, 0 at the end */
};

/* The bits shared by the uncorrectable error registers of AER. */
struct pci_aer_uncorrectable {
	u32 reserved0 : 4;
	u32 data_link_protocol : 1;
	u32 surprise_down : 1;
	u32 reserved1 : 6;
	u32 poisoned_tlp : 1;
	u32 flow_control_protocol : 1;
	u32 completion_timeout : 1;
	u32 completer_abort : 1;
	u32 unexpected_completion : 1;
	u32 receiver_overflow : 1;
	u32 malformed_tlp : 1;
	u32 ecrc : 1;
	u32 unsupported_request : 1;
	u32 acs_violation : 1;
	u32 internal : 1;
	u32 mc_blocked_tlp : 1;
	u32 atomic_op_egress_blocked : 1;
	u32 tlp_prefix_blocked : 1;
	u32 poisoned_tlp_egress_blocked : 1;
	u32 reserved2 : 5;
};

/* The bits of the correctable error registers of AER. */
struct pci_aer_correctable {
	u32 receiver_error : 1;
	u32 reserved0 : 5;
	u32 bad_tlp : 1;
	u32 bad_dllp : 1;
	u32 replay_num_rollover : 1;
	u32 reserved1 : 3;
	u32 replay_timer_timeout : 1;
	u32 advisory_non_fatal : 1;
	u32 internal : 1;
	u32 header_log_overflow : 1;
	u32 reserved2 : 16;
};

/* Advanced Error Reporting (0x0001). */
struct pci_aer_cap {
	struct pci_ext_cap_header header;
	u32 uncorrectable_status;
	u32 uncorrectable_mask;
	u32 uncorrectable_severity;
	u32 correctable_status;
	u32 correctable_mask;
	union {
		u32 control;
		struct {
			u32 first_error_pointer : 5;
			u32 ecrc_generation_capable : 1;
			u32 ecrc_generation_enable : 1;
			u32 ecrc_check_capable : 1;
			u32 ecrc_check_enable : 1;
			u32 multiple_header_recording_capable : 1;
			u32 multiple_header_recording_enable : 1;
			u32 tlp_prefix_log_present : 1;
			u32 completion_timeout_prefix_header_log_capable : 1;
			u32 reserved : 19;
		};
	};
	u32 header_log[4];
	u32 root_command;
	u32 root_status;
	u16 correctable_source_id;
	u16 source_id;
	u32 tlp_prefix_log[4];
};

/* Device Serial Number (0x0003): a 64-bit EUI. */
struct pci_dsn_cap {
	struct pci_ext_cap_header header;
	u32 serial_lo;
	u32 serial_hi;
};

/* Access Control Services (0x000d). */
struct pci_acs_cap {
	struct pci_ext_cap_header header;
	u16 acs_caps;
	u16 acs_control;
};

/* Single Root I/O Virtualization (0x0010). */
struct pci_sriov_cap {
	struct pci_ext_cap_header header;
	u32 sriov_caps;
	u16 sriov_control;
	u16 sriov_status;
	u16 initial_vfs;
	u16 total_vfs;
	u16 num_vfs;
	u8 function_dependency_link;
	u8 reserved0;
	u16 first_vf_offset;
	u16 vf_stride;
	u16 reserved1;
	u16 vf_device_id;
	u32 supported_page_sizes;
	u32 system_page_size;
	u32 vf_bar[6];
	u32 vf_migration_state_array_offset;
};

/* One BAR's entry in Resizable BAR. */
struct pci_rebar_entry {
	u32 capability;            /* supported sizes: bit n+4 = 2^n MiB */
	union {
		u32 control;
		struct {
			u32 bar_index : 3;
			u32 reserved0 : 2;
			u32 nbars : 3;      /* in the first entry only */
			u32 bar_size : 6;   /* 2^bar_size MiB */
			u32 reserved1 : 2;
			u32 extra_sizes : 16;
		};
	};
};

/* Resizable BAR (0x0015). */
struct pci_rebar_cap {
	struct pci_ext_cap_header header;
	struct pci_rebar_entry entry[6];
};

/* Latency Tolerance Reporting (0x0018). */
struct pci_ltr_cap {
	struct pci_ext_cap_header header;
	u16 max_snoop_latency;
	u16 max_no_snoop_latency;
};

/* Vendor-specific extended capability (0x000b). */
struct pci_vendor_ext_cap {
	struct pci_ext_cap_header header;
	u16 vsec_id;
	u16 vsec_rev : 4;
	u16 vsec_length : 12;      /* of the whole capability, header included */
	u8 data[];
};

/* The whole extended configuration space of a PCI Express function. */
struct pci_express_config {
	union {
		struct pci_config_header type0;
		struct pci_bridge_header type1;
		u8 header[64];
	};
	u8 device_specific[192];
	u8 extended[3840];
};

#endif
