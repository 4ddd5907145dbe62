# postes - one GNU Makefile for the whole tree.
#
#   make            build both programs (and the unit tests)
#   make run        install what is missing, start everything, foreground
#   make test       the same set-up on free ports, then every test
#   make bench      benchmarks (not tests): figures printed, nothing asserted
#   make SANITIZER=address,undefined   build with ASan/UBSan
#   make install    PREFIX=/usr/local DESTDIR= sysconfdir=/etc (docs/deployment.md)
#   make fuzz       libFuzzer targets (tests/fuzz/fuzz_<name>.c), clang
#   make fuzz-run   run each for FUZZ_TIME seconds (default 20) over its
#                   corpus (tests/fuzz/corpus/<name>/); part of make test
#
# Objects live beside their sources under build/<variant>/ so that the
# sanitizer build and the normal build never mix.

CC	?= cc
SANITIZER ?=
# FUZZ=1: the objects of build/fuzz/, for the libFuzzer targets (clang).
FUZZ	?=
ifneq ($(FUZZ),)
CC	:= clang
SANITIZER := fuzzer-no-link,address,undefined
VARIANT	:= fuzz
else
VARIANT	:= $(if $(SANITIZER),san,std)
endif
B	:= build/$(VARIANT)

# Nothing here may depend on what deploy/install-deps.sh installs: `make
# run` on a bare machine parses this file before the libraries exist.
# pkg-config therefore runs in a recipe (build/pkg/*, remade when this
# file changes, failing loudly when a package is missing), and the
# compile and link recipes read its output when they run, after their
# prerequisites. deploy/check-fresh.sh (CI) proves it.
PKGS	:= json-c libmariadb libsodium libzmq
PKGDIR	:= build/pkg
PKG_CFLAGS	 = $(file <$(PKGDIR)/cflags)
PKG_LIBS	 = $(file <$(PKGDIR)/libs)
PKG_MHD_LIBS	 = $(file <$(PKGDIR)/mhd-libs)
CWARN	:= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wcast-qual \
	   -Wformat=2 -Wno-format-nonliteral
CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE $(CWARN) -Ishared
ifneq ($(SANITIZER),)
CFLAGS	+= -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS	+= -fsanitize=$(SANITIZER)
endif

# Where `make install` puts things (GNU names; DESTDIR for packaging).
PREFIX	?= /usr/local
prefix	?= $(PREFIX)
bindir	?= $(prefix)/bin
sbindir	?= $(prefix)/sbin
datadir	?= $(prefix)/share
mandir	?= $(datadir)/man
sysconfdir ?= /etc
localstatedir ?= /var
unitdir	?= /etc/systemd/system
DESTDIR	?=
INSTALL_DEPS ?= bash deploy/install-deps.sh

SHARED_OBJS := config.o log.o db.o ev.o crypto.o sess.o sweep.o rules.o hours.o stats.o zap.o \
	       html.o timefmt.o audit.o message.o resa.o rgpd.o
# fcgi-api/: the program's core; api/: one file per JSON resource;
# admin/: the server-rendered HTML pages.
API_OBJS    := main.o workers.o router.o reply.o http.o valid.o rows.o throttle.o demo.o csv.o demo_stats.o \
	       api/auth.o api/staff.o api/utilisateurs.o api/postes.o \
	       api/sessions.o api/kiosk.o api/dashboard.o api/events.o \
	       api/messages.o api/reservations.o api/stats.o api/audit.o api/rgpd.o \
	       api/sites.o api/categories.o api/invites.o \
	       admin/html_out.o admin/pages.o admin/staff.o admin/postes.o \
	       admin/utilisateurs.o admin/sessions.o admin/desk.o admin/lang.o \
	       admin/messages.o admin/reservations.o admin/stats.o admin/rgpd.o
PUSHER_OBJS := main.o http.o io.o chan.o msg.o ws.o wsproto.o sse.o sseproto.o auth.o intake.o clock.o metrics.o \
	       revoke.o
# agent/: postes-agent, the lock screen of the public PCs (X11, GTK 3,
# libcurl); it links only the shared objects that need no server library.
AGENT_OBJS  := main.o config.o api.o stream.o sseparse.o clock.o lock.o bar.o widgets.o \
	       cleanup.o msg.o resa.o
AGENT_PKGS  := gtk+-3.0 libcurl json-c
UNIT_TESTS  := test_hours test_crypto test_html test_timefmt test_valid test_ev test_ws test_sse test_ws_hub \
	       test_admin_html test_admin_lang test_csv test_agent test_http_io test_config test_relay

