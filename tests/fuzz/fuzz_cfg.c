/* Fuzzes both ini parsers and the dial-string parser with the same input, and checks that the
 * passwd rewrite (cfg_ini_set_key) is idempotent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "cfg/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg_msgs errs, warns;
	static struct cfg_param par;
	static struct cfg_conns cs;
	const char *text = (const char *)data;
	struct cfg_dial d;
	char *s, *once, *twice;
	size_t n1, n2;
	bool no_section;

	memset(&errs, 0, sizeof(errs));
	if (cfg_param_parse(text, size, "fuzz", &par, &errs, &warns) == 0 && errs.n)
		abort();
	memset(&errs, 0, sizeof(errs));
	if (cfg_conns_parse(text, size, "fuzz", &par, &cs, &errs, &warns) == 0) {
		if (errs.n || cs.n > CFG_MAX_CONNS)
			abort();
		for (unsigned i = 0; i < cs.n; i++)
			if (!cfg_conn_name_valid(cs.conn[i].name) || cs.conn[i].mru < 128)
				abort();
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cfg_dial_parse(s, &d, NULL, NULL);
	once = cfg_ini_set_key(s, strlen(s), "dsl", "password", "enc:v1:AAAA", &n1, &no_section);
	if (once) {
		twice = cfg_ini_set_key(once, n1, "dsl", "password", "enc:v1:AAAA", &n2,
					&no_section);
		if (!twice || n1 != n2 || memcmp(once, twice, n1))
			abort();
		free(twice);
		free(once);
	}
	free(s);
	return 0;
}
