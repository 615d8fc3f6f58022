/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layouts for the end-to-end tests: compiled with gcc -g at test time into
 * cli.o, which the scripts load with `load cli` (IODBG_TYPEDB points there).
 */
#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;

enum q_state { Q_IDLE = 0, Q_BUSY = 1, Q_ERROR = 7 };
enum q_flags { F_NONE = 0, F_READY = 1, F_IRQ = 2, F_DMA = 4 };

struct ctl {
	u32 enable : 1;
	u32 mode : 5;
	short level : 6;
	u32 rest : 20;
};

struct msgq {
	u32 head;
	u32 tail;
	char name[4];
	bool ok;
	enum q_state state;
	u16 data[2];
};

struct regs {
	u32 magic;
	s8 temp;
	u8 pad0;
	u16 pad1;
	struct msgq cmdq[4];
	struct ctl ctl;
	enum q_flags flags;
	union {
		u32 raw;
		struct {
			u16 lo;
			u16 hi;
		};
	};
	u64 big;
	u8 ring[];
};
