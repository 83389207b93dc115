/* libFuzzer target: the configuration file parser (src/control/config.c,
 * libinih underneath). Any bytes must give 0 or -EINVAL (the size limit
 * aside), with error bookkeeping that adds up and messages that are
 * NUL-terminated. A config that loads must pass wp_config_check() again,
 * dump to a file that loads without errors, and that reload must dump to
 * the very same text (dump + reload is the identity). Any broken
 * invariant traps.
 *
 * Input: the first byte picks the mode. Even: the rest is the whole file.
 * Odd: the rest follows a minimal valid file (client port + one backend),
 * so mutated sections and values are accepted often enough for the
 * dump/reload property to be exercised, not just the error paths. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <warmpool/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void
check_errs(const struct wp_config_errors *e, int rc)
{
	uint32_t i, sum = 0;

	CHECK(e->stored <= WP_CONFIG_MAX_ERRORS);
	CHECK(e->stored == (e->count < WP_CONFIG_MAX_ERRORS ? e->count :
			    WP_CONFIG_MAX_ERRORS));
	for (i = 0; i < WP_CONFIG_E__COUNT; i++)
		sum += e->by_kind[i];
	CHECK(sum == e->count);
	CHECK((rc == 0) == (e->count == 0));
	for (i = 0; i < e->stored; i++) {
		CHECK(e->e[i].kind < WP_CONFIG_E__COUNT);
		CHECK(memchr(e->e[i].msg, '\0', sizeof(e->e[i].msg)) != NULL);
		CHECK(strncmp(e->e[i].msg, "fuzz", 4) == 0);
		if (i > 0 && e->e[i].line != 0) /* line order, line-less last */
			CHECK(e->e[i - 1].line != 0 && e->e[i - 1].line <= e->e[i].line);
	}
}

static char *
dump(const struct wp_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CHECK(f != NULL);
	CHECK(wp_config_dump(cfg, f) == 0);
	CHECK(fclose(f) == 0);
	return text;
}

static const char base[] =
	"[port client]\ndevice = d0\naddress = 198.18.0.1/24\n"
	"[backend a]\naddress = 198.18.0.2\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wp_config cfg, again;
	static struct wp_config_errors errs;
	char *d1, *d2, *text;
	size_t len;
	int rc;

	if (size == 0)
		return 0;
	len = size - 1;
	text = malloc(sizeof(base) + len);
	CHECK(text != NULL);
	if (data[0] & 1) {
		memcpy(text, base, sizeof(base) - 1);
		memcpy(text + sizeof(base) - 1, data + 1, len);
		len += sizeof(base) - 1;
	} else {
		memcpy(text, data + 1, len);
	}
	rc = wp_config_load_buffer(&cfg, "fuzz", text, len, &errs);
	free(text);
	CHECK(rc == 0 || rc == -EINVAL || (rc == -EFBIG && len > WP_CONFIG_MAX_FILE));
	check_errs(&errs, rc);
	if (rc != 0)
		return 0;

	CHECK(wp_config_check(&cfg, "fuzz", &errs) == 0);
	d1 = dump(&cfg);
	rc = wp_config_load_string(&again, "fuzz", d1, &errs);
	check_errs(&errs, rc);
	CHECK(rc == 0);
	d2 = dump(&again);
	CHECK(strcmp(d1, d2) == 0);
	free(d1);
	free(d2);
	return 0;
}
