# ringd suite - top-level GNU Makefile
#
#   make                 build libring (shared + static) and the programs
#   make check           build and run the test suite (ends "N passed, N failed")
#   make check SAN=1     the same under ASan+UBSan (objects in build-san/)
#   make bench           run the ring benchmark against its comparators
#   make fuzz            libFuzzer targets (clang); fuzz-smoke runs each briefly
#   make install         PREFIX=/usr/local DESTDIR= (uninstall mirrors it)
#   make ci              scripts/ci.sh, the CI job: deps, check, sanitizer check, bench smoke
#   make demo            the main job: deps, build, a block device scheme and its
#                        drivers through ringd, watched in ringtop
#   V=1                  show commands

VERSION := 0.1.0
SOVERSION := 0

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

override CPPFLAGS += -Ilib/include -D_GNU_SOURCE -DRING_VERSION=\"$(VERSION)\"
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

LIB_SRCS := lib/ring.c lib/held.c lib/wait.c lib/pool.c lib/range.c lib/proto.c lib/client.c \
	lib/phys.c
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIB_PIC_OBJS := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
LIBA := $(BUILD)/libring.a
LIBSO_REAL := $(BUILD)/libring.so.$(VERSION)
LIBSO_SONAME := libring.so.$(SOVERSION)
LIBSO := $(BUILD)/libring.so
PCFILE := $(BUILD)/libring.pc

