# SPDX-License-Identifier: GPL-2.0-or-later
# Builds libiodbg.a, the iodbg binary and the unit tests; installs; lists the Debian packages.
# Sources are found by wildcard, so a new file in src/ needs no change here.

VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# The stock type library (spec §7): found relative to the binary, <bindir>/../share/iodbg/typedb.
TYPEDBDIR ?= $(PREFIX)/share/iodbg/typedb
# The bash completion (completions/iodbg.bash) and the demo's tour (examples/tour.iodbg).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLESDIR ?= $(PREFIX)/share/iodbg/examples
DESTDIR ?=
INSTALL ?= install

# gcc unless the user names another compiler: warnings are errors, and CI uses gcc.
ifeq ($(origin CC),default)
CC := gcc
endif
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
LDFLAGS ?=
LDLIBS ?=

# Flags the build relies on; CFLAGS above stays the user's to override.
IODBG_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude \
	-DIODBG_VERSION='"$(VERSION)"' -MMD -MP

# External libraries, each used by exactly one folder (see the per-folder flags below).
# Recursive (=) so that pkg-config only runs for a library some source actually needs.
DWARF_CFLAGS = -I/usr/include/libdwarf
DWARF_LIBS = -ldwarf -lelf -lz
PCI_CFLAGS = $(shell $(PKG_CONFIG) --cflags libpci)
PCI_LIBS = $(shell $(PKG_CONFIG) --libs libpci)
READLINE_CFLAGS =
READLINE_LIBS = -lreadline
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka)

SANITIZE ?=
VALGRIND ?=
ifeq ($(SANITIZE),1)
BUILD := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(VALGRIND),1)
$(error SANITIZE=1 and VALGRIND=1 do not mix: valgrind cannot run sanitized programs)
endif
else
BUILD := build
SAN_FLAGS :=
endif

VALGRIND_CMD := valgrind --quiet --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect \
	$(if $(wildcard tests/valgrind.supp),--suppressions=tests/valgrind.supp)
TEST_WRAPPER := $(if $(filter 1,$(VALGRIND)),$(VALGRIND_CMD))

