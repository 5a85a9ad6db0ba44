# SPDX-License-Identifier: ISC
# ikekit: one flat Makefile. `make`, `make check`, `make SAN=1 check`, `make fuzz`,
# `make bench`, `make demo`, `make lint`, `make install PREFIX=... DESTDIR=...`.

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR	?= $(PREFIX)/share/zsh/site-functions

PROGS		:= ike-initiate ike-respond ike-rekey esp-tun ike-decode
PKGS		:= libsodium openssl libpcap

ifeq ($(SAN),1)
B		?= build-san
SANFLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B		?= build
endif

CC		?= cc
CFLAGS		?= -O2 -g
WARN		:= -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
		   -Wmissing-prototypes -Wvla -Wformat=2 -Wno-format-nonliteral
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsodium -lssl -lcrypto -lpcap)
ALL_CFLAGS	:= -std=c11 -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
		   $(WARN) $(CFLAGS) $(SANFLAGS) -Icommon $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS	:= $(LDFLAGS) $(SANFLAGS)

ifneq ($(V),1)
Q		:= @
msg		= @printf '  %-6s %s\n' $(1) $(2);
endif

LIB_SRC		:= $(sort $(wildcard common/*/*.c))
LIB_OBJ		:= $(LIB_SRC:%.c=$(B)/%.o)
LIB		:= $(B)/libikekit.a
BINS		:= $(PROGS:%=$(B)/bin/%)
UNIT_SRC	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS	:= $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC	:= $(sort $(wildcard tests/tools/*.c))
TOOL_BINS	:= $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)

# esp-tun with its crypto replaced by a copy: the null tunnel of make bench
NULLTUN_OBJ	:= $(patsubst %.c,$(B)/nulltun/%.o,$(wildcard cmd/esp-tun/*.c))
NULLTUN		:= $(B)/tools/esp-tun-null

all: $(BINS) $(TOOL_BINS) $(NULLTUN)

$(B)/nulltun/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$@)$(CC) $(ALL_CFLAGS) -DESPTUN_NULL -c -o $@ $<

$(NULLTUN): $(NULLTUN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $(NULLTUN_OBJ) $(LIB) $(PKG_LIBS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(call msg,AR,$@)$(AR) rcs $@ $^

# A program is every .c in its cmd/ folder, linked with the library.
.SECONDEXPANSION:
$(B)/bin/%: $$(addprefix $(B)/,$$(subst .c,.o,$$(wildcard cmd/$$*/*.c))) $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(PKG_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(B)/tools/%: $(B)/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# check: unit tests, then the command-line tests, then interop with real peers
# (root only: network namespaces). tests/run-check prints "N passed, N failed".
check: all $(UNIT_BINS)
	$(Q)B=$(B) tests/run-check $(UNIT_BINS)

unit: $(UNIT_BINS)
	$(Q)B=$(B) tests/run-check --unit-only $(UNIT_BINS)

setup:
	$(Q).ci/install-deps
	$(Q)$(MAKE) all

demo: all
	$(Q)B=$(B) tests/interop/demo.sh

bench: all
	$(Q)B=$(B) tests/bench/run.sh
	$(Q)B=$(B) tests/bench/handshake.sh
	$(Q)B=$(B) tests/bench/tunnel.sh
	$(Q)B=$(B) tests/bench/flood.sh

FUZZ_SRC	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS	:= $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_CFLAGS	:= -std=c11 -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -O1 -g -Icommon $(PKG_CFLAGS) \
		   -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
FUZZ_SECS	?= 60

build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard common/*/*.h)
	@mkdir -p build-fuzz
	$(call msg,FUZZ,$@)clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRC) $(PKG_LIBS)

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECS=$(FUZZ_SECS) tests/fuzz/run.sh $(FUZZ_BINS)

lint:
	$(Q)tests/lint.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	for m in man/*.[158]; do \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	install -m 644 completions/bash/* $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completions/zsh/_* $(DESTDIR)$(ZSHCOMPDIR)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all setup check unit demo bench fuzz lint install clean
.PRECIOUS: $(B)/%.o $(B)/tests/unit/%.o $(B)/tests/tools/%.o

-include $(shell find $(B) -name '*.d' 2>/dev/null)
