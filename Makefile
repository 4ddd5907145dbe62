# postes - one GNU Makefile for the whole tree.
#
#   make            build both programs (and the unit tests)
#   make run        install what is missing, start everything, foreground
#   make test       the same set-up on free ports, then every test
#   make bench      benchmarks (not tests): figures printed, nothing asserted
#   make SANITIZER=address,undefined   build with ASan/UBSan
#
# Objects live beside their sources under build/<variant>/ so that the
# sanitizer build and the normal build never mix.

CC	?= cc
SANITIZER ?=
VARIANT	:= $(if $(SANITIZER),san,std)
B	:= build/$(VARIANT)

PKGS	:= json-c libmariadb libsodium libzmq
CWARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wcast-qual \
	   -Wformat=2 -Wno-format-nonliteral
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(CWARN) -Ishared \
	   $(shell pkg-config --cflags $(PKGS) libmicrohttpd 2>/dev/null)
LDLIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ifneq ($(SANITIZER),)
CFLAGS	+= -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=$(SANITIZER)
endif

SHARED_OBJS := config.o log.o db.o ev.o crypto.o sess.o stats.o html.o timefmt.o audit.o
# fcgi-api/: the program's core; api/: one file per JSON resource;
# admin/: the server-rendered HTML pages.
API_OBJS    := main.o router.o http.o valid.o throttle.o demo.o \
	       api/auth.o api/staff.o api/utilisateurs.o api/postes.o \
	       api/sessions.o api/kiosk.o api/dashboard.o api/events.o \
	       admin/html_out.o admin/pages.o admin/staff.o admin/postes.o \
	       admin/utilisateurs.o admin/sessions.o
PUSHER_OBJS := main.o chan.o msg.o ws.o wsproto.o sse.o sseproto.o auth.o intake.o clock.o metrics.o
# agent/: postes-agent, the lock screen of the public PCs (X11, GTK 3,
# libcurl); it links only the shared objects that need no server library.
AGENT_OBJS  := main.o config.o api.o stream.o sseparse.o clock.o lock.o bar.o \
	       cleanup.o msg.o
AGENT_PKGS  := gtk+-3.0 libcurl json-c
UNIT_TESTS  := test_crypto test_html test_timefmt test_valid test_ev test_ws test_sse test_ws_hub \
	       test_admin_html test_agent

SHARED	:= $(addprefix $(B)/shared/,$(SHARED_OBJS))
API	:= $(addprefix $(B)/fcgi-api/,$(API_OBJS))
PUSHER	:= $(addprefix $(B)/pusher/,$(PUSHER_OBJS))
AGENT	:= $(addprefix $(B)/agent/,$(AGENT_OBJS))

all: $(B)/postes-api $(B)/postes-pusher $(B)/postes-agent

$(B)/postes-api: $(API) $(SHARED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lfcgi

$(B)/postes-pusher: $(PUSHER) $(SHARED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs libmicrohttpd) -lpthread

$(B)/postes-agent: $(AGENT) $(B)/shared/config.o $(B)/shared/log.o $(B)/shared/timefmt.o
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(AGENT_PKGS) 2>/dev/null) -lpthread

$(B)/%.o: %.c $(wildcard shared/*.h) $(wildcard fcgi-api/*.h) $(wildcard pusher/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# api/ and admin/ include the program's extern.h from the folder above.
$(B)/fcgi-api/%.o: CFLAGS += -Ifcgi-api
$(B)/agent/%.o: CFLAGS += -Iagent $(shell pkg-config --cflags $(AGENT_PKGS) 2>/dev/null) \
	-DAGENT_SYSCONFDIR='"$(sysconfdir)"'
$(AGENT): agent/extern.h

# Unit tests (cmocka): each links the shared objects and, for the API's
# pure parts, the API objects but main.o.
API_LIB := $(filter-out $(B)/fcgi-api/main.o,$(API))
$(B)/tests/unit/%.o: CFLAGS += -Ifcgi-api
$(B)/tests/%: $(B)/tests/unit/%.o $(SHARED) $(API_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lfcgi -lcmocka

# The agent's pure parts (SSE framing, clock, messages) need no GTK.
$(B)/tests/test_agent: $(B)/tests/unit/test_agent.o $(B)/agent/sseparse.o \
	$(B)/agent/clock.o $(B)/agent/msg.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

unit: $(addprefix $(B)/tests/,$(UNIT_TESTS))
	@set -e; for t in $^; do echo "== $$t"; $$t; done

deps:
	bash deploy/install-deps.sh

run: deps all www
	bash deploy/run.sh

test: deps
	bash deploy/test.sh

bench: deps
	bash deploy/bench.sh

www:
	bash deploy/build-www.sh

clean:
	rm -rf build

# Installing the agent on a public PC (docs/agent.md). `install` (the
# server's, deploy/) may depend on install-agent; alone it installs the
# program, its launcher, the sample clean-up, the XDG autostart entry,
# the systemd user unit and a sample configuration (never overwritten).
DESTDIR	?=
PREFIX	?= /usr/local
bindir	?= $(PREFIX)/bin
libexecdir ?= $(PREFIX)/libexec
sysconfdir ?= /etc
userunitdir ?= $(PREFIX)/lib/systemd/user
xdgautostartdir ?= $(sysconfdir)/xdg/autostart

install-agent: $(B)/postes-agent
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libexecdir)/postes-agent \
	  $(DESTDIR)$(userunitdir) $(DESTDIR)$(xdgautostartdir) \
	  $(DESTDIR)$(sysconfdir)/postes-agent
	install -m 0755 $(B)/postes-agent $(DESTDIR)$(bindir)/postes-agent
	sed -e 's|@BINDIR@|$(bindir)|g' -e 's|@LIBEXECDIR@|$(libexecdir)|g' \
	  agent/postes-agent-session.in > $(DESTDIR)$(bindir)/postes-agent-session
	chmod 0755 $(DESTDIR)$(bindir)/postes-agent-session
	install -m 0755 agent/postes-agent-cleanup $(DESTDIR)$(libexecdir)/postes-agent/cleanup
	sed -e 's|@BINDIR@|$(bindir)|g' agent/postes-agent.service.in \
	  > $(DESTDIR)$(userunitdir)/postes-agent.service
	sed -e 's|@BINDIR@|$(bindir)|g' agent/postes-agent.desktop.in \
	  > $(DESTDIR)$(xdgautostartdir)/postes-agent.desktop
	[ -e $(DESTDIR)$(sysconfdir)/postes-agent.conf ] || \
	  sed -e 's|@LIBEXECDIR@|$(libexecdir)|g' -e 's|@SYSCONFDIR@|$(sysconfdir)|g' \
	    agent/postes-agent.conf.in > $(DESTDIR)$(sysconfdir)/postes-agent.conf

.PHONY: all unit deps run test bench www clean install-agent
.SECONDARY:
