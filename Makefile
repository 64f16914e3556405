# ringd suite - top-level GNU Makefile
#
#   make                 build libring (shared + static) and the programs
#   make check           build and run the test suite (ends "N passed, N failed")
#   make check SAN=1     the same under ASan+UBSan (objects in build-san/)
#   make bench           run the ring benchmark against its comparators
#   make fuzz            libFuzzer targets (clang); fuzz-smoke runs each briefly
#   make install         PREFIX=/usr/local DESTDIR= LIBDIR= STRIP= (uninstall mirrors it)
#   make ci              scripts/ci.sh, the CI job: deps, check, sanitizer check, bench smoke
#   make demo            the main job: deps, build, a block device scheme and its
#                        drivers through ringd, watched in ringtop
#   V=1                  show commands

VERSION := 0.3.0
# libring's soname: bumped whenever the public headers change incompatibly
# (README, "ABI").  The file is libring.so.SOVERSION.MINOR.
SOVERSION := 1
LIBSO_FILE := libring.so.$(SOVERSION).0

# Install paths.  The library goes in Debian's multiarch directory
# ($(PREFIX)/lib/x86_64-linux-gnu) when dpkg-architecture says which one,
# else in $(PREFIX)/lib; LIBDIR= overrides.  The configuration goes in /etc
# for PREFIX=/usr, else in $(PREFIX)/etc.
PREFIX ?= /usr/local
MULTIARCH ?= $(eval MULTIARCH := $(shell dpkg-architecture \
	-qDEB_HOST_MULTIARCH 2>/dev/null))$(MULTIARCH)
LIBDIR ?= $(PREFIX)/lib$(if $(MULTIARCH),/$(MULTIARCH))
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
# make install STRIP= installs unstripped programs and library.
STRIP ?= strip
LDCONFIG ?= ldconfig

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

override CPPFLAGS += -Ilib/include -Iredox/include -D_GNU_SOURCE -DRING_VERSION=\"$(VERSION)\"
override CFLAGS += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -fvisibility=hidden -pthread -MMD -MP

ifeq ($(SAN),1)
BUILD ?= build-san
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
override LDFLAGS += -fsanitize=address,undefined
else
BUILD ?= build
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
LIBA := $(BUILD)/libring.a
LIBSO_REAL := $(BUILD)/$(LIBSO_FILE)
LIBSO_SONAME := libring.so.$(SOVERSION)
LIBSO := $(BUILD)/libring.so
PCFILE := $(BUILD)/libring.pc