SHARED	:= $(addprefix $(B)/shared/,$(SHARED_OBJS))
API	:= $(addprefix $(B)/fcgi-api/,$(API_OBJS))
PUSHER	:= $(addprefix $(B)/pusher/,$(PUSHER_OBJS))
AGENT	:= $(addprefix $(B)/agent/,$(AGENT_OBJS))

all: $(B)/postes-api $(B)/postes-pusher $(B)/postes-agent $(B)/postes-relay $(B)/tests/zmq-ring

# A ZeroMQ client for the intake's integration tests (tests/tools/).
$(B)/tests/zmq-ring: $(B)/tests/tools/zmq-ring.o $(PKGDIR)/libs
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(PKG_LIBS)

# $(call pkgconf,ARGS): pkg-config ARGS into $@, all or nothing.
pkgconf = @mkdir -p $(dir $@); t=$@.$$$$.tmp; \
	  pkg-config $(1) > $$t && mv $$t $@ || { rm -f $$t; \
	  echo "postes: pkg-config $(1) failed: run make deps" >&2; exit 1; }
$(PKGDIR)/cflags: Makefile
	$(call pkgconf,--cflags $(PKGS) libmicrohttpd)
$(PKGDIR)/libs: Makefile
	$(call pkgconf,--libs $(PKGS))
$(PKGDIR)/mhd-libs: Makefile
	$(call pkgconf,--libs libmicrohttpd)

$(B)/postes-api: $(API) $(SHARED) $(PKGDIR)/libs
	$(CC) $(LDFLAGS) -o $@ $(API) $(SHARED) $(PKG_LIBS) -lfcgi

$(B)/postes-pusher: $(PUSHER) $(SHARED) $(PKGDIR)/libs $(PKGDIR)/mhd-libs
	$(CC) $(LDFLAGS) -o $@ $(PUSHER) $(SHARED) $(PKG_LIBS) $(PKG_MHD_LIBS) -lpthread

# relay/: postes-relay, ZeroMQ's proxy fanning doorbells out to several
# pushers (docs/scaling.md); config and log only, no database.
RELAY_SHARED := $(addprefix $(B)/shared/,config.o log.o zap.o)
$(B)/postes-relay: $(B)/relay/main.o $(RELAY_SHARED) $(PKGDIR)/libs
	$(CC) $(LDFLAGS) -o $@ $(B)/relay/main.o $(RELAY_SHARED) $(PKG_LIBS) -lpthread

# The agent: GTK 3 and libcurl flags computed like the others, in a recipe.
$(PKGDIR)/agent-cflags: Makefile
	$(call pkgconf,--cflags $(AGENT_PKGS))
$(PKGDIR)/agent-libs: Makefile
	$(call pkgconf,--libs $(AGENT_PKGS))
AGENT_SHARED := $(addprefix $(B)/shared/,config.o log.o timefmt.o)
$(B)/postes-agent: $(AGENT) $(AGENT_SHARED) $(PKGDIR)/agent-libs
	$(CC) $(LDFLAGS) -o $@ $(AGENT) $(AGENT_SHARED) $(file <$(PKGDIR)/agent-libs) -lpthread

