/* libFuzzer target: the meminfo parser behind the --no-huge fallback.
 * Any bytes must give a count >= 0 or one of the documented errors. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <warmpool/hugepages.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int rc = wp_hugepages_parse((const char *)data, size);
	if (rc < 0 && rc != -ENODATA && rc != -EINVAL && rc != -ERANGE && rc != -EFBIG)
		abort(); /* undocumented error: a bug */
	return 0;
}
