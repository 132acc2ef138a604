/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the export policy parser: the input is a policy file.
 * A file that compiles is described (every rule's text) and asked about a
 * conn and a dns record; one that does not must say why in exactly one line
 * that starts with the file's name. ASan checks that nothing leaks and
 * nothing is read outside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vg_analyzer.h"
#include "vg_policy.h"
#include "vg_record.h"

static void
sink(void *arg, const char *text)
{
	*(size_t *)arg += strlen(text);
}

/* A record of a log with every column unset but uid: the rules see unset values. */
static uint32_t
record(uint8_t *buf, uint32_t cap, uint16_t id)
{
	const struct vg_schema *s = vg_schema_get(id);
	struct vg_rec r;

	vg_rec_begin(&r, buf, cap, s);
	for (uint16_t i = 0; s != NULL && i < s->nfields; i++) {
		if (strcmp(s->fields[i].name, "uid") == 0)
			vg_rec_cstr(&r, "CfuzzUid");
		else
			vg_rec_unset(&r);
	}
	return vg_rec_end(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool registered;
	char err[512];
	struct vg_policy *p;
	uint8_t buf[1024];
	size_t n = 0;

	if (!registered) {
		vg_analyzers_register_logs();
		registered = true;
	}
	err[0] = '\0';
	p = vg_policy_parse((const char *)data, size, "fuzz.yaml", err, sizeof(err));
	if (p == NULL) {
		if (strncmp(err, "fuzz.yaml", 9) != 0 || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	vg_policy_describe(p, sink, &n);
	for (uint16_t id = 0; id < vg_schema_count(); id++) {
		uint32_t len = record(buf, sizeof(buf), id);

		if (len != 0 && vg_policy_decide(p, buf, len, NULL, NULL) >= VG_POLICY_NVERDICTS)
			abort();
	}
	vg_policy_free(p);
	return 0;
}
