// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz seed (fuzz_dwarf): enums nothing refers to, named, anonymous and behind a typedef. */
enum fz_state { FZ_BOOT, FZ_READY = 3 };
enum { FZ_ANON = 5, FZ_ANON_B };
typedef enum { FZ_TD = 11 } fz_td_t;
enum fz_wide { FZ_WIDE = 0xfffffff0u };
struct fz_holder {
	enum { FZ_MEMBER = 42 } kind;
};
int fuzz_enums;