$(B)/%.o: %.c $(PKGDIR)/cflags $(wildcard shared/*.h) $(wildcard fcgi-api/*.h) $(wildcard pusher/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# api/ and admin/ include the program's extern.h from the folder above.
$(B)/fcgi-api/%.o: CFLAGS += -Ifcgi-api
$(B)/agent/%.o: CFLAGS += -Iagent -DAGENT_SYSCONFDIR='"$(sysconfdir)"'
$(B)/agent/%.o: PKG_CFLAGS += $(file <$(PKGDIR)/agent-cflags)
$(AGENT): agent/extern.h agent/widgets.h $(PKGDIR)/agent-cflags

# Unit tests (cmocka): each links the shared objects and, for the API's
# pure parts, the API objects but main.o.
API_LIB := $(filter-out $(B)/fcgi-api/main.o,$(API))
$(B)/tests/unit/%.o: CFLAGS += -Ifcgi-api
$(B)/tests/%: $(B)/tests/unit/%.o $(SHARED) $(API_LIB) $(PKGDIR)/libs
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(PKG_LIBS) -lfcgi -lcmocka

# The pusher's hub links as it is built (its interface: pusher/hub.h).
$(B)/tests/test_ws_hub: $(addprefix $(B)/pusher/,chan.o msg.o revoke.o)

# test_relay runs the real relay beside it.
$(B)/tests/test_relay: $(B)/postes-relay

# The agent's pure parts (SSE framing, clock, messages) need no GTK;
# the reservation's hour needs GLib's time zones.
$(PKGDIR)/glib-libs: Makefile
	$(call pkgconf,--libs glib-2.0)
$(B)/tests/unit/test_agent.o: agent/extern.h
$(B)/tests/test_agent: $(B)/tests/unit/test_agent.o $(B)/agent/sseparse.o \
	$(B)/agent/clock.o $(B)/agent/msg.o $(B)/agent/resa.o $(PKGDIR)/glib-libs
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(file <$(PKGDIR)/glib-libs) -lcmocka

unit: $(addprefix $(B)/tests/,$(UNIT_TESTS))
	@set -e; for t in $^; do echo "== $$t"; $$t; done

# Fuzzing: one file per target, tests/fuzz/fuzz_<name>.c, linked with
# the shared objects, the API's (but main.o) and the pusher's pure parts.
# Append new targets to FUZZ_TARGETS.
FUZZ_TARGETS := ws_frames sse_query ticket valid
FUZZ_TIME    ?= 20
FUZZ_PUSHER  := $(addprefix $(B)/pusher/,wsproto.o sseproto.o)
$(B)/tests/fuzz/%.o: CFLAGS += -Ipusher -Ifcgi-api
$(B)/fuzz/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(FUZZ_PUSHER) $(SHARED) $(API_LIB) $(PKGDIR)/libs
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer,address,undefined -o $@ $(filter %.o,$^) $(PKG_LIBS) -lfcgi

fuzz-build: $(addprefix $(B)/fuzz/fuzz_,$(FUZZ_TARGETS))

fuzz:
	$(MAKE) FUZZ=1 fuzz-build

fuzz-run: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p tests/fuzz/corpus/$$t build/fuzz/artifacts/$$t build/fuzz/work/$$t; \
	  echo "== fuzz_$$t ($(FUZZ_TIME) s)"; \
	  build/fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/artifacts/$$t/ \
	    build/fuzz/work/$$t tests/fuzz/corpus/$$t 2>&1 | \
	    grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==|SUMMARY)' || true; \
	  if ls build/fuzz/artifacts/$$t/crash-* build/fuzz/artifacts/$$t/leak-* \
	      build/fuzz/artifacts/$$t/timeout-* >/dev/null 2>&1; then \
	    echo "fuzz_$$t: crash found, see build/fuzz/artifacts/$$t"; exit 1; fi; \
	done

# run, test and bench install what is missing first, then build in a
# new make that starts after the packages are there.
deps:
	$(INSTALL_DEPS)

run: deps
	$(MAKE) all www
	bash deploy/run.sh

test: deps
	bash deploy/test.sh

# The loopback cluster (3 Galera nodes, 2 API hosts, 2 pushers, the
# relay, kills and restarts): minutes long, root, not part of make test.
# The loopback cluster (docs/scaling.md): 3 Galera nodes, 2 API hosts,
# 2 pushers, the relay. Not part of make test (about 3.5 min, root).
cluster-test: deps
	$(INSTALL_DEPS) --cluster
	$(MAKE) all
	bash tests/cluster/run.sh

# Capacity figures of the same cluster (docs/scaling.md): relay, API, Galera lag.
cluster-bench: deps
	$(INSTALL_DEPS) --cluster
	$(MAKE) all
	bash tests/cluster/capacity.sh

bench: deps
	bash deploy/bench.sh

www:
	bash deploy/build-www.sh

# make install [PREFIX=/usr/local] [DESTDIR=] [sysconfdir=/etc]: programs
# in sbin, the built www/, migrations and migrate.sh in share/postes, man
# pages, systemd units, /etc/postes/postes.conf (never overwritten) and
# /var/lib/postes. Without DESTDIR it also creates the postes user and the
# secrets (postes-setup user secrets); the database is postes-setup's.
UNITS	:= postes-api.socket postes-api.service postes-pusher.service \
	   postes-sweep.service postes-sweep.timer postes-relay.service
MAN5	:= postes.conf.5
MAN8	:= postes-api.8 postes-pusher.8 postes-setup.8 postes-relay.8
subst	= sed -e 's|@sbindir@|$(sbindir)|g' -e 's|@datadir@|$(datadir)|g' \
	      -e 's|@sysconfdir@|$(sysconfdir)|g' -e 's|@localstatedir@|$(localstatedir)|g'

install: all
	@[ -f www/dist/index.html ] || $(MAKE) www
	install -d $(DESTDIR)$(sbindir) $(DESTDIR)$(datadir)/postes/migrations \
	  $(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man8 $(DESTDIR)$(unitdir) \
	  $(DESTDIR)$(sysconfdir)/postes
	install -d -m 0750 $(DESTDIR)$(localstatedir)/lib/postes
	install -m 0755 $(B)/postes-api $(B)/postes-pusher $(B)/postes-relay $(DESTDIR)$(sbindir)/
	$(subst) deploy/postes-setup.in > $(DESTDIR)$(sbindir)/postes-setup
	chmod 0755 $(DESTDIR)$(sbindir)/postes-setup
	rm -rf $(DESTDIR)$(datadir)/postes/www
	cp -R www/dist $(DESTDIR)$(datadir)/postes/www
	chmod -R u=rwX,go=rX $(DESTDIR)$(datadir)/postes/www
	install -m 0644 db/migrations/[0-9][0-9][0-9]_*.sql $(DESTDIR)$(datadir)/postes/migrations/
	install -m 0755 db/migrate.sh $(DESTDIR)$(datadir)/postes/migrate.sh
	install -m 0644 $(addprefix deploy/man/,$(MAN5)) $(DESTDIR)$(mandir)/man5/
	install -m 0644 $(addprefix deploy/man/,$(MAN8)) $(DESTDIR)$(mandir)/man8/
	for u in $(UNITS); do \
	  $(subst) deploy/systemd/$$u > $(DESTDIR)$(unitdir)/$$u && \
	  chmod 0644 $(DESTDIR)$(unitdir)/$$u || exit 1; done
	@if [ -e $(DESTDIR)$(sysconfdir)/postes/postes.conf ]; then \
	  echo "postes: $(sysconfdir)/postes/postes.conf kept; the new default is postes.conf.dist"; \
	  $(subst) deploy/postes.conf.in > $(DESTDIR)$(sysconfdir)/postes/postes.conf.dist; \
	else \
	  $(subst) deploy/postes.conf.in > $(DESTDIR)$(sysconfdir)/postes/postes.conf; \
	  chmod 0644 $(DESTDIR)$(sysconfdir)/postes/postes.conf; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
	  $(sbindir)/postes-setup user && $(sbindir)/postes-setup secrets || exit 1; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	  echo "postes: installed; next: postes-setup (database), then systemctl enable --now postes-api.socket postes-pusher.service"; \
	fi

# Configuration, secrets, state and the postes user stay.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(sbindir)/,postes-api postes-pusher postes-relay postes-setup)
	rm -rf $(DESTDIR)$(datadir)/postes
	rm -f $(addprefix $(DESTDIR)$(mandir)/man5/,$(MAN5)) $(addprefix $(DESTDIR)$(mandir)/man8/,$(MAN8))
	rm -f $(addprefix $(DESTDIR)$(unitdir)/,$(UNITS))
	rm -f $(addprefix $(DESTDIR)$(bindir)/,postes-agent postes-agent-session)
	rm -rf $(DESTDIR)$(libexecdir)/postes-agent
	rm -f $(DESTDIR)$(userunitdir)/postes-agent.service $(DESTDIR)$(xdgautostartdir)/postes-agent.desktop

# The checks .ci/run makes besides make test.
check-fresh:
	bash deploy/check-fresh.sh
check-deps:
	bash deploy/check-deps.sh

check-install:
	bash deploy/check-install.sh

# The real first try on a bare Debian 12 (root, debootstrap, ~1 GB of
# downloads): not in every CI run.
check-bare:
	bash deploy/check-bare.sh $(CHECK_BARE_MODE)

clean:
	rm -rf build

# The workstation agent (docs/agent.md): the program, its launcher, the
# sample clean-up, the XDG autostart entry, the systemd user unit and a
# sample configuration (never overwritten). `make install` includes it
# (INSTALL_AGENT=0: the server alone); on a public PC, `make install-agent`.
INSTALL_AGENT ?= 1
libexecdir ?= $(prefix)/libexec
userunitdir ?= $(prefix)/lib/systemd/user
xdgautostartdir ?= $(sysconfdir)/xdg/autostart
install: $(if $(filter 1,$(INSTALL_AGENT)),install-agent)

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

.PHONY: all unit deps run test cluster-test cluster-bench bench www clean install uninstall check-fresh check-deps check-install check-bare install-agent fuzz fuzz-build fuzz-run
.SECONDARY:
.DELETE_ON_ERROR:
