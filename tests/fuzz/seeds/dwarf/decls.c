// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz seed (fuzz_dwarf): declarations, pointers to them, nested and packed layouts. */
struct opaque;
typedef struct opaque opaque_t;

struct __attribute__((packed)) pk {
	unsigned char tag;
	unsigned long long v;
	opaque_t *o;
	struct {
		unsigned short a : 3, b : 13;
	} in[2];
};

union un {
	struct pk p;
	long double d;
	_Bool flags[3];
};

union un fuzz_u;