# Recursive wildcard: $(call rwildcard,DIR,PATTERN).
rwildcard = $(foreach d,$(wildcard $(1:=/*)),$(call rwildcard,$d,$2) $(filter $(subst *,%,$2),$d))

# The library is every source under src/ except the front end (main.c and repl/).
ALL_SRCS := $(sort $(call rwildcard,src,*.c))
REPL_SRCS := $(filter src/repl/%,$(ALL_SRCS))
LIB_SRCS := $(filter-out src/main.c $(REPL_SRCS),$(ALL_SRCS))
BIN_SRCS := src/main.c $(REPL_SRCS)
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
# Linked into every test program: other .c files in tests/unit/ (helpers), and
# tests/line_buffered.c.
TEST_HELPER_SRCS := tests/line_buffered.c \
	$(filter-out $(TEST_SRCS),$(sort $(wildcard tests/unit/*.c)))

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
BIN_OBJS := $(BIN_SRCS:%.c=$(BUILD)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/%.o)
TEST_HELPER_OBJS := $(TEST_HELPER_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS := $(TEST_SRCS:%.c=$(BUILD)/%)

LIB := $(BUILD)/libiodbg.a
BIN := $(BUILD)/iodbg

# The stock type library: typedb/X.h becomes $(BUILD)/typedb/X.o, whose DWARF keeps every type.
TYPEDB_HDRS := $(sort $(wildcard typedb/*.h))
TYPEDB_OBJS := $(TYPEDB_HDRS:%.h=$(BUILD)/%.o)

# A folder's library is linked only once that folder has sources.
LIB_LIBS := $(if $(filter src/dwarf/%,$(LIB_SRCS)),$(DWARF_LIBS)) \
	$(if $(filter src/target/%,$(LIB_SRCS)),$(PCI_LIBS))
BIN_LIBS := $(if $(REPL_SRCS),$(READLINE_LIBS))

COMPILE = $(CC) $(IODBG_CFLAGS) $(SAN_FLAGS) $(CFLAGS) $(DIR_CFLAGS) -c -o $@ $<

DEB_PACKAGES := make gcc pkg-config libdwarf-dev libelf-dev libpci-dev libreadline-dev \
	libcmocka-dev pciutils mandoc man-db valgrind dwarves python3-pyelftools clang \
	libclang-rt-14-dev util-linux time
DEB_BENCH_PACKAGES := gdb python3-drgn hyperfine linux-image-amd64-dbg

.PHONY: all check check-cli check-dwarf valgrind lint-man demo install uninstall \
	deps bench-deps bench conformance clean

all: $(LIB) $(BIN) $(TYPEDB_OBJS)

$(BUILD)/src/dwarf/%.o: DIR_CFLAGS = $(DWARF_CFLAGS)
$(BUILD)/src/target/%.o: DIR_CFLAGS = $(PCI_CFLAGS)
$(BUILD)/src/repl/%.o: DIR_CFLAGS = $(READLINE_CFLAGS)
# Tests may include a module's private header as "io/fault.h".
$(BUILD)/tests/%.o: DIR_CFLAGS = -Isrc $(CMOCKA_CFLAGS)

# Unused types are kept: nothing in a header uses them.
$(BUILD)/typedb/%.o: typedb/%.h Makefile
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -g -fno-eliminate-unused-debug-types -c -x c -o $@ $<

# Objects depend on the Makefile too: a change of flags or VERSION rebuilds them.
$(BUILD)/%.o: %.c Makefile
	@mkdir -p $(@D)
	$(COMPILE)

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BIN_OBJS) $(LIB)
	$(CC) $(SAN_FLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(BIN_OBJS) $(LIB) $(LIB_LIBS) $(BIN_LIBS) $(LDLIBS)

$(TEST_BINS): $(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(TEST_HELPER_OBJS) $(LIB)
	$(CC) $(SAN_FLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(LIB) $(LIB_LIBS) $(CMOCKA_LIBS) $(LDLIBS)

# Keep the test objects: they carry the .d files of the header dependencies.
.SECONDARY: $(TEST_OBJS) $(TEST_HELPER_OBJS)

# The unit tests run last, so their summary line (counting test programs, see
# tests/run-unit.sh) ends the output.
check: lint-man check-cli check-dwarf $(TEST_BINS)
	IODBG_TEST_WRAPPER='$(TEST_WRAPPER)' tests/run-unit.sh $(BUILD)/tests $(TEST_BINS)

# The loader against pahole, pyelftools and the compiler: fixtures built at test time
# (tests/fixtures/dwarf/, see tests/tools/run-dwarf-compare.sh). test_dwarf loads the
# stock library, so it needs the objects too.
DUMP_LAYOUTS := $(BUILD)/tests/tools/dump_layouts

$(DUMP_LAYOUTS): $(BUILD)/tests/tools/dump_layouts.o $(LIB)
	$(CC) $(SAN_FLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIB_LIBS) $(LDLIBS)

$(BUILD)/tests/unit/test_dwarf: $(TYPEDB_OBJS)

check-dwarf: $(DUMP_LAYOUTS) $(TYPEDB_OBJS)
	IODBG_TEST_WRAPPER='$(TEST_WRAPPER)' tests/tools/run-dwarf-compare.sh \
		$(BUILD)/tests/dwarf $(DUMP_LAYOUTS) $(BUILD)/typedb

# End-to-end tests of the binary (tests/cli/, see tests/run-cli.sh). The scripts load
# types compiled here from tests/cli/types/cli.h, found through IODBG_TYPEDB.
CLI_TYPEDB := $(BUILD)/tests/cli/typedb

$(CLI_TYPEDB)/cli.o: tests/cli/types/cli.h
	@mkdir -p $(@D)
	$(CC) -g -fno-eliminate-unused-debug-types -c -x c -o $@ $<

check-cli: $(BIN) $(CLI_TYPEDB)/cli.o $(TYPEDB_OBJS)
	IODBG_TEST_WRAPPER='$(TEST_WRAPPER)' tests/run-cli.sh $(BIN) $(BUILD)/tests/cli/run $(CLI_TYPEDB)

# libFuzzer targets (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/), built with
# clang, ASan and UBSan into build-fuzz/. Without FUZZ_SECONDS each replays its corpus
# plus FUZZ_RUNS deterministic mutations (-seed=1), as CI does.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_RUNS ?= 20000
FUZZ_SECONDS ?=
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Isrc -DIODBG_VERSION='"$(VERSION)"'

build-fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(REPL_SRCS) $(wildcard include/iodbg/*.h src/*/*.h tests/fuzz/*.h) \
		Makefile
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(DWARF_CFLAGS) $(PCI_CFLAGS) -o $@ $< $(LIB_SRCS) \
		$(REPL_SRCS) $(LIB_LIBS) $(READLINE_LIBS)

# Seeds that are built, not checked in: build-fuzz/seeds/NAME/ is a corpus of fuzz_NAME too.
# fuzz_dwarf's are tiny objects from tests/fuzz/seeds/dwarf/*.c in several DWARF flavours.
DWARF_SEED_SRCS := $(sort $(wildcard tests/fuzz/seeds/dwarf/*.c))
DWARF_SEED_FLAGS := -c -w -fno-asynchronous-unwind-tables -fno-ident \
	-fno-eliminate-unused-debug-types
DWARF_SEED_CC_gcc-dwarf2 = $(CC) -gdwarf-2
DWARF_SEED_CC_gcc-dwarf4 = $(CC) -gdwarf-4
DWARF_SEED_CC_gcc-dwarf5 = $(CC) -gdwarf-5
DWARF_SEED_CC_gcc-gz = $(CC) -gdwarf-5 -gz=zlib
DWARF_SEED_CC_gcc-zdebug = $(CC) -gdwarf-4 -gz=zlib-gnu
DWARF_SEED_CC_clang-dwarf4 = $(FUZZ_CC) -gdwarf-4
DWARF_SEED_CC_clang-dwarf5 = $(FUZZ_CC) -gdwarf-5
DWARF_SEED_FLAVOURS := gcc-dwarf2 gcc-dwarf4 gcc-dwarf5 gcc-gz gcc-zdebug clang-dwarf4 clang-dwarf5
DWARF_SEEDS := $(foreach f,$(DWARF_SEED_FLAVOURS),\
	$(DWARF_SEED_SRCS:tests/fuzz/seeds/dwarf/%.c=build-fuzz/seeds/dwarf/%-$f.o))

define dwarf_seed_rule
build-fuzz/seeds/dwarf/%-$(1).o: tests/fuzz/seeds/dwarf/%.c Makefile
	@mkdir -p $$(@D)
	$$(DWARF_SEED_CC_$(1)) $$(DWARF_SEED_FLAGS) -o $$@ $$<
endef
$(foreach f,$(DWARF_SEED_FLAVOURS),$(eval $(call dwarf_seed_rule,$f)))

fuzz: $(FUZZ_BINS) $(DWARF_SEEDS)
	tests/run-fuzz.sh build-fuzz/run '$(FUZZ_RUNS)' '$(FUZZ_SECONDS)' $(FUZZ_BINS)

valgrind:
	$(MAKE) check VALGRIND=1

lint-man:
	mandoc -Tlint -Wwarning man/iodbg.1

# The simulated GSP (spec §7): interactive on a terminal; try examples/tour.iodbg.
demo: $(BIN) $(TYPEDB_OBJS)
	$(BIN) demo

install: $(BIN) $(TYPEDB_OBJS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/iodbg
	$(INSTALL) -m 0644 man/iodbg.1 $(DESTDIR)$(MANDIR)/man1/iodbg.1
	$(INSTALL) -d $(DESTDIR)$(TYPEDBDIR) $(DESTDIR)$(TYPEDBDIR)/profiles
	$(INSTALL) -m 0644 $(TYPEDB_OBJS) $(DESTDIR)$(TYPEDBDIR)/
	$(INSTALL) -m 0644 $(wildcard typedb/profiles/*.iodbg) $(DESTDIR)$(TYPEDBDIR)/profiles/
	$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(EXAMPLESDIR)
	$(INSTALL) -m 0644 completions/iodbg.bash $(DESTDIR)$(BASHCOMPDIR)/iodbg
	$(INSTALL) -m 0644 examples/tour.iodbg $(DESTDIR)$(EXAMPLESDIR)/tour.iodbg

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/iodbg $(DESTDIR)$(MANDIR)/man1/iodbg.1
	rm -f $(addprefix $(DESTDIR)$(TYPEDBDIR)/,$(notdir $(TYPEDB_OBJS)))
	rm -f $(addprefix $(DESTDIR)$(TYPEDBDIR)/profiles/,$(notdir $(wildcard typedb/profiles/*.iodbg)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/iodbg $(DESTDIR)$(EXAMPLESDIR)/tour.iodbg
	-rmdir $(DESTDIR)$(EXAMPLESDIR) 2>/dev/null
	-rmdir $(DESTDIR)$(TYPEDBDIR)/profiles 2>/dev/null
	-rmdir $(DESTDIR)$(TYPEDBDIR) $(DESTDIR)$(dir $(TYPEDBDIR:%/=%)) 2>/dev/null

# $(call apt_install,PACKAGES)
define apt_install
	@if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
		set -e; \
		echo "apt-get update && apt-get install -y $(strip $(1))"; \
		apt-get update; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y $(strip $(1)); \
	else \
		echo "Install these Debian packages:"; \
		echo "  $(strip $(1))"; \
		echo "as root, for example:"; \
		echo "  sudo apt-get update && sudo apt-get install -y $(strip $(1))"; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PACKAGES))

# `make deps check` and `make -j deps demo`: nothing is built before the packages are in.
DEPS_GOALS := $(filter deps bench-deps,$(MAKECMDGOALS))
ifneq ($(DEPS_GOALS),)
$(LIB_OBJS) $(BIN_OBJS) $(TEST_OBJS) $(TEST_HELPER_OBJS) lint-man: | $(DEPS_GOALS)
endif

bench-deps:
	$(call apt_install,$(DEB_PACKAGES) $(DEB_BENCH_PACKAGES))

# iodbg beside its peers, one table (tests/bench/run.sh; BENCH_RUNS, BENCH_ONLY), and every
# layout of the kernel debug package against pahole (tests/bench/conformance.sh). Both need
# `make bench-deps`; neither is part of `make check`.
bench: $(BIN)
	tests/bench/run.sh $(BIN) $(BUILD)/bench

conformance: $(DUMP_LAYOUTS)
	tests/bench/conformance.sh $(DUMP_LAYOUTS) $(BUILD)/bench/conformance

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJS:.o=.d) $(BIN_OBJS:.o=.d) $(TEST_OBJS:.o=.d) $(TEST_HELPER_OBJS:.o=.d)
