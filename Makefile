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

SHARED_OBJS := config.o log.o db.o ev.o crypto.o sess.o sweep.o rules.o hours.o stats.o \
	       html.o timefmt.o audit.o message.o resa.o rgpd.o
# fcgi-api/: the program's core; api/: one file per JSON resource;
# admin/: the server-rendered HTML pages.
API_OBJS    := main.o router.o http.o valid.o throttle.o demo.o csv.o demo_stats.o \
	       api/auth.o api/staff.o api/utilisateurs.o api/postes.o \
	       api/sessions.o api/kiosk.o api/dashboard.o api/events.o \
	       api/messages.o api/reservations.o api/stats.o api/audit.o api/rgpd.o \
	       api/sites.o api/categories.o api/invites.o \
	       admin/html_out.o admin/pages.o admin/staff.o admin/postes.o \
	       admin/utilisateurs.o admin/sessions.o admin/desk.o admin/lang.o \
	       admin/messages.o admin/reservations.o admin/stats.o admin/rgpd.o
PUSHER_OBJS := main.o chan.o msg.o ws.o wsproto.o sse.o sseproto.o auth.o intake.o clock.o metrics.o
UNIT_TESTS  := test_hours test_crypto test_html test_timefmt test_valid test_ev test_ws test_sse test_ws_hub \
	       test_admin_html test_csv

SHARED	:= $(addprefix $(B)/shared/,$(SHARED_OBJS))
API	:= $(addprefix $(B)/fcgi-api/,$(API_OBJS))
PUSHER	:= $(addprefix $(B)/pusher/,$(PUSHER_OBJS))

all: $(B)/postes-api $(B)/postes-pusher

$(B)/postes-api: $(API) $(SHARED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lfcgi

$(B)/postes-pusher: $(PUSHER) $(SHARED)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs libmicrohttpd) -lpthread

$(B)/%.o: %.c $(wildcard shared/*.h) $(wildcard fcgi-api/*.h) $(wildcard pusher/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# api/ and admin/ include the program's extern.h from the folder above.
$(B)/fcgi-api/%.o: CFLAGS += -Ifcgi-api

# Unit tests (cmocka): each links the shared objects and, for the API's
# pure parts, the API objects but main.o.
API_LIB := $(filter-out $(B)/fcgi-api/main.o,$(API))
$(B)/tests/unit/%.o: CFLAGS += -Ifcgi-api
$(B)/tests/%: $(B)/tests/unit/%.o $(SHARED) $(API_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lfcgi -lcmocka

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

.PHONY: all unit deps run test bench www clean
.SECONDARY:
