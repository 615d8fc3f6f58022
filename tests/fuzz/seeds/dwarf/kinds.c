// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz seed (fuzz_dwarf): one of each kind of layout, compiled at build time in several DWARF flavours. */
typedef unsigned int u32;
typedef u32 reg_t;
typedef const volatile reg_t creg_t;

enum st { ST_A, ST_B = 200, ST_N = -1 };
enum __attribute__((packed)) small { SM_LO = -128, SM_HI = 127 };

struct q {
	u32 head, tail;
	char name[4];
	u32 mode : 5;
	int lvl : 6;
	enum st s;
	creg_t r;
	u32 data[2][3];
	union {
		u32 w;
		short h[2];
	};
	struct q *next;
	void (*fn)(int, ...);
	unsigned char zero[0];
	unsigned char flex[];
};

struct q fuzz_q;
