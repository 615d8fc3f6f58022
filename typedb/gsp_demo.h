/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The shared memory of `iodbg demo`'s simulated GPU system processor (spec §7), for `load gsp_demo`. */
#ifndef IODBG_TYPEDB_GSP_DEMO_H
#define IODBG_TYPEDB_GSP_DEMO_H

/*
 * In the spirit of a GPU's GSP: the driver and the firmware share one
 * block of memory holding command queues (driver to firmware), message
 * queues (firmware to driver), a status block and a text log. A queue is
 * a ring of fixed-size messages with a head the producer advances after
 * filling a slot and a tail the consumer advances after taking one, both
 * counting slots modulo entries. `view gsp = struct gsp_demo @ sim0` then
 * gives gsp.cmdq[3].head, gsp.cmdq[3].tail and gsp.status.seq.
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define GSP_DEMO_QUEUES 8
#define GSP_DEMO_RING_ENTRIES 16
#define GSP_DEMO_PAYLOAD_WORDS 5
#define GSP_DEMO_MAGIC 0x44505347u      /* "GSPD" in memory */

enum gsp_state {
	GSP_STATE_OFF = 0,
	GSP_STATE_BOOTING = 1,
	GSP_STATE_READY = 2,
	GSP_STATE_BUSY = 3,
	GSP_STATE_HALTED = 4,
	GSP_STATE_ERROR = 255,
};

/* What a command asks for; replies carry the same function. */
enum gsp_function {
	GSP_FN_NOP = 0,
	GSP_FN_ECHO = 1,
	GSP_FN_GET_VERSION = 2,
	GSP_FN_SET_POWER = 3,
	GSP_FN_RESET_QUEUE = 4,
};

/* Result codes of replies. */
enum gsp_result {
	GSP_OK = 0,
	GSP_ERR_INVALID = -1,
	GSP_ERR_BUSY = -2,
	GSP_ERR_UNSUPPORTED = -3,
};

/* Flags of a queue: a register of bits, as hardware has them. */
struct msgq_flags {
	u32 enabled : 1;
	u32 overflow : 1;          /* the producer found the ring full */
	u32 irq_on_consume : 1;
	u32 priority : 3;
	u32 reserved : 10;
	u32 owner : 8;             /* who produces: 0 driver, 1 firmware */
	u32 generation : 8;
};

/* One slot of a ring. */
struct gsp_msg {
	u32 seq;                   /* numbered by the producer */
	u16 function;              /* enum gsp_function */
	u16 length;                /* bytes of payload used */
	int result;                /* enum gsp_result, in replies */
	u32 payload[GSP_DEMO_PAYLOAD_WORDS];
};

struct msgq {
	u32 head;                  /* next slot the producer fills */
	u32 tail;                  /* next slot the consumer takes */
	u32 entries;               /* GSP_DEMO_RING_ENTRIES */
	struct msgq_flags flags;
	struct gsp_msg ring[GSP_DEMO_RING_ENTRIES];
};

/* The firmware's status block. */
struct gsp_status {
	u32 seq;                   /* incremented after every batch consumed */
	enum gsp_state state;
	struct {
		u32 ready : 1;
		u32 busy : 1;
		u32 error : 1;
		u32 irq_pending : 1;
		u32 reserved : 4;
		u32 last_queue : 8;    /* the queue served last */
		u32 consumed : 16;     /* messages consumed in the last batch */
	} flags;
	int error_code;            /* enum gsp_result of the last failure */
	u64 heartbeat;             /* steps the firmware has taken since boot */
};

struct gsp_demo {
	u32 magic;                 /* GSP_DEMO_MAGIC once booted */
	u16 version_major;
	u16 version_minor;
	struct gsp_status status;
	struct msgq cmdq[GSP_DEMO_QUEUES];
	struct msgq msgq[GSP_DEMO_QUEUES];
	char log[256];             /* the firmware's last words, NUL-terminated */
};

#endif