TEST_SRCS := $(wildcard tests/t-*.c)
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON := $(wildcard tests/lib/*.c)
TEST_COMMON_OBJS := $(TEST_COMMON:%.c=$(BUILD)/%.o)

EXAMPLES := $(BUILD)/examples/ramfile-scheme $(BUILD)/examples/ramfile-client \
	$(BUILD)/examples/hello $(BUILD)/examples/blkdev-scheme \
	$(BUILD)/examples/blkdev-driver
# The blkdev pair is installed (ring-blkdev(7)); the others are examples only.
BLKDEV_BINS := $(BUILD)/examples/blkdev-scheme $(BUILD)/examples/blkdev-driver

BENCH_BIN := $(BUILD)/bench/ring-bench
URING_LIBS := $(shell $(PKG_CONFIG) --libs liburing 2>/dev/null || echo -luring)

HEADERS := lib/include/ring/abi.h lib/include/ring/ring.h \
	lib/include/ring/phys.h
MAN3 := $(wildcard man/*.3)
MAN7 := $(wildcard man/*.7)
MAN5 := $(wildcard man/*.5)
MAN8 := $(wildcard man/*.8)
MAN1 := $(wildcard man/*.1)

.PHONY: all lib check bench bench-smoke install uninstall clean ci deps fuzz fuzz-smoke \
	lint-man tests demo examples ringd bench-build ringctl ringtop

all: lib examples ringd ringctl ringtop

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

$(LIBSO_REAL): $(LIB_PIC_OBJS) lib/libring.map
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(LIBSO_SONAME) \
		-Wl,--version-script=lib/libring.map -o $@ $(LIB_PIC_OBJS)

$(LIBSO): $(LIBSO_REAL)
	$(Q)ln -sf libring.so.$(VERSION) $(BUILD)/$(LIBSO_SONAME)
	$(Q)ln -sf libring.so.$(VERSION) $@

# The pkg-config file names install paths, so install writes it anew.
PC_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|'

$(PCFILE): lib/libring.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)$(PC_SUBST) $< > $@

# Tests link the static library so they run from the tree.
$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TEST_COMMON_OBJS) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

tests: $(TEST_BINS)

examples: $(EXAMPLES)

$(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

# ringd: the broker service (sources under ringd/, one binary).
SBINDIR ?= $(PREFIX)/sbin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
RINGD_SRCS := $(wildcard ringd/*.c)
RINGD_OBJS := $(RINGD_SRCS:%.c=$(BUILD)/%.o)
RINGD_BIN := $(BUILD)/ringd/ringd
BSD_LIBS := $(shell $(PKG_CONFIG) --libs libbsd 2>/dev/null || echo -lbsd)

$(RINGD_OBJS): override CPPFLAGS += -Ilib

$(RINGD_BIN): $(RINGD_OBJS) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(BSD_LIBS)

ringd: $(RINGD_BIN)

# ringctl: the scriptable CLI and shell (ringctl/), on the helpers the
# front ends share (tools/: the model's JSON form, errno and opcode
# names, units).
BINDIR ?= $(PREFIX)/bin
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
JSONC_CFLAGS := $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
JSONC_LIBS := $(shell $(PKG_CONFIG) --libs json-c 2>/dev/null || echo -ljson-c)
READLINE_LIBS := $(shell $(PKG_CONFIG) --libs readline 2>/dev/null || echo -lreadline)
TOOLS_SRCS := $(wildcard tools/*.c)
TOOLS_OBJS := $(TOOLS_SRCS:%.c=$(BUILD)/%.o)
RINGCTL_SRCS := $(wildcard ringctl/*.c)
RINGCTL_OBJS := $(RINGCTL_SRCS:%.c=$(BUILD)/%.o)
RINGCTL_BIN := $(BUILD)/ringctl/ringctl

$(TOOLS_OBJS) $(RINGCTL_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS)

$(RINGCTL_BIN): $(RINGCTL_OBJS) $(TOOLS_OBJS) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(READLINE_LIBS) $(JSONC_LIBS) -lm

ringctl: $(RINGCTL_BIN)

# ringctl's tests run the binary and parse its JSON with json-c.
$(BUILD)/tests/t-ringctl-%.o: override CPPFLAGS += $(JSONC_CFLAGS)
$(BUILD)/tests/t-ringctl-%: $(BUILD)/tests/t-ringctl-%.o $(TEST_COMMON_OBJS) \
		$(LIBA) | $(RINGCTL_BIN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(JSONC_LIBS) -lm

# ringtop: the ncurses live monitor (ringtop/), on the same tools/ helpers.
NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
NCURSES_LIBS := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw)
RINGTOP_SRCS := $(wildcard ringtop/*.c)
RINGTOP_OBJS := $(RINGTOP_SRCS:%.c=$(BUILD)/%.o)
RINGTOP_BIN := $(BUILD)/ringtop/ringtop

$(RINGTOP_OBJS): override CPPFLAGS += -I. $(JSONC_CFLAGS) $(NCURSES_CFLAGS)

$(RINGTOP_BIN): $(RINGTOP_OBJS) $(TOOLS_OBJS) $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(NCURSES_LIBS) $(JSONC_LIBS) -lm

ringtop: $(RINGTOP_BIN)

# ringtop's tests drive it in tmux and parse its batch JSON with json-c.
$(BUILD)/tests/t-ringtop%: $(BUILD)/tests/t-ringtop%.o $(TEST_COMMON_OBJS) \
		$(LIBA) | $(RINGTOP_BIN) $(RINGCTL_BIN) $(EXAMPLES)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(JSONC_LIBS) -lm

$(BUILD)/tests/t-ringtop%.o: override CPPFLAGS += $(JSONC_CFLAGS)

# The blkdev tests run the blkdev examples, ringtop and scripts/demo.sh.
$(BUILD)/tests/t-blkdev-%: $(BUILD)/tests/t-blkdev-%.o $(TEST_COMMON_OBJS) \
		$(LIBA) | $(BLKDEV_BINS) $(RINGTOP_BIN) $(RINGD_BIN) $(RINGCTL_BIN)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

# Keep test objects: their removal would print after the tally line.
.SECONDARY:

check: lib tests ringd examples ringctl ringtop
	$(Q)tests/run.sh $(BUILD)

$(BENCH_BIN): $(BUILD)/bench/ring-bench.o $(BUILD)/bench/bench-ringd.o \
		$(BUILD)/bench/bench-blkdev.o $(LIBA)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(URING_LIBS) -lm

# The ringd rows start a private ringd from this build.
# make bench BENCH_FLAGS="--rings 6000 -r 3": ring-bench's own options
bench: $(BENCH_BIN) $(RINGD_BIN) $(BLKDEV_BINS)
	$(Q)$(BENCH_BIN) $(BENCH_FLAGS)

bench-smoke: $(BENCH_BIN) $(RINGD_BIN) $(BLKDEV_BINS)
	$(Q)$(BENCH_BIN) --smoke

# Fuzzing (fuzz/, docs/hardening.md): libFuzzer targets built with clang,
# each from the sources it tests.  fuzz-smoke runs each one briefly from
# its seed corpus in tests/corpus/; fuzz/run.sh does the long runs.
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CFLAGS := -O1 -g -std=c11 -Wall -Wextra -pthread -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := proto config ringctl ring
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)
FUZZ_SMOKE_SECONDS ?= 8

$(FUZZ_DIR)/fuzz-proto: fuzz/fuzz-proto.c $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-ring: fuzz/fuzz-ring.c $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-config: fuzz/fuzz-config.c $(filter-out ringd/main.c,$(RINGD_SRCS)) \
	$(LIB_SRCS)
$(FUZZ_DIR)/fuzz-config: FUZZ_EXTRA = -iquote ringd $(BSD_LIBS)
# ringctl's own main(), renamed, so the global options are fuzzed too
$(FUZZ_DIR)/fuzz-ringctl: fuzz/fuzz-ringctl.c $(RINGCTL_SRCS) $(TOOLS_SRCS) $(LIB_SRCS)
$(FUZZ_DIR)/fuzz-ringctl: FUZZ_EXTRA = -Dmain=ringctl_main -I. $(JSONC_CFLAGS) \
	$(READLINE_LIBS) $(JSONC_LIBS) -lm

$(FUZZ_BINS): $(wildcard lib/*.h lib/include/ring/*.h ringd/*.h ringctl/*.h tools/*.h)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Ilib $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(FUZZ_EXTRA)

fuzz: $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	$(Q)for t in $(FUZZ_TARGETS); do \
		fuzz/run.sh $(FUZZ_DIR) $$t $(FUZZ_SMOKE_SECONDS) || exit 1; done

deps:
	$(Q)scripts/deps.sh

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

install: lib examples ringd ringctl ringtop
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/ring \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(LIBA) $(DESTDIR)$(LIBDIR)/libring.a
	install -m 755 $(LIBSO_REAL) $(DESTDIR)$(LIBDIR)/libring.so.$(VERSION)
	ln -sf libring.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(LIBSO_SONAME)
	ln -sf libring.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libring.so
	install -m 644 $(HEADERS) $(DESTDIR)$(INCLUDEDIR)/ring/
	install -m 644 examples/blkdev.h $(DESTDIR)$(INCLUDEDIR)/ring/blkdev.h
	$(PC_SUBST) lib/libring.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/libring.pc
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3/)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(RINGD_BIN) $(DESTDIR)$(SBINDIR)/ringd
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN8),install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|/usr/local/sbin/ringd|$(SBINDIR)/ringd|' ringd/ringd.service \
		> $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.service
	install -m 644 ringd/ringd.socket $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.socket
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(RINGCTL_BIN) $(DESTDIR)$(BINDIR)/ringctl
	install -m 644 man/ringctl.1 $(DESTDIR)$(MANDIR)/man1/ringctl.1
	install -m 644 completions/ringctl.bash $(DESTDIR)$(BASHCOMPDIR)/ringctl
	install -m 644 completions/_ringctl $(DESTDIR)$(ZSHCOMPDIR)/_ringctl
	install -m 755 $(RINGTOP_BIN) $(DESTDIR)$(BINDIR)/ringtop
	install -m 644 man/ringtop.1 $(DESTDIR)$(MANDIR)/man1/ringtop.1
	install -m 644 completions/ringtop.bash $(DESTDIR)$(BASHCOMPDIR)/ringtop
	install -m 644 completions/_ringtop $(DESTDIR)$(ZSHCOMPDIR)/_ringtop
	install -m 755 $(BLKDEV_BINS) $(DESTDIR)$(BINDIR)/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libring.a $(DESTDIR)$(LIBDIR)/libring.so \
		$(DESTDIR)$(LIBDIR)/$(LIBSO_SONAME) \
		$(DESTDIR)$(LIBDIR)/libring.so.$(VERSION) \
		$(DESTDIR)$(PKGCONFIGDIR)/libring.pc
	rm -f $(HEADERS:lib/include/ring/%=$(DESTDIR)$(INCLUDEDIR)/ring/%) \
		$(DESTDIR)$(INCLUDEDIR)/ring/blkdev.h
	-rmdir $(DESTDIR)$(INCLUDEDIR)/ring
	rm -f $(MAN3:man/%=$(DESTDIR)$(MANDIR)/man3/%) $(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%)
	rm -f $(DESTDIR)$(SBINDIR)/ringd
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.service $(DESTDIR)$(SYSTEMDUNITDIR)/ringd.socket
	rm -f $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	rm -f $(DESTDIR)$(BINDIR)/ringctl $(DESTDIR)$(MANDIR)/man1/ringctl.1 \
		$(DESTDIR)$(BASHCOMPDIR)/ringctl $(DESTDIR)$(ZSHCOMPDIR)/_ringctl
	rm -f $(DESTDIR)$(BINDIR)/ringtop $(DESTDIR)$(MANDIR)/man1/ringtop.1 \
		$(DESTDIR)$(BASHCOMPDIR)/ringtop $(DESTDIR)$(ZSHCOMPDIR)/_ringtop
	rm -f $(BLKDEV_BINS:$(BUILD)/examples/%=$(DESTDIR)$(BINDIR)/%)

clean:
	rm -rf build build-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