# libcommon.a: the code every program of the suite shares but libring's
# users do not need (common/: sizes and durations, clocks, errno names,
# peers, the model's JSON form).  Every program and test links it; being
# an archive, each takes only the objects it uses (json-c only for those
# that use the JSON form).
JSONC_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
COMMON_SRCS := $(wildcard common/*.c)
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o)
COMMONA := $(BUILD)/libcommon.a

TEST_SRCS := $(wildcard tests/t-*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON := $(wildcard tests/lib/*.c)
TEST_COMMON_OBJS := $(TEST_COMMON:%.c=$(BUILD)/%.o)

EXAMPLES := $(BUILD)/examples/ramfile-scheme $(BUILD)/examples/ramfile-client \
	$(BUILD)/examples/hello $(BUILD)/examples/blkdev-scheme \
	$(BUILD)/examples/blkdev-driver $(BUILD)/examples/ramfs-scheme \
	$(BUILD)/examples/redox-io
# The blkdev pair is installed (ring-blkdev(7)); the others are examples only.
BLKDEV_BINS := $(BUILD)/examples/blkdev-scheme $(BUILD)/examples/blkdev-driver
# The schemes of relibc's redox_ring protocols (blkdev-scheme serves the
# disk one too); ramfs-scheme is installed like the blkdev pair, redox-io
# (a client written against <redox/ring.h> alone) is an example only.
RAMFS_BIN := $(BUILD)/examples/ramfs-scheme
REDOX_IO_BIN := $(BUILD)/examples/redox-io

BENCH_BIN := $(BUILD)/bench/ring-bench
# blkdev-scheme copies with io_uring; the bench compares with it
URING_CFLAGS := $(shell $(PKG_CONFIG) --cflags liburing 2>/dev/null)
URING_LIBS := $(shell $(PKG_CONFIG) --libs liburing 2>/dev/null || echo -luring)

HEADERS := lib/include/ring/abi.h lib/include/ring/ring.h \
	lib/include/ring/ctl.h lib/include/ring/phys.h
MAN3 := $(wildcard man/*.3)
MAN7 := $(wildcard man/*.7)
MAN5 := $(wildcard man/*.5)
MAN8 := $(wildcard man/*.8)
MAN1 := $(wildcard man/*.1)

.PHONY: all lib check bench bench-smoke install uninstall clean ci deps fuzz fuzz-smoke \
	lint-man tests demo examples ringd bench-build ringctl ringtop redox

all: lib redox examples ringd ringctl ringtop

lib: $(LIBA) $(LIBSO) $(PCFILE)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -c -o $@ $<

$(LIBA): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(COMMONA): $(COMMON_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(COMMON_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS)

$(LIBSO_REAL): $(LIB_PIC_OBJS) lib/libring.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIBSO_SONAME) \
		-Wl,--version-script=lib/libring.map -o $@ $(LIB_PIC_OBJS)

$(LIBSO): $(LIBSO_REAL)
	$(Q)ln -sf $(LIBSO_FILE) $(BUILD)/$(LIBSO_SONAME)
	$(Q)ln -sf $(LIBSO_FILE) $@

# The pkg-config file names install paths, so install writes it anew.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|'

$(PCFILE): lib/libring.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)$(PC_SUBST) $< > $@

# libredox-ring (redox/): relibc's redox_ring API and the 2026 ring
# format, over libring's public control API.  Its own soname; its objects
# may use lib/barrier.h (header only) and nothing else private to lib/.
REDOX_SOVERSION := 1
REDOX_SO_FILE := libredox-ring.so.$(REDOX_SOVERSION).0
REDOX_SO_SONAME := libredox-ring.so.$(REDOX_SOVERSION)
REDOX_SRCS := $(wildcard redox/*.c)
REDOX_OBJS := $(REDOX_SRCS:%.c=$(BUILD)/%.o)
REDOX_PIC_OBJS := $(REDOX_SRCS:%.c=$(BUILD)/pic/%.o)
REDOX_LIBA := $(BUILD)/libredox-ring.a
REDOX_SO_REAL := $(BUILD)/$(REDOX_SO_FILE)
REDOX_SO := $(BUILD)/libredox-ring.so
REDOX_PC := $(BUILD)/redox-ring.pc
REDOX_HEADERS := redox/include/redox/ring.h redox/include/redox/ring-scheme.h
# pkg-config files for the build tree (PKG_CONFIG_PATH=$PWD/build/pkgconfig):
# the headers in the source tree, the libraries in $(BUILD), and an rpath
# (DT_RPATH, which also finds libring.so.1 for libredox-ring.so) so a
# program linked that way runs from the tree.
UNINST_PC_DIR := $(BUILD)/pkgconfig
UNINST_PCS := $(UNINST_PC_DIR)/redox-ring.pc $(UNINST_PC_DIR)/libring.pc
ABS_BUILD = $(abspath $(BUILD))

$(REDOX_OBJS) $(REDOX_PIC_OBJS): override CPPFLAGS += -Ilib

$(REDOX_LIBA): $(REDOX_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(REDOX_SO_REAL): $(REDOX_PIC_OBJS) redox/libredox-ring.map $(LIBSO)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(REDOX_SO_SONAME) \
		-Wl,--version-script=redox/libredox-ring.map -o $@ $(REDOX_PIC_OBJS) \
		-L$(BUILD) -lring

$(REDOX_SO): $(REDOX_SO_REAL)
	$(Q)ln -sf $(REDOX_SO_FILE) $(BUILD)/$(REDOX_SO_SONAME)
	$(Q)ln -sf $(REDOX_SO_FILE) $@

$(REDOX_PC): redox/redox-ring.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)$(PC_SUBST) $< > $@

$(UNINST_PC_DIR)/redox-ring.pc: Makefile
	@mkdir -p $(@D)
	$(Q)printf '%s\n' 'Name: redox-ring' \
		'Description: libredox-ring in the build tree $(ABS_BUILD)' \
		'Version: $(VERSION)' 'Requires.private: libring' \
		'Libs: -L$(ABS_BUILD) -Wl,--disable-new-dtags,-rpath,$(ABS_BUILD) -lredox-ring' \
		'Cflags: -I$(abspath redox/include) -I$(abspath lib/include)' > $@

$(UNINST_PC_DIR)/libring.pc: Makefile
	@mkdir -p $(@D)
	$(Q)printf '%s\n' 'Name: libring' \
		'Description: libring in the build tree $(ABS_BUILD)' \
		'Version: $(VERSION)' \
		'Libs: -L$(ABS_BUILD) -Wl,--disable-new-dtags,-rpath,$(ABS_BUILD) -lring' \
		'Cflags: -I$(abspath lib/include)' > $@

redox: $(REDOX_LIBA) $(REDOX_SO) $(REDOX_PC) $(UNINST_PCS)

# The redox tests link both archives, libredox-ring's first.
$(BUILD)/tests/t-redox-%: $(BUILD)/tests/t-redox-%.o $(TEST_COMMON_OBJS) \
		$(COMMONA) $(REDOX_LIBA) $(LIBA) | $(REDOX_SO) $(UNINST_PCS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS) $(JSONC_LIBS) -lm

# Tests link the static library so they run from the tree.
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_COMMON_OBJS) $(COMMONA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS) $(JSONC_LIBS) -lm

tests: $(TEST_BINS)

examples: $(EXAMPLES)

$(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# The installed blkdev pair shares the suite's common code (sizes, clocks,
# the latency histogram); the other examples stand alone on libring.
# blkdev-driver is three objects (see blkdev-driver.h).
BLKDEV_DRIVER_OBJS := $(BUILD)/examples/blkdev-driver.o \
	$(BUILD)/examples/blkdev-driver-io.o $(BUILD)/examples/blkdev-driver-dma.o
$(BUILD)/examples/blkdev-scheme: $(BUILD)/examples/blkdev-scheme.o \
	$(BUILD)/examples/blkdev-redox.o $(BUILD)/examples/redox-serve.o \
	$(COMMONA) $(REDOX_LIBA) $(LIBA)
$(BUILD)/examples/blkdev-driver: $(BLKDEV_DRIVER_OBJS) $(COMMONA) $(LIBA)
$(BUILD)/examples/blkdev-scheme: BLKDEV_LIBS = $(URING_LIBS)
$(BLKDEV_BINS):
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BLKDEV_LIBS) $(BSD_LIBS) $(JSONC_LIBS) -lm

$(BLKDEV_BINS:%=%.o) $(BLKDEV_DRIVER_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS)
$(BUILD)/examples/blkdev-scheme.o: override CPPFLAGS += $(URING_CFLAGS)

# The two schemes of relibc's redox_ring (blkdev-scheme above serves the
# disk protocol too) share their serving loop, examples/redox-serve.c, and
# link libredox-ring's scheme side.
$(RAMFS_BIN): $(BUILD)/examples/ramfs-scheme.o $(BUILD)/examples/redox-serve.o \
		$(COMMONA) $(REDOX_LIBA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS) -lm
$(RAMFS_BIN).o $(BUILD)/examples/blkdev-redox.o $(BUILD)/examples/redox-serve.o: \
	override CPPFLAGS += -I.
$(REDOX_IO_BIN): $(BUILD)/examples/redox-io.o $(REDOX_LIBA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# ringd: the broker service (sources under ringd/, one binary).
SBINDIR ?= $(PREFIX)/sbin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
RINGD_SRCS := $(wildcard ringd/*.c)
RINGD_OBJS := $(RINGD_SRCS:%.c=$(BUILD)/%.o)
RINGD_BIN := $(BUILD)/ringd/ringd
BSD_LIBS := $(shell $(PKG_CONFIG) --libs libbsd 2>/dev/null || echo -lbsd)

$(RINGD_OBJS): override CPPFLAGS += -Ilib -I.

# ringd links the common code too (options, sizes, clocks)
$(RINGD_BIN): $(RINGD_OBJS) $(COMMONA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS)

ringd: $(RINGD_BIN)

# ringctl: the scriptable CLI and shell (ringctl/).
BINDIR ?= $(PREFIX)/bin
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh searches vendor-completions on Debian for /usr (and site-functions,
# for /usr/local, everywhere): the place depends on PREFIX.
ZSHCOMPDIR ?= $(if $(filter /usr,$(patsubst %/,%,$(PREFIX))),$(PREFIX)/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
READLINE_LIBS := $(shell $(PKG_CONFIG) --libs readline 2>/dev/null || echo -lreadline)
RINGCTL_SRCS := $(wildcard ringctl/*.c)
RINGCTL_OBJS := $(RINGCTL_SRCS:%.c=$(BUILD)/%.o)
RINGCTL_BIN := $(BUILD)/ringctl/ringctl

$(RINGCTL_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS)

$(RINGCTL_BIN): $(RINGCTL_OBJS) $(COMMONA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(READLINE_LIBS) $(BSD_LIBS) $(JSONC_LIBS) -lm

ringctl: $(RINGCTL_BIN)

# ringctl's tests run the binary and parse its JSON with json-c.
$(BUILD)/tests/t-ringctl-%.o: override CPPFLAGS += $(JSONC_CFLAGS)
$(BUILD)/tests/t-ringctl-%: $(BUILD)/tests/t-ringctl-%.o $(TEST_COMMON_OBJS) \
		$(COMMONA) $(LIBA) | $(RINGCTL_BIN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS) $(JSONC_LIBS) -lm

# ringtop: the ncurses live monitor (ringtop/).
NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
NCURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
RINGTOP_SRCS := $(wildcard ringtop/*.c)
RINGTOP_OBJS := $(RINGTOP_SRCS:%.c=$(BUILD)/%.o)
RINGTOP_BIN := $(BUILD)/ringtop/ringtop

$(RINGTOP_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS) $(NCURSES_CFLAGS)

$(RINGTOP_BIN): $(RINGTOP_OBJS) $(COMMONA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NCURSES_LIBS) $(BSD_LIBS) $(JSONC_LIBS) -lm

ringtop: $(RINGTOP_BIN)

# ringtop's tests drive it in tmux and parse its batch JSON with json-c.
$(BUILD)/tests/t-ringtop%: $(BUILD)/tests/t-ringtop%.o $(TEST_COMMON_OBJS) \
		$(COMMONA) $(LIBA) | $(RINGTOP_BIN) $(RINGCTL_BIN) $(EXAMPLES)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS) $(JSONC_LIBS) -lm

$(BUILD)/tests/t-ringtop%.o: override CPPFLAGS += $(JSONC_CFLAGS)

# The blkdev tests run the blkdev examples, ringtop and scripts/demo.sh.
# t-parse-agree runs ringd and ringctl and reads ringctl's JSON.
$(BUILD)/tests/t-parse-agree.o: override CPPFLAGS += $(JSONC_CFLAGS)
$(BUILD)/tests/t-parse-agree: | $(RINGD_BIN) $(RINGCTL_BIN)
# t-redox-api runs a private ringd.
$(BUILD)/tests/t-redox-api: | $(RINGD_BIN)
# t-redox-schemes runs ringd, both redox_ring schemes, redox-io and
# ringctl exec.
$(BUILD)/tests/t-redox-schemes: | $(RINGD_BIN) $(BLKDEV_BINS) $(RAMFS_BIN) \
	$(REDOX_IO_BIN) $(RINGCTL_BIN)

$(BUILD)/tests/t-blkdev-%: $(BUILD)/tests/t-blkdev-%.o $(TEST_COMMON_OBJS) \
		$(COMMONA) $(LIBA) | $(BLKDEV_BINS) $(RINGTOP_BIN) $(RINGD_BIN) $(RINGCTL_BIN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS) $(JSONC_LIBS) -lm

# Keep test objects: their removal would print after the tally line.
.SECONDARY:

check: lib redox tests ringd examples ringctl ringtop
	$(Q)tests/run.sh $(BUILD)

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)

$(BENCH_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS)

# the redox disk rows (bench-redox.c) link libredox-ring (REDOX_LIBA)
$(BENCH_BIN): $(BENCH_OBJS) $(REDOX_LIBA) $(COMMONA) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(URING_LIBS) $(BSD_LIBS) $(JSONC_LIBS) -lm

# The ringd rows start a private ringd from this build.
# make bench BENCH_FLAGS="--rings 6000 -r 3": ring-bench's own options
bench: $(BENCH_BIN) $(RINGD_BIN) $(BLKDEV_BINS)
	$(Q)$(BENCH_BIN) $(BENCH_FLAGS)

bench-smoke: $(BENCH_BIN) $(RINGD_BIN) $(BLKDEV_BINS)
	$(Q)$(BENCH_BIN) --smoke

# Fuzzing (fuzz/, docs/hardening.md): libFuzzer targets built with clang,
# each from the sources it tests.  fuzz-smoke runs each one briefly from
# its seed corpus in fuzz/corpus/; fuzz/run.sh does the long runs.
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CFLAGS := -O1 -g -std=c11 -Wall -Wextra -pthread -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := proto config ringctl ring ringd
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)
FUZZ_SMOKE_SECONDS ?= 8

$(FUZZ_DIR)/fuzz-proto: fuzz/fuzz-proto.c $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-ring: fuzz/fuzz-ring.c $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-config: fuzz/fuzz-config.c $(filter-out ringd/main.c,$(RINGD_SRCS)) \
	$(COMMON_SRCS) $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-config: FUZZ_EXTRA = -iquote ringd -I. $(JSONC_CFLAGS) $(BSD_LIBS) \
	$(JSONC_LIBS) -lm
# ringd's modules driven by fake clients; its clock is the target's
$(FUZZ_DIR)/fuzz-ringd: fuzz/fuzz-ringd.c fuzz/ringd-fake.c fuzz/ringd-ops.c \
	fuzz/ringd-check.c $(filter-out ringd/main.c,$(RINGD_SRCS)) \
	$(COMMON_SRCS) $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-ringd: FUZZ_EXTRA = -iquote ringd -I. $(JSONC_CFLAGS) $(BSD_LIBS) \
	$(JSONC_LIBS) -lm \
	-Wl,--wrap=service_now_ns
# ringctl_main() itself (not main.c), so the global options are fuzzed too
$(FUZZ_DIR)/fuzz-ringctl: fuzz/fuzz-ringctl.c $(filter-out ringctl/main.c,$(RINGCTL_SRCS)) \
	$(COMMON_SRCS) $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-ringctl: FUZZ_EXTRA = -I. $(JSONC_CFLAGS) \
	$(READLINE_LIBS) $(BSD_LIBS) $(JSONC_LIBS) -lm

$(FUZZ_BINS): $(wildcard lib/*.h lib/include/ring/*.h ringd/*.h ringctl/*.h common/*.h \
	fuzz/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Ilib $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_EXTRA)

fuzz: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		fuzz/run.sh $(FUZZ_DIR) $$t $(FUZZ_SMOKE_SECONDS) || exit 1; done

deps:
	$(Q)scripts/deps.sh test

lint-man:
	$(Q)mandoc -Tlint -W warning $(MAN1) $(MAN3) $(MAN7) $(MAN5) $(MAN8)

# The main job: ringd, the blkdev scheme and drivers, ringtop (scripts/demo.sh).
demo:
	$(Q)scripts/demo.sh

bench-build: $(BENCH_BIN) $(RINGD_BIN) $(BLKDEV_BINS)

# What CI runs (scripts/ci.sh, which installs its own packages): every
# step counts into one closing line.
ci:
	$(Q)scripts/ci.sh

# make install: the library, headers, pkg-config file, programs, man pages
# (with a link page for every function in a man3 SYNOPSIS), completions,
# systemd units and the commented ringd.conf, which is never overwritten.
# Programs and the shared library are stripped unless STRIP= is empty.  On
# the live system (no DESTDIR), as root, it also creates the system user
# and group 'ringd' that ringd.conf and the units name, and runs ldconfig.
INSTALL_STRIP = $(if $(STRIP),-s --strip-program=$(STRIP))

# "function page" for each function of a man3 page's SYNOPSIS but its own.
MAN3_LINKS = for p in $(MAN3); do \
		sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /s/^\.F[no] \([A-Za-z0-9_]*\).*/\1/p' $$p | \
		while read -r f; do [ "man/$$f.3" = $$p ] || echo "$$f $$(basename $$p)"; done; \
	done

# The directories install writes into.  uninstall removes them and their
# parents when empty, deepest first: everything up to DESTDIR when there is
# one; on the live system only what lies in $(PREFIX), and for PREFIX=/usr
# or /usr/local not PREFIX, its first level (bin, lib, share ...), MANDIR
# or the completion directories, which the system and shells share.
INSTALL_DIRS = $(LIBDIR) $(PKGCONFIGDIR) $(INCLUDEDIR)/ring $(INCLUDEDIR)/redox \
	$(SBINDIR) $(BINDIR) \
	$(SYSCONFDIR) $(SYSTEMDUNITDIR) $(BASHCOMPDIR) $(ZSHCOMPDIR) \
	$(addprefix $(MANDIR)/man,1 3 5 7 8)
KEEP_DIRS = $(PREFIX) $(MANDIR) $(BASHCOMPDIR) $(ZSHCOMPDIR) \
	$(patsubst %/,%,$(dir $(BASHCOMPDIR) $(ZSHCOMPDIR)))

install: lib redox examples ringd ringctl ringtop
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/ring \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/libring.a
	install -m 755 $(INSTALL_STRIP) $(LIBSO_REAL) $(DESTDIR)$(LIBDIR)/$(LIBSO_FILE)
	ln -sf $(LIBSO_FILE) $(DESTDIR)$(LIBDIR)/$(LIBSO_SONAME)
	ln -sf $(LIBSO_FILE) $(DESTDIR)$(LIBDIR)/libring.so
	install -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/ring/
	install -m 644 examples/blkdev.h $(DESTDIR)$(INCLUDEDIR)/ring/blkdev.h
	$(PC_SUBST) lib/libring.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libring.pc
	install -d $(DESTDIR)$(INCLUDEDIR)/redox
	install -m 644 $(REDOX_LIBA) $(DESTDIR)$(LIBDIR)/libredox-ring.a
	install -m 755 $(INSTALL_STRIP) $(REDOX_SO_REAL) $(DESTDIR)$(LIBDIR)/$(REDOX_SO_FILE)
	ln -sf $(REDOX_SO_FILE) $(DESTDIR)$(LIBDIR)/$(REDOX_SO_SONAME)
	ln -sf $(REDOX_SO_FILE) $(DESTDIR)$(LIBDIR)/libredox-ring.so
	install -m 644 $(REDOX_HEADERS) $(DESTDIR)$(INCLUDEDIR)/redox/
	$(PC_SUBST) redox/redox-ring.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/redox-ring.pc
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(MAN3_LINKS) | while read -r f p; do \
		ln -sf $$p $(DESTDIR)$(MANDIR)/man3/$$f.3 || exit 1; done
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(INSTALL_STRIP) $(RINGD_BIN) $(DESTDIR)$(SBINDIR)/ringd
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN8),install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)
	install -d $(DESTDIR)$(SYSCONFDIR)
	if [ -e $(DESTDIR)$(SYSCONFDIR)/ringd.conf ]; then \
		echo "keeping the existing $(DESTDIR)$(SYSCONFDIR)/ringd.conf"; \
	else install -m 644 ringd/ringd.conf $(DESTDIR)$(SYSCONFDIR)/ringd.conf; fi
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed -e 's|/usr/local/sbin/ringd|$(SBINDIR)/ringd|' \
		-e 's|/usr/local/etc/ringd.conf|$(SYSCONFDIR)/ringd.conf|' ringd/ringd.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.service
	install -m 644 ringd/ringd.socket $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.socket
	sed -e 's|/usr/local/bin/ringctl|$(BINDIR)/ringctl|' ringd/ringd-metrics.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/ringd-metrics.service
	install -m 644 ringd/ringd-metrics.timer $(DESTDIR)$(SYSTEMDUNITDIR)/ringd-metrics.timer
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(INSTALL_STRIP) $(RINGCTL_BIN) $(RINGTOP_BIN) $(BLKDEV_BINS) \
		$(RAMFS_BIN) $(DESTDIR)$(BINDIR)/
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/)
	install -m 644 completions/ringctl.bash $(DESTDIR)$(BASHCOMPDIR)/ringctl
	install -m 644 completions/_ringctl $(DESTDIR)$(ZSHCOMPDIR)/_ringctl
	install -m 644 completions/ringtop.bash $(DESTDIR)$(BASHCOMPDIR)/ringtop
	install -m 644 completions/_ringtop $(DESTDIR)$(ZSHCOMPDIR)/_ringtop
	@if [ -n "$(DESTDIR)" ]; then :; elif [ "$$(id -u)" -eq 0 ]; then \
		if ! getent group ringd >/dev/null; then \
			echo "groupadd --system ringd"; groupadd --system ringd || exit 1; \
		fi; \
		if ! getent passwd ringd >/dev/null; then \
			echo "useradd --system -g ringd -d /nonexistent -M -s /usr/sbin/nologin ringd"; \
			useradd --system -g ringd -d /nonexistent -M -s /usr/sbin/nologin ringd || exit 1; \
		fi; \
		$(LDCONFIG); \
	else \
		echo "not root: run $(LDCONFIG), and create the user and group 'ringd'" \
			"(groupadd --system ringd; useradd --system -g ringd -M ringd)" \
			"before ringd runs with $(SYSCONFDIR)/ringd.conf or its units"; \
	fi

