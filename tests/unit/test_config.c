/*
 * test_config.c - POSTES_DB_HOSTS: the host list the API and the pusher
 * try in order (config_db_host), and the refusal of a malformed list at
 * start (config_load).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static void
hosts_in_order(void **state)
{
	struct config	 c;
	char		 h[128];
	unsigned int	 port;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.db_port = 3306;
	snprintf(c.db_hosts, sizeof(c.db_hosts),
	    " db1:3307 , db2,[::1]:3308,127.0.0.1:29101");
	assert_int_equal(config_db_host(&c, 0, h, sizeof(h), &port), 1);
	assert_string_equal(h, "db1");
	assert_int_equal(port, 3307);
	assert_int_equal(config_db_host(&c, 1, h, sizeof(h), &port), 1);
	assert_string_equal(h, "db2");
	assert_int_equal(port, 3306);		/* POSTES_DB_PORT */
	assert_int_equal(config_db_host(&c, 2, h, sizeof(h), &port), 1);
	assert_string_equal(h, "::1");
	assert_int_equal(port, 3308);
	assert_int_equal(config_db_host(&c, 3, h, sizeof(h), &port), 1);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(port, 29101);
	assert_int_equal(config_db_host(&c, 4, h, sizeof(h), &port), 0);
}

static void
single_host_default(void **state)
{
	struct config	 c;
	char		 h[128];
	unsigned int	 port;

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(c.db_host, sizeof(c.db_host), "db.example");
	c.db_port = 3310;
	assert_int_equal(config_db_host(&c, 0, h, sizeof(h), &port), 1);
	assert_string_equal(h, "db.example");
	assert_int_equal(port, 3310);
	assert_int_equal(config_db_host(&c, 1, h, sizeof(h), &port), 0);
}

static void
hosts_malformed(void **state)
{
	static const char *const bad[] = {
		"db1,,db2", "db1:", "db1:0", "db1:65536", "db1:33x6", ":3306",
		"[::1", "[::1]x", "[]:3306", ",", "db1,",
		"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q",
	};
	struct config	 c;
	char		 h[128];
	unsigned int	 port;
	size_t		 i, k;
	int		 r;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		memset(&c, 0, sizeof(c));
		c.db_port = 3306;
		snprintf(c.db_hosts, sizeof(c.db_hosts), "%s", bad[k]);
		for (i = 0; (r = config_db_host(&c, i, h, sizeof(h),
		    &port)) == 1; i++)
			continue;
		if (r != -1)
			fail_msg("accepted \"%s\"", bad[k]);
	}
	/* A host longer than the caller's buffer is refused, not cut. */
	memset(&c, 0, sizeof(c));
	snprintf(c.db_hosts, sizeof(c.db_hosts), "%0100d:3306", 1);
	assert_int_equal(config_db_host(&c, 0, h, 64, &port), -1);
}

static void
load_refuses_bad_list(void **state)
{
	struct config	 c;

	(void)state;
	unsetenv("POSTES_CONFIG");
	setenv("POSTES_DB_HOSTS", "db1:3306,db2:99999", 1);
	assert_int_equal(config_load(&c), -1);
	setenv("POSTES_DB_HOSTS", "db1:3306,db2:3307", 1);
	assert_int_equal(config_load(&c), 0);
	assert_string_equal(c.db_hosts, "db1:3306,db2:3307");
	unsetenv("POSTES_DB_HOSTS");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hosts_in_order),
		cmocka_unit_test(single_host_default),
		cmocka_unit_test(hosts_malformed),
		cmocka_unit_test(load_refuses_bad_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