# uninstall mirrors install; it keeps a ringd.conf that differs from the one
# in this tree, and the user and group 'ringd'.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libring.a $(DESTDIR)$(LIBDIR)/libring.so \
		$(DESTDIR)$(LIBDIR)/$(LIBSO_SONAME) \
		$(DESTDIR)$(LIBDIR)/$(LIBSO_FILE) \
		$(DESTDIR)$(PKGCONFIGDIR)/libring.pc
	rm -f $(HEADERS:lib/include/ring/%=$(DESTDIR)$(INCLUDEDIR)/ring/%) \
		$(DESTDIR)$(INCLUDEDIR)/ring/blkdev.h
	rm -f $(DESTDIR)$(LIBDIR)/libredox-ring.a $(DESTDIR)$(LIBDIR)/libredox-ring.so \
		$(DESTDIR)$(LIBDIR)/$(REDOX_SO_SONAME) $(DESTDIR)$(LIBDIR)/$(REDOX_SO_FILE) \
		$(DESTDIR)$(PKGCONFIGDIR)/redox-ring.pc \
		$(REDOX_HEADERS:redox/include/redox/%=$(DESTDIR)$(INCLUDEDIR)/redox/%)
	$(MAN3_LINKS) | while read -r f p; do \
		if [ -L $(DESTDIR)$(MANDIR)/man3/$$f.3 ]; then \
			rm -f $(DESTDIR)$(MANDIR)/man3/$$f.3; fi; done
	rm -f $(MAN3:man/%=$(DESTDIR)$(MANDIR)/man3/%) $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -f $(DESTDIR)$(SBINDIR)/ringd
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	if [ -e $(DESTDIR)$(SYSCONFDIR)/ringd.conf ] && \
		! cmp -s ringd/ringd.conf $(DESTDIR)$(SYSCONFDIR)/ringd.conf; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/ringd.conf: it was edited"; \
	else rm -f $(DESTDIR)$(SYSCONFDIR)/ringd.conf; fi
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.service $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.socket \
		$(DESTDIR)$(SYSTEMDUNITDIR)/ringd-metrics.service $(DESTDIR)$(SYSTEMDUNITDIR)/ringd-metrics.timer
	rm -f $(DESTDIR)$(BINDIR)/ringctl $(DESTDIR)$(BINDIR)/ringtop \
		$(BLKDEV_BINS:$(BUILD)/examples/%=$(DESTDIR)$(BINDIR)/%) \
		$(DESTDIR)$(BINDIR)/ramfs-scheme
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/ringctl $(DESTDIR)$(ZSHCOMPDIR)/_ringctl \
		$(DESTDIR)$(BASHCOMPDIR)/ringtop $(DESTDIR)$(ZSHCOMPDIR)/_ringtop
	@for d in $(INSTALL_DIRS); do \
		while [ -n "$$d" ] && [ "$$d" != / ]; do echo "$$d"; d=$$(dirname "$$d"); done; \
	done | sort -u | awk -F/ '{ print NF "\t" $$0 }' | sort -rn | cut -f2 | \
	while read -r d; do \
		if [ -z "$(DESTDIR)" ]; then \
			case $$d in $(PREFIX) | $(PREFIX)/*) ;; *) continue ;; esac; \
			case $(PREFIX) in /usr | /usr/local) \
				[ "$$(dirname "$$d")" != $(PREFIX) ] || continue; \
				for k in $(KEEP_DIRS); do [ "$$d" != "$$k" ] || continue 2; done ;; \
			esac; \
		fi; \
		if [ -d "$(DESTDIR)$$d" ]; then rmdir "$(DESTDIR)$$d" 2>/dev/null || :; fi; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then $(LDCONFIG); fi

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
